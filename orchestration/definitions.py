"""The Dagster code location: collects the definitions of each concern under defs/."""

import dagster as dg

from orchestration.defs.automation.freshness import with_source_freshness
from orchestration.defs.automation.schedules import daily_full_pipeline
from orchestration.defs.automation.sensors import extract_sensors, system_jobs
from orchestration.defs.checks.checks import asset_checks
from orchestration.defs.dbt.assets import dbt_models, dbt_resource
from orchestration.defs.ingest.assets import ingest_assets
from orchestration.defs.publish.assets import published_warehouse
from orchestration.defs.report.assets import html_report
from orchestration.progress import progress_logger

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    description="Ingest every new extract, build and test the whole dbt project, run the checks, "
    "publish the marts if everything passed (Write-Audit-Publish), and render the HTML report.",
)

defs = dg.Definitions(
    assets=[*with_source_freshness(ingest_assets), dbt_models, published_warehouse, html_report],
    asset_checks=asset_checks,
    jobs=[full_pipeline, *system_jobs.values()],
    schedules=[daily_full_pipeline],
    sensors=extract_sensors,
    resources={"dbt": dbt_resource},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
