"""The HTML report, rendered from the published warehouse after every successful publish."""

import dagster as dg

from orchestration import settings
from orchestration.defs.publish.assets import published_warehouse
from orchestration.reports.html_report import report_path, write_report


@dg.asset(
    key=dg.AssetKey(["report", "html"]),
    deps=[published_warehouse],
    group_name="publish",
    kinds={"html", "plotly"},
    description="A self-contained HTML report (charts with their tables; opens from disk, no "
    "server): campaign ROI by attribution model (estimate vs actual), the funnel with its "
    "conversion rates, pipeline and forecast vs quota, cost-to-serve by ABC segment. Read from "
    "the published warehouse only, so it shows exactly what BI users see; written to "
    "<warehouse folder>/report/leadledger_report.html.",
)
def html_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    out = report_path()
    report = write_report(settings.published_path(), out)
    for key, reason in report.not_available.items():
        context.log.warning(f"report section {key} not available: {reason}")
    context.log.info(f"report written to {out}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out)),
            "url": dg.MetadataValue.url(out.resolve().as_uri()),
            "size_bytes": out.stat().st_size,
            "sections": dg.MetadataValue.md(
                "| section | status |\n|---|---|\n"
                + "\n".join(
                    f"| {s.title} | "
                    + ("drawn" if s.unavailable is None else f"not available: {s.unavailable}")
                    + " |"
                    for s in report.sections
                )
            ),
            "sections_drawn": len(report.drawn),
            "sections_not_available": len(report.not_available),
        }
    )
