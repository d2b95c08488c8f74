"""Thresholds of the checks, declared once. Each can be overridden with an environment variable
(read when a check runs, so a changed value needs no code change and no reload)."""

from __future__ import annotations

import os

#: Row-count drift: a mart whose row count changed by more than this share against the last
#: published build fails its (warning) check. 0.5 = 50 %.
DRIFT_THRESHOLD_ENV = "LEADLEDGER_DRIFT_THRESHOLD"
DEFAULT_DRIFT_THRESHOLD = 0.5

#: Freshness: the latest extract of a source system may lag the reporting date (the latest
#: extract date of any system) by at most this many days. Finance closes its books monthly.
MAX_LAG_DAYS_ENV = "LEADLEDGER_MAX_LAG_DAYS_{system}"  # e.g. LEADLEDGER_MAX_LAG_DAYS_FINANCE=40
DEFAULT_MAX_LAG_DAYS = {"crm": 7, "marketing": 7, "finance": 35}
FALLBACK_MAX_LAG_DAYS = 7  # a source system without its own default

#: Great Expectations suites get the whole table (only the columns a suite needs) up to this
#: many rows; a larger table is first reduced in DuckDB to the rows that can fail an
#: expectation (see expectations.py), which gives the same verdict and the same failing rows.
#: Validating in pandas costs about 2 s per million rows and suite (scale 100:
#: rpt_lead_response, 462,135 rows, 1.0 s whole, 0.1 s pre-filtered), so only small tables
#: are handed over whole.
FULL_TABLE_MAX_ROWS_ENV = "LEADLEDGER_CHECK_FULL_TABLE_MAX_ROWS"
DEFAULT_FULL_TABLE_MAX_ROWS = 100_000

#: How many failing rows a failed check shows as examples.
EXAMPLE_ROWS = 5


def _number(env: str, default: float, minimum: float) -> float:
    raw = os.environ.get(env)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"{env}={raw!r} is not a number; unset it or give e.g. {default}"
        ) from None
    if value < minimum:
        raise ValueError(f"{env}={raw!r} must be at least {minimum}")
    return value


def drift_threshold() -> float:
    """Largest allowed relative change of a mart's row count (LEADLEDGER_DRIFT_THRESHOLD)."""
    return _number(DRIFT_THRESHOLD_ENV, DEFAULT_DRIFT_THRESHOLD, 0.0)


def max_lag_days(system: str) -> int:
    """Largest allowed lag of ``system``'s latest extract (LEADLEDGER_MAX_LAG_DAYS_<SYSTEM>)."""
    default = DEFAULT_MAX_LAG_DAYS.get(system, FALLBACK_MAX_LAG_DAYS)
    return int(_number(MAX_LAG_DAYS_ENV.format(system=system.upper()), default, 0))


def full_table_max_rows() -> int:
    """Tables up to this size are handed to Great Expectations whole."""
    return int(_number(FULL_TABLE_MAX_ROWS_ENV, DEFAULT_FULL_TABLE_MAX_ROWS, 0))
