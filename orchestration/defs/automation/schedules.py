"""The daily run of the whole graph: every new extract, the dbt build, the checks, publish and
the report, even on days no sensor fired (a reporting date moves, a fix lands)."""

import dagster as dg

#: 05:00 UTC: after the nightly exports, before people open their reports.
DAILY_CRON = "0 5 * * *"
DAILY_TIMEZONE = "UTC"

daily_full_pipeline = dg.ScheduleDefinition(
    name="daily_full_pipeline",
    job_name="full_pipeline",
    cron_schedule=DAILY_CRON,
    execution_timezone=DAILY_TIMEZONE,
    description="Runs full_pipeline every day at 05:00 UTC. Runs queue one at a time "
    "(dagster.yaml), so a sensor's run and this one never write the warehouse together.",
)
