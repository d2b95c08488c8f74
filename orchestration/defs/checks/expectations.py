"""Great Expectations 1.x suites on the marts, run as blocking Dagster asset checks.

How a table is validated: DuckDB reads only the columns the suite needs from the warehouse
(read-only), Great Expectations validates them as a pandas batch in an ephemeral context (no
project on disk, no analytics), and the check reports every expectation with its result and,
for each failed one, a few example rows (grain key and the checked columns).

Large tables: above ``config.full_table_max_rows()`` rows, DuckDB first reduces the table to
the rows that can fail an expectation (rows whose grain key occurs more than once, rows with a
null in a complete column, rows outside a range) and Great Expectations validates those. Every
unexpected row is in that set and every row outside it passes every expectation, so verdict,
unexpected counts and example rows are the same as for the whole table; only the percentages
are computed against the full row count here.

Great Expectations is imported when a check runs, not when the definitions load (its import
takes seconds): in a pipeline run, in the background while dbt starts its build
(:func:`import_in_background`), otherwise by the first validation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg
import duckdb

from orchestration import settings
from orchestration.defs.checks import config
from orchestration.defs.checks.common import (
    CheckOutcome,
    build_per_asset_check,
    markdown_table,
    quote,
    read_only,
    table_columns,
)
from orchestration.defs.checks.suites import TableSuite

if TYPE_CHECKING:
    import pandas as pd

CHECK_NAME = "great_expectations"
GRAIN_KEY = "_grain_key"
ROW = "_row"
DUPLICATES = "_duplicate_grain_values"


def _select_list(suite: TableSuite, present: set[str]) -> dict[str, str]:
    """Output column -> SQL expression, for the columns of ``suite`` the table has."""
    select: dict[str, str] = {}
    if suite.grain and not suite.grain_is_column:
        select[GRAIN_KEY] = f"({suite.grain})"
    for column in suite.columns():
        if column not in present:
            continue
        if column in suite.ranges:
            select[column] = f"try_cast({quote(column)} as double)"
        else:
            select[column] = quote(column)
    return select


def _grain_column(suite: TableSuite, present: set[str]) -> str | None:
    """The column the uniqueness expectation checks (the grain column, or the computed grain
    key), or None without a grain or when the table lacks the grain column."""
    if suite.grain is None:
        return None
    if not suite.grain_is_column:
        return GRAIN_KEY
    return suite.grain if suite.grain in present else None


def _can_fail(suite: TableSuite, present: set[str]) -> list[str]:
    """SQL conditions (on the selected columns and the CTE of the grain values that occur
    more than once) that hold for every row that can fail."""
    conditions: list[str] = []
    grain = _grain_column(suite, present)
    if grain is not None:
        # A grain value that occurs more than once (CTE duplicates: a group by, cheaper at
        # scale 100 than a window over every row: rpt_cost_to_serve 2.6 -> 1.6 s). A null
        # grain value is never unexpected for Great Expectations' uniqueness, nor here.
        conditions.append(f"{quote(grain)} in (select {quote(grain)} from {DUPLICATES})")
    conditions += [f"{quote(c)} is null" for c in suite.not_null if c in present]
    for column, bounds in suite.ranges.items():
        if column not in present:
            continue
        if bounds.min_value is not None:
            conditions.append(f"{quote(column)} < {bounds.min_value!r}")
        if bounds.max_value is not None:
            conditions.append(f"{quote(column)} > {bounds.max_value!r}")
    return conditions


def suite_sql(suite: TableSuite, present: set[str], prefilter: bool) -> str:
    """The query feeding Great Expectations: the suite's columns, numbered rows, and with
    ``prefilter`` only the rows that can fail."""
    select = _select_list(suite, present)
    # Pre-filtering, a grain of several columns is compared as their struct and turned into
    # text (as Great Expectations checks it) only in the rows kept: at scale 100
    # rpt_cost_to_serve's query 2.6 -> 1.7 s against text for every row.
    grain_as_struct = prefilter and bool(suite.grain_columns) and GRAIN_KEY in select
    if grain_as_struct:
        select[GRAIN_KEY] = f"row({', '.join(quote(c) for c in suite.grain_columns)})"
    columns = ", ".join(f"{expr} as {quote(name)}" for name, expr in select.items())
    base = (
        f"select row_number() over () as {ROW}{', ' + columns if columns else ''} "
        f"from {quote(suite.schema)}.{quote(suite.table)}"
    )
    if not prefilter:
        return base
    conditions = _can_fail(suite, present) or ["false"]
    ctes = f"with base as ({base})"
    grain = _grain_column(suite, present)
    if grain is not None:
        ctes += (
            f", {DUPLICATES} as (select {quote(grain)} from base group by {quote(grain)} "
            "having count(*) > 1)"
        )
    kept = (
        f"* replace (cast({quote(GRAIN_KEY)} as varchar) as {quote(GRAIN_KEY)})"
        if grain_as_struct
        else "*"
    )
    return f"{ctes} select {kept} from base where " + " or ".join(f"({c})" for c in conditions)


def _import_great_expectations() -> None:
    import great_expectations.expectations  # noqa: F401 (what validations use, loaded)
    from great_expectations.data_context.types.base import DataContextConfig  # noqa: F401


def import_in_background() -> threading.Thread:
    """Import Great Expectations in a background thread (~3.5 s of one core). The pipeline
    starts it with the dbt build, whose first seconds (dbt parsing the project) use one core;
    the checks after the build then find it imported. Any later import waits for this one
    (Python's import lock), so the checks never see a half-imported module."""
    thread = threading.Thread(
        target=_import_great_expectations, name="import-great-expectations", daemon=True
    )
    thread.start()
    return thread


def _expectations(suite: TableSuite, present: set[str]) -> list[Any]:
    import great_expectations.expectations as gxe

    expectations: list[Any] = [gxe.ExpectColumnToExist(column=c) for c in suite.columns()]
    grain = _grain_column(suite, present)
    if grain is not None:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=grain))
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c) for c in suite.not_null if c in present
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column=c, min_value=bounds.min_value, max_value=bounds.max_value
        )
        for c, bounds in suite.ranges.items()
        if c in present
    ]
    return expectations


