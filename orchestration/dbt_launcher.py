"""``dbt`` with one addition: Python models on Spark's ``session`` method.

dbt-spark submits Python models to Databricks only (``all_purpose_cluster`` / ``job_cluster``).
With the ``session`` method the SparkSession already lives in the dbt process, so the compiled
model (the model file plus dbt-spark's materialization code, which reads ``spark``) can simply
run there. This launcher registers that as submission method ``session`` and otherwise is the
plain dbt CLI (``python -m orchestration.dbt_launcher build --target spark``); on DuckDB and on
a Databricks cluster it changes nothing.
"""

from __future__ import annotations

import sys
from typing import Any


class SessionPythonJobHelper:
    """Runs a compiled Python model in the SparkSession of this process."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.parsed_model = parsed_model
        self.credentials = credentials

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
        if spark is None:  # dbt-spark opens its session lazily, with the profile's settings
            builder = SparkSession.builder.enableHiveSupport()
            for key, value in self.credentials.server_side_parameters.items():
                builder = builder.config(key, value)
            spark = builder.getOrCreate()
        name = self.parsed_model.get("original_file_path", "python model")
        exec(compile(compiled_code, name, "exec"), {"spark": spark, "__name__": "__dbt_model__"})


def register_session_submission() -> None:
    """Add submission method ``session`` to dbt-spark (when it is installed)."""
    try:
        from dbt.adapters.spark.impl import SparkAdapter
    except ImportError:
        return
    if getattr(SparkAdapter, "_leadledger_session_helper", False):
        return
    original = SparkAdapter.python_submission_helpers.fget

    def python_submission_helpers(self: SparkAdapter) -> dict[str, type]:
        return {**original(self), "session": SessionPythonJobHelper}

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter._leadledger_session_helper = True


def main() -> None:
    register_session_submission()
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    sys.exit(main())
