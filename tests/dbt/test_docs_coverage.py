"""Everything BI reads is documented: every mart and semantic-layer model with its columns
(contracts make the YAML column lists complete), every semantic model with its entities,
dimensions and measures, every metric. Read from the manifest of `dbt parse`, which is also
what `dbt docs generate` publishes."""

from __future__ import annotations

import json

import pytest

from tests.cli_runs import run_dbt

BI_FOLDERS = ("marts/", "semantic/")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    scratch = tmp_path_factory.mktemp("dbt_parse")
    run_dbt(["parse", "--quiet"], scratch / "parse.duckdb", scratch, timeout=600)
    target = scratch / "target"
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def _bi_models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "leadledger"
        and node["path"].startswith(BI_FOLDERS)
    ]


def undocumented_models(manifest: dict) -> list[str]:
    """'<model>' or '<model>.<column>' for every BI model and column without a description,
    and '<model> (no contract)' where the column list is not guaranteed complete."""
    missing = []
    for node in _bi_models(manifest):
        if not node.get("description", "").strip():
            missing.append(node["name"])
        if not node["config"].get("contract", {}).get("enforced"):
            missing.append(f"{node['name']} (no contract: its YAML columns may be incomplete)")
        if not node["columns"]:
            missing.append(f"{node['name']} (no columns documented)")
        missing += [
            f"{node['name']}.{name}"
            for name, column in node["columns"].items()
            if not column.get("description", "").strip()
        ]
    return sorted(missing)


def undocumented_semantics(manifest: dict) -> list[str]:
    missing = []
    for model in manifest.get("semantic_models", {}).values():
        if not (model.get("description") or "").strip():
            missing.append(f"semantic model {model['name']}")
        for kind in ("entities", "dimensions", "measures"):
            missing += [
                f"semantic model {model['name']}: {kind[:-1] if kind != 'entities' else 'entity'} {e['name']}"
                for e in model.get(kind) or []
                if not (e.get("description") or "").strip()
            ]
    for metric in manifest.get("metrics", {}).values():
        if not (metric.get("description") or "").strip() or not (metric.get("label") or "").strip():
            missing.append(f"metric {metric['name']}")
    return sorted(missing)


def test_the_project_has_a_semantic_layer(manifest: dict) -> None:
    assert len(manifest["semantic_models"]) >= 5
    names = {m["name"] for m in manifest["metrics"].values()}
    assert {"attributed_revenue", "campaign_cost", "roi", "win_rate", "weighted_pipeline"} <= names
    assert any(n["name"] == "metricflow_time_spine" for n in _bi_models(manifest))


def test_every_bi_model_and_column_has_a_description(manifest: dict) -> None:
    assert _bi_models(manifest), "no marts found"
    missing = undocumented_models(manifest)
    assert missing == [], "undocumented:\n  " + "\n  ".join(missing)


def test_every_semantic_model_and_metric_has_a_description(manifest: dict) -> None:
    missing = undocumented_semantics(manifest)
    assert missing == [], "undocumented:\n  " + "\n  ".join(missing)


def test_the_checks_find_what_is_missing() -> None:
    fake = {
        "nodes": {
            "model.leadledger.rpt_x": {
                "resource_type": "model",
                "package_name": "leadledger",
                "path": "marts/x/rpt_x.sql",
                "name": "rpt_x",
                "description": "",
                "config": {"contract": {"enforced": False}},
                "columns": {"a": {"description": "A."}, "b": {"description": " "}},
            },
            "model.leadledger.stg_y": {
                "resource_type": "model",
                "package_name": "leadledger",
                "path": "staging/y/stg_y.sql",
                "name": "stg_y",
                "description": "",
                "config": {},
                "columns": {},
            },
        },
        "semantic_models": {
            "s": {
                "name": "s",
                "description": "S.",
                "entities": [{"name": "e", "description": None}],
                "dimensions": [],
                "measures": [{"name": "m", "description": "M."}],
            }
        },
        "metrics": {"m": {"name": "m", "description": "M.", "label": ""}},
    }
    assert undocumented_models(fake) == [
        "rpt_x",
        "rpt_x (no contract: its YAML columns may be incomplete)",
        "rpt_x.b",
    ]
    assert undocumented_semantics(fake) == ["metric m", "semantic model s: entity e"]


def not_null_constraints_without_test(manifest: dict) -> list[str]:
    """Model columns with a not_null contract constraint but no not_null data test. Spark's
    Parquet tables cannot enforce the constraint (macros/spark_constraints.sql), so there the
    test is the only check."""
    tested = {
        (node.get("attached_node"), node.get("column_name"))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == "not_null"
    }
    return sorted(
        f"{node['name']}.{name}"
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        for name, column in node["columns"].items()
        if any(c.get("type") == "not_null" for c in column.get("constraints") or [])
        and (unique_id, name) not in tested
    )


def test_every_not_null_constraint_has_a_not_null_test(manifest: dict) -> None:
    assert not_null_constraints_without_test(manifest) == []


def test_not_null_constraints_without_test_finds_gaps() -> None:
    column = {"constraints": [{"type": "not_null"}]}
    fake = {
        "nodes": {
            "model.p.a": {
                "resource_type": "model",
                "name": "a",
                "columns": {"x": column, "y": column},
            },
            "test.p.nn": {
                "resource_type": "test",
                "attached_node": "model.p.a",
                "column_name": "x",
                "test_metadata": {"name": "not_null"},
            },
        }
    }
    assert not_null_constraints_without_test(fake) == ["a.y"]
