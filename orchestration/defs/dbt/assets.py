"""The dbt project as Dagster assets: models, seeds and snapshots; dbt tests as asset checks."""

import sys
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version
from pydantic import Field

from orchestration import settings
from orchestration.defs.checks.expectations import import_in_background
from orchestration.defs.dbt.metadata import table_metadata
from orchestration.defs.dbt.project import (
    dbt_project,
    failed_data_tests,
    failed_incremental_models,
    keep_parse_state,
    prepare,
    prune_run_targets,
)

dbt_project.prepare_if_dev()
prepare()  # nothing to do when the manifest is newer than every project file


class LeadledgerTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<model>; groups follow the model folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        # fqn: [project, layer, domain, ..., name]
        if len(fqn) >= 4:
            return f"{fqn[1]}_{fqn[2]}"
        return fqn[1] if len(fqn) >= 3 else "dbt"


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build (in the Launchpad: ops.dbt_models.config)."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from all raw rows (dbt build "
        "--full-refresh) instead of only the records delivered since the last build: after "
        "changing their logic, or when in doubt.",
    )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LeadledgerTranslator(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    settings.export_environment()
    engine = settings.warehouse_engine()
    if engine == "spark":
        from ingestion.spark import export_raw

        counts = export_raw(settings.warehouse_path(), settings.spark_path())
        context.log.info(f"exported {len(counts)} raw tables to Spark ({settings.spark_path()})")
    args = ["build"]
    if config.full_refresh:
        args.append("--full-refresh")
    if not settings.dbt_unit_tests():
        args += ["--exclude-resource-type", "unit_test"]
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    if engine == "duckdb":  # (on Spark the JVM takes both cores from the start)
        import_in_background()  # for the checks after the build, while dbt parses
    # Events are held back until dbt has finished and released the warehouse, so the marts
    # can be read for row counts and previews (dbt's own log streams to the console live).
    events = list(invocation.stream())
    keep_parse_state(invocation.target_path)
    store_failing_rows(dbt, invocation.target_path, context.log)
    prune_run_targets(invocation.target_path)

    def key_of(event: object) -> dg.AssetKey | None:
        if isinstance(event, dg.Output):
            return context.asset_key_for_output(event.output_name)
        if isinstance(event, dg.AssetMaterialization):
            return event.asset_key
        return None

    if engine == "spark":
        # The models also land in the DuckDB warehouse, so checks, reconciliations, publishing
        # and the report read them as after a DuckDB build (they stay in Spark as well).
        from ingestion.spark import import_models

        imported = import_models(settings.spark_path(), settings.warehouse_path())
        context.log.info(f"copied {len(imported)} tables from Spark into DuckDB")
    extra = table_metadata(
        settings.warehouse_path(), [k for k in map(key_of, events) if k is not None]
    )
    for event in events:
        key = key_of(event)
        if key in extra:
            event = event.with_metadata({**event.metadata, **extra[key]})
        yield event
    error = invocation.get_error()
    if error is not None:
        failed = failed_incremental_models(invocation.target_path)
        if failed and not config.full_refresh:
            context.log.warning(
                f"incremental models failed ({', '.join(failed)}): if this warehouse was built "
                "by an earlier version of the project, rebuild them once with "
                "`leadledger run --full-refresh` (Launchpad: ops.dbt_models.config.full_refresh)"
            )
        raise error


def store_failing_rows(dbt: DbtCliResource, run_target: Path, log: Any) -> list[str]:
    """Keep the failing rows of the data tests that failed or warned in the build in
    run_target: run them again with `--store-failures` (one table per test in schema audit,
    which the run summary and whoever fixes the data read). Returns the tests run.

    The build itself stores nothing: writing a table per test, empty for every test that
    passes, cost a sixth of the test time (demo warehouse: 17.0 -> 11.7 s for the 395 tests
    on two threads), while the rows of the few tests that fail cost one more `dbt test` of
    those tests, on the same data, only in a run that fails anyway."""
    failed = failed_data_tests(run_target)
    if failed:
        log.info(f"storing the failing rows of {len(failed)} test(s) in schema audit")
        stored = dbt.cli(
            # one argument: dagster-dbt takes a single value after --select (dbt splits it)
            ["test", "--store-failures", "--select", " ".join(failed)],
            target_path=run_target / "stored_failures",
            raise_on_error=False,
        )
        stored.wait()
    return failed


def _dbt_executable() -> str:
    """The dbt next to this Python (a venv's bin need not be on PATH, e.g. `.venv/bin/python`);
    on Spark the launcher that runs Python models in dbt-spark's session
    (orchestration/dbt_launcher.py)."""
    name = "leadledger-dbt" if settings.warehouse_engine() == "spark" else "dbt"
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


class LeadledgerDbtResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs of every build (~5 s of the demo's
    minute) that buy this project nothing:

    - the dbt version, which dagster-dbt learns by running `dbt --version` (a second dbt
      process, ~2.5 s), is the installed dbt-core's: the executable is this venv's dbt or the
      Spark launcher running it;
    - an in-process dbt adapter, which dagster-dbt opens before every build (~2.5 s of imports
      and project loading), serves only its fetch_row_counts/fetch_column_metadata, which the
      assets do not use (row counts and previews come from metadata.py after the build).

    Both override dagster-dbt internals; tests/orchestration/test_dbt_resource.py fails if a
    dagster-dbt upgrade renames them, so the saving cannot vanish unnoticed."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


# The engine (WAREHOUSE_ENGINE=duckdb|spark) picks dbt's target (LEADLEDGER_DBT_TARGET, set by
# settings.export_environment) and the executable; the asset graph is the same on both.
dbt_resource = LeadledgerDbtResource(project_dir=dbt_project, dbt_executable=_dbt_executable())
