"""Checks that guard the KPI tables, as Dagster asset checks (built in checks.py).

- ``great_expectations`` on every fct_/rpt_ mart table (expectations.py, suites declared in
  suites.py): uniqueness of the grain, completeness, ranges. Blocking.
- ``row_count_drift`` on every mart table against the last published build (drift.py):
  warns beyond the threshold, blocks when a table shrank to 0 rows.
- ``source_freshness`` on every raw table, per source system (freshness.py). Warns.
- ``attributed_revenue_reconciles``, ``campaign_cost_reconciles``,
  ``booked_revenue_reconciles`` (reconciliation.py): totals across CRM, marketing and finance,
  to the cent. Blocking.

Thresholds live in config.py; summary.py summarises the check results of a run for the CLI.
"""
