"""A short summary of the asset checks of a run, for the end of `leadledger run` / `make demo`."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

MAX_DESCRIPTION = 160


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def describe_evaluation(evaluation: dg.AssetCheckEvaluation) -> str:
    """What the result says: its description, else what dbt reported (failing rows)."""
    metadata: Mapping[str, Any] = evaluation.metadata or {}
    if evaluation.description:
        text = evaluation.description
    elif "status" in metadata or "dagster_dbt/failed_row_count" in metadata:  # a dbt test
        status = metadata["status"].value if "status" in metadata else None
        failed = metadata.get("dagster_dbt/failed_row_count")
        text = f"dbt test {status or ('passed' if evaluation.passed else 'failed')}"
        if failed is not None and failed.value:
            text += f": {failed.value} failing rows"
    else:
        text = "passed" if evaluation.passed else "failed"
    if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN:
        text = f"warning: {text}"
    return _short(text)


def summarise_checks(result: dg.ExecuteInProcessResult) -> list[tuple[str, str, bool, str]]:
    """(asset, check, passed, short description) for every asset check of the run, dbt tests
    included, sorted by asset and check. A check that was planned but never ran (its asset's
    step failed) counts as not passed: "did not run"."""
    rows: dict[tuple[str, str], tuple[str, str, bool, str]] = {}
    for evaluation in result.get_asset_check_evaluations():
        key = (evaluation.asset_key.to_user_string(), evaluation.check_name)
        rows[key] = (*key, bool(evaluation.passed), describe_evaluation(evaluation))
    for event in result.all_events:
        if event.event_type_value != dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value:
            continue
        planned = event.event_specific_data
        key = (planned.asset_key.to_user_string(), planned.check_name)
        rows.setdefault(key, (*key, False, "did not run: an upstream step failed or was skipped"))
    return [rows[k] for k in sorted(rows)]
