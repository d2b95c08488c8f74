"""The Dagster code location loads and wires ingestion upstream of dbt."""

import dagster as dg

from ingestion.registry import ALL_EXTRACTS


def test_definitions_load_and_link_raw_tables_to_staging() -> None:
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for extract in ALL_EXTRACTS:
        assert dg.AssetKey(list(extract.asset_key)) in keys
    staging = graph.get(dg.AssetKey(["staging", "stg_crm__opportunities"]))
    assert dg.AssetKey(["raw", "crm", "opportunities"]) in staging.parent_keys
    assert defs.resolve_job_def("full_pipeline") is not None
    assert len(list(graph.asset_check_keys)) > 0  # dbt tests become asset checks


def test_dbt_sources_are_generated_from_the_contract() -> None:
    from ingestion.dbt_sources import main

    assert main(["--check"]) == 0
