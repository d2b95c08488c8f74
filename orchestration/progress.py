"""A compact, human progress log for terminal runs (`leadledger run` / `demo`).

Dagster's default console logger prints every event of every step; on a terminal users want
one line per step and per asset, the messages our assets log, and every warning and failure.
"""

import logging
import sys

import dagster as dg
from rich.console import Console

_console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)

_NOISE = ("Logging an `AssetObservation` instead of an `AssetCheckResult`",)


def root_cause(error: object) -> str:
    """The innermost error message: what the user needs, not Dagster's wrapper around it."""
    message = ""
    while error is not None:
        message = getattr(error, "message", "") or message
        error = getattr(error, "cause", None)
    return message.strip()


class _ProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        if event is None:
            if record.levelno < logging.INFO or any(n in message for n in _NOISE):
                return
            if record.levelno >= logging.WARNING:
                if "Dependencies for step" in message:
                    message = "not run: an upstream step failed"
                _console.print(f"  [yellow]! {step}: {message}[/]")
            elif step and not message.startswith(
                ("Copying", "A dbt subsetted", "Running dbt command", "Finished dbt")
            ):
                _console.print(f"  [dim]{step}: {message}[/]")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            _console.print(f"[bold]> {step}[/]")
        elif kind == "STEP_SUCCESS":
            _console.print(
                f"[green]  done {step}[/] ({event.event_specific_data.duration_ms / 1000:.1f}s)"
            )
        elif kind == "STEP_FAILURE":
            _console.print(
                f"[red]  FAILED {step}: {root_cause(event.event_specific_data.error)}[/]"
            )
        elif kind == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            md = mat.metadata
            detail = ""
            if "rows_read" in md:
                detail = (
                    f" read {md['rows_read'].value:,}, loaded {md['rows_loaded'].value:,}, "
                    f"quarantined {md['rows_quarantined'].value:,} ({md['files_new'].value} new files)"
                )
            _console.print(
                f"    built {mat.asset_key.to_user_string()}{detail}",
                style="dim" if not detail else None,
            )
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                _console.print(
                    f"    [red]check failed: {evaluation.asset_key.to_user_string()} {evaluation.check_name}[/]"
                )


@dg.logger(description="One line per step and asset, warnings and failures; for terminals.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("leadledger.progress")
    logger.setLevel(logging.DEBUG)  # asset events are logged at DEBUG
    logger.propagate = False
    if not any(isinstance(h, _ProgressHandler) for h in logger.handlers):
        logger.addHandler(_ProgressHandler())
    return logger