def _run_great_expectations(
    frame: pd.DataFrame, suite: TableSuite, expectations: Sequence[Any], examples: int
) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        ),
    )
    asset = context.data_sources.add_pandas(name=suite.schema).add_dataframe_asset(suite.table)
    batch = asset.add_batch_definition_whole_dataframe("whole_table").get_batch(
        batch_parameters={"dataframe": frame}
    )
    return batch.validate(
        gx.ExpectationSuite(name=f"{suite.schema}.{suite.table}", expectations=list(expectations)),
        result_format={
            "result_format": "SUMMARY",
            "unexpected_index_column_names": [ROW],
            "partial_unexpected_count": examples,
        },
    )


def _label(suite: TableSuite, column: str | None) -> str | None:
    return f"grain ({suite.grain})" if column == GRAIN_KEY else column


def _expectation_name(kind: str, kwargs: dict[str, Any]) -> str:
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        bounds = (
            f"{low:g} to {high:g}"
            if low is not None and high is not None
            else (f">= {low:g}" if low is not None else f"<= {high:g}")
        )
        return f"{kind} ({bounds})"
    return kind


def validate_table(
    con: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    full_table_max_rows: int | None = None,
    examples: int = config.EXAMPLE_ROWS,
) -> CheckOutcome:
    """Validate one mart table against its suite with Great Expectations."""
    import great_expectations as gx

    target = f"{suite.schema}.{suite.table}"
    present = set(table_columns(con, suite.schema, suite.table))
    if not present:
        return CheckOutcome(False, f"{target} does not exist in the warehouse")
    limit = config.full_table_max_rows() if full_table_max_rows is None else full_table_max_rows
    rows = con.execute(
        f"select count(*) from {quote(suite.schema)}.{quote(suite.table)}"
    ).fetchone()[0]
    prefilter = rows > limit
    try:
        frame = con.execute(suite_sql(suite, present, prefilter)).fetchdf()
    except duckdb.Error as exc:
        return CheckOutcome(
            False,
            f"{target}: the suite's query failed ({exc}); is the grain expression "
            f"{suite.grain!r} still valid?",
        )
    expectations = _expectations(suite, present)
    validation = _run_great_expectations(frame, suite, expectations, examples)
    by_row = frame.set_index(ROW, drop=True)

    summary: list[dict[str, Any]] = []
    failing_rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for result in validation.results:
        kind = result.expectation_config.type
        kwargs = dict(result.expectation_config.kwargs)
        column = kwargs.get("column")
        name = _expectation_name(kind, kwargs)
        info = result.exception_info or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        unexpected = result.result.get("unexpected_count")
        passed = bool(result.success) and error is None
        summary.append(
            {
                "expectation": name,
                "column": _label(suite, column),
                "passed": passed,
                "unexpected_rows": unexpected,
                "unexpected_percent": round(100 * unexpected / rows, 4)
                if unexpected is not None and rows
                else None,
            }
        )
        if passed:
            continue
        detail = f"{unexpected} rows" if unexpected is not None else (error or "failed")
        failed.append(f"{name} on {_label(suite, column)}: {detail}")
        identifying = [GRAIN_KEY if not suite.grain_is_column else suite.grain, *suite.not_null]
        shown = [c for c in dict.fromkeys([*identifying, column]) if c in by_row.columns]
        for index in (result.result.get("partial_unexpected_index_list") or [])[:examples]:
            if index.get(ROW) not in by_row.index:
                continue
            row = by_row.loc[index[ROW], shown].to_dict()
            failing_rows.append(
                {
                    "expectation": name,
                    "column": _label(suite, column),
                    **{(suite.grain if k == GRAIN_KEY else k): v for k, v in row.items()},
                }
            )
    metadata: dict[str, Any] = {
        "expectations": dg.MetadataValue.md(markdown_table(summary)),
        "expectations_evaluated": len(summary),
        "expectations_failed": len(failed),
        "rows": rows,
        "rows_validated": len(frame),
        "mode": (
            f"pre-filtered in DuckDB: {rows:,} rows > {limit:,}, so Great Expectations "
            "validated only the rows that can fail an expectation"
            if prefilter
            else "whole table (only the suite's columns)"
        ),
        "suite": suite.describe(),
        "great_expectations_version": gx.__version__,
    }
    if failed:
        description = (
            f"{len(failed)} of {len(summary)} expectations failed on {target}: " + "; ".join(failed)
        )
    else:
        description = f"{len(summary)} expectations passed on {target} ({rows:,} rows)"
    return CheckOutcome(
        passed=not failed, description=description, metadata=metadata, failing_rows=failing_rows
    )


def build_suite_checks(suites: Sequence[TableSuite]) -> dg.AssetChecksDefinition:
    """The blocking Great Expectations check of every suite's table: one multi-asset check
    (one step and one connection for all marts)."""
    by_key = {dg.AssetKey([s.schema, s.table]): s for s in suites}

    def evaluate(selected: list[dg.AssetKey]) -> Iterator[tuple[dg.AssetKey, CheckOutcome]]:
        with read_only(settings.warehouse_path()) as con:
            for key in selected:
                yield key, validate_table(con, by_key[key])

    return build_per_asset_check(
        "marts_great_expectations",
        CHECK_NAME,
        {
            key: f"Great Expectations suite: {suite.describe()}. Blocking: a mart that fails "
            "it is not published."
            for key, suite in by_key.items()
        },
        evaluate,
        blocking=True,
        metadata={key: {"suite": suite.describe()} for key, suite in by_key.items()},
    )
