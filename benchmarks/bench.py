"""`make bench`: the whole pipeline at several scales, measured stage by stage.

Every stage runs as its own process (the same commands a user runs), watched by a sampler
that adds up the resident memory of the process and all its children, so peak memory is the
whole process tree's. Per scale: rows per extract, generation, ingestion, dbt build (total and
the ten slowest models), checks, publish, Dagster's own per-run overhead, total wall time,
peak memory, warehouse size, pipeline-history rows; then runs after one more day of extracts
(incremental: a day within a month, then the first day of a month) and what of them no
smaller build shortens, dbt's parse overhead, the attribution floor (one DuckDB statement
writing every touch with its opportunity's amount) against the attribution models, the
data-driven models' least work (one statement putting the touches they learn from in time
order), and a vectorised pandas implementation of linear, U- and W-shaped attribution as a
notebook would write it. Results go to benchmarks/RESULTS.md (and RESULTS.json); nothing is
asserted.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import psutil
import typer

from ingestion.sample.drops import deliver_held_back, hold_back_last_drop

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
TARGETS = {
    "full_run_seconds": 600,  # scale 100: ingest, build, checks, publish
    "peak_memory_gib": 8,
    "incremental_share": 0.1,
    "attribution_floor_ratio": 5,
    "pandas_speedup": 5,
}
STAGES = ("ingestion", "dbt build", "checks", "publish", "report")  # a run's steps, grouped
# The runs after one more day of extracts, in the order they run: the sample's last two days
# are drops of their own (2025-12-31 and 2026-01-01), held back for the full run.
INCREMENTAL_DAYS = ("a day within a month", "the first day of a month")
POSITION_FAMILY = "position models and time decay (SQL)"
ATTRIBUTION_FAMILIES = {  # built with dbt run; their times (summed) from run_results.json
    POSITION_FAMILY: ("int_attribution_position_shares",),
    "data-driven: Markov, Shapley (SQL aggregates, Python weights, SQL shares)": (
        "int_attribution_journey_touches",
        "int_attribution_journeys",
        "int_attribution_transitions",
        "int_attribution_player_sets",
        "int_attribution_data_driven_weights",
        "int_attribution_data_driven",
    ),
    "all ten models allocated to the cent (fct_attribution)": ("fct_attribution",),
}

app = typer.Typer(help=__doc__.split("\n\n")[0], add_completion=False)


@dataclass
class Measured:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    output_tail: str = ""


class TreeMemory:
    """Peak of the summed RSS of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(0.2)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(
    cmd: list[str], env: dict[str, str], cwd: Path = ROOT, log: Path | None = None
) -> Measured:
    started = time.monotonic()
    out = open(log, "a") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    try:
        process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        with TreeMemory(process.pid) as memory:
            returncode = process.wait()
    finally:
        if log:
            out.close()
    tail = log.read_text()[-3000:] if log and returncode else ""
    return Measured(time.monotonic() - started, memory.peak, returncode, tail)


@dataclass
class ScaleResult:
    scale: float
    rows_per_extract: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    peak_rss_bytes: dict[str, int] = field(default_factory=dict)
    slowest_models: list[tuple[str, float]] = field(default_factory=list)
    dbt_nodes: int = 0
    warehouse_bytes: int = 0
    published_bytes: int = 0
    pipeline_history_rows: int = 0
    opportunities: int = 0
    journey_touches: int = 0
    known_journey_touches: int = 0  # the data-driven models learn from these, in time order
    # The runs after one more day (INCREMENTAL_DAYS): wall, share of the full run, steps.
    incremental: dict[str, dict[str, float]] = field(default_factory=dict)
    incremental_slowest_models: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    dbt_parse: dict[str, float] = field(default_factory=dict)
    attribution: dict[str, float] = field(default_factory=dict)
    pandas: dict[str, float | str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADLEDGER_", "DAGSTER_"))}
    env.update(
        LEADLEDGER_LANDING=str(work / "landing"),
        LEADLEDGER_WAREHOUSE=str(work / "warehouse" / "leadledger.duckdb"),
        LEADLEDGER_PUBLISHED=str(work / "warehouse" / "published" / "leadledger.duckdb"),
        DAGSTER_HOME=str(work / "dagster_home"),
        COLUMNS="160",
    )
    return env


def _step_times(dagster_home: Path) -> dict[str, float]:
    """Seconds per pipeline stage of the latest run, from the Dagster instance's step stats."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    stages = dict.fromkeys(STAGES, 0.0)
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        for stat in instance.get_run_step_stats(run.run_id):
            seconds = (stat.end_time or 0) - (stat.start_time or 0)
            key = stat.step_key
            if key.startswith("ingest_"):
                stages["ingestion"] += seconds
            elif key == "dbt_models":
                stages["dbt build"] += seconds
            elif key.startswith("published"):
                stages["publish"] += seconds
            elif key.startswith("report"):
                stages["report"] += seconds
            else:  # freshness, Great Expectations suites, reconciliations, drift
                stages["checks"] += seconds
    return stages


def _run_results() -> tuple[list[tuple[str, float]], int, dict[str, float]]:
    """The latest dbt run's results (Dagster runs dbt with a target path of its own)."""
    latest = max((DBT_DIR / "target").rglob("run_results.json"), key=lambda p: p.stat().st_mtime)
    results = json.loads(latest.read_text())["results"]
    models = [
        (r["unique_id"].split(".")[-1], r["execution_time"])
        for r in results
        if r["unique_id"].startswith("model.")
    ]
    models.sort(key=lambda item: -item[1])
    return models[:10], len(results), dict(models)


def _attribution_floor(warehouse: Path) -> tuple[float, int]:
    """The engine's floor: seconds of one statement writing every journey touch
    (int_opportunity_journeys, a table) with its opportunity's amount, and its rows."""
    query = """
        select journeys.opportunity_id, journeys.touchpoint_id, journeys.campaign_id,
               opportunities.amount_reporting
        from intermediate.int_opportunity_journeys as journeys
        inner join marts.fct_opportunities as opportunities
            on journeys.opportunity_id = opportunities.opportunity_id
    """
    return _timed_table(warehouse, query)


def _timed_table(warehouse: Path, query: str) -> tuple[float, int]:
    """Seconds of one `create table as` ``query`` in ``warehouse`` and the rows it wrote (the
    table is dropped again)."""
    with duckdb.connect(str(warehouse)) as con:
        started = time.monotonic()
        con.execute(f"create or replace table main.bench_timed as {query}")
        seconds = time.monotonic() - started
        rows = con.execute("select count(*) from main.bench_timed").fetchall()[0][0]
        con.execute("drop table main.bench_timed")
    return seconds, rows


def _ordering_floor(warehouse: Path) -> tuple[float, int]:
    """The least the Markov model's input costs: seconds of one statement writing every
    journey touch with a known outcome (int_attribution_journey_touches: won and lost
    opportunities' journeys and those of leads never converted) with the player of the touch
    before it in its journey (one window in time order), and its rows."""
    query = """
        select journey_kind, journey_id, touchpoint_id,
               lag(player) over (
                   partition by journey_kind, journey_id order by occurred_at, touchpoint_id
               ) as previous_player
        from intermediate.int_attribution_journey_touches
        where is_known
    """
    return _timed_table(warehouse, query)


def _has_steps(incremental: dict[str, float]) -> bool:
    """Whether an incremental run's entry (ScaleResult.incremental) holds every step's time."""
    return all(f"{stage} (step)" in incremental for stage in STAGES)


def _overhead(incremental: dict[str, float]) -> float:
    """Dagster's and the CLI's own time in an incremental run: its wall time minus its steps."""
    return incremental["wall"] - sum(incremental[f"{stage} (step)"] for stage in STAGES)


def _fixed_costs(incremental: dict[str, float]) -> float:
    """Seconds of a run's steps that do not shrink with what dbt builds: the checks (every
    mart validated again), the publish (every mart copied into a new file), the report and
    Dagster's and the CLI's own time."""
    kept = [incremental[f"{stage} (step)"] for stage in ("checks", "publish", "report")]
    return sum(kept) + _overhead(incremental)


def run_scale(scale: float, work: Path, seed: int, log: Path) -> ScaleResult:
    result = ScaleResult(scale=scale)
    env = _env(work)
    python = sys.executable
    cli = [python, "-m", "orchestration.cli"]
    say = typer.echo

    say(f"scale {scale}: generating")
    gen = measure(
        [
            *cli,
            "generate",
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--out",
            str(work / "landing"),
            "--daily-tail-days",
            str(len(INCREMENTAL_DAYS)),
        ],
        env,
        log=log,
    )
    result.stages["generation"] = gen.seconds
    result.peak_rss_bytes["generation"] = gen.peak_rss_bytes
    if gen.returncode:
        result.failures.append(f"generation failed:\n{gen.output_tail}")
        return result

    held = {day: work / f"held_back_{n}" for n, day in enumerate(INCREMENTAL_DAYS)}
    drops = {day: hold_back_last_drop(work / "landing", held[day]) for day in reversed(held)}

    say(f"scale {scale}: full pipeline run (drops up to the one before {min(drops.values())})")
    full = measure([*cli, "run"], env, log=log)
    result.stages["pipeline run (wall)"] = full.seconds
    result.peak_rss_bytes["pipeline run"] = full.peak_rss_bytes
    if full.returncode:
        result.failures.append(f"pipeline run failed:\n{full.output_tail}")
        return result
    steps = _step_times(work / "dagster_home")
    result.stages.update(steps)
    result.stages["Dagster and CLI overhead"] = full.seconds - sum(steps.values())
    result.slowest_models, result.dbt_nodes, _ = _run_results()

    warehouse = Path(env["LEADLEDGER_WAREHOUSE"])

    for day in INCREMENTAL_DAYS:
        say(f"scale {scale}: incremental run after one more day of extracts ({drops[day]}, {day})")
        deliver_held_back(work / "landing", held[day])
        incremental = measure([*cli, "run"], env, log=log)
        result.incremental[day] = {
            "wall": incremental.seconds,
            "share_of_full": incremental.seconds / full.seconds,
            "peak_rss_bytes": incremental.peak_rss_bytes,
        }
        if incremental.returncode:
            result.failures.append(f"incremental run ({day}) failed:\n{incremental.output_tail}")
            return result
        result.incremental[day].update(
            {f"{k} (step)": v for k, v in _step_times(work / "dagster_home").items()}
        )
        result.incremental_slowest_models[day], _, _ = _run_results()
    result.warehouse_bytes = warehouse.stat().st_size
    published = Path(env["LEADLEDGER_PUBLISHED"])
    result.published_bytes = published.stat().st_size if published.exists() else 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        result.rows_per_extract = dict(
            con.execute(
                "select raw_table, sum(rows_read)::bigint from raw._load_manifest group by 1 order by 1"
            ).fetchall()
        )
        result.pipeline_history_rows = con.execute(
            "select count(*) from marts.fct_pipeline_daily"
        ).fetchall()[0][0]
        result.opportunities = con.execute(
            "select count(*) from marts.fct_opportunities"
        ).fetchall()[0][0]

    say(f"scale {scale}: dbt parse overhead")
    dbt = str(Path(python).parent / "dbt")
    warm = measure([dbt, "parse", "--quiet"], env, cwd=DBT_DIR, log=log)
    cold = measure([dbt, "parse", "--quiet", "--no-partial-parse"], env, cwd=DBT_DIR, log=log)
    result.dbt_parse = {"partial parse": warm.seconds, "full parse": cold.seconds}

    say(f"scale {scale}: attribution against the engine's floor")
    floor, result.journey_touches = _attribution_floor(warehouse)
    ordering, result.known_journey_touches = _ordering_floor(warehouse)
    models = [model for family in ATTRIBUTION_FAMILIES.values() for model in family]
    attribution = measure(
        [dbt, "run", "--quiet", "--threads", "1", "-s", *models], env, cwd=DBT_DIR, log=log
    )
    if attribution.returncode:
        result.failures.append(f"attribution rebuild failed:\n{attribution.output_tail}")
    _, _, times = _run_results()
    result.attribution = {"floor": floor, "ordering": ordering}
    for family, family_models in ATTRIBUTION_FAMILIES.items():
        result.attribution[family] = sum(times.get(m, float("nan")) for m in family_models)

    say(f"scale {scale}: pandas linear / U / W as a notebook would do it")
    pandas_log = work / "pandas.json"
    baseline = measure(
        [python, "-m", "benchmarks.pandas_baseline", str(warehouse), str(pandas_log)], env, log=log
    )
    if baseline.returncode == 0 and pandas_log.exists():
        result.pandas = json.loads(pandas_log.read_text())
        result.pandas["peak_rss_bytes"] = baseline.peak_rss_bytes
    else:
        result.pandas = {
            "error": f"exit {baseline.returncode} (out of memory?)",
            "peak_rss_bytes": baseline.peak_rss_bytes,
        }
    return result


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s"


def _incremental_steps(incremental: dict[str, float]) -> str:
    if not _has_steps(incremental):
        return "-"
    steps = [incremental[f"{stage} (step)"] for stage in STAGES]
    return " / ".join(_s(seconds) for seconds in [*steps, _overhead(incremental)])


def _fixed_costs_cell(incremental: dict[str, float] | None, full_wall: float | None) -> str:
    """What no smaller build shortens in an incremental run, and its share of the full run."""
    if not incremental or not _has_steps(incremental) or not full_wall:
        return "-"
    fixed = _fixed_costs(incremental)
    return f"{_s(fixed)} ({fixed / full_wall:.2f})"


def _commit() -> str:
    """The checkout's commit (short), marked when files differ from it; '?' outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    return f"{head or '?'}{' (with uncommitted changes)' if dirty else ''}"


def render(results: list[ScaleResult], command: str, started: datetime, commit: str = "?") -> str:
    memory = psutil.virtual_memory().total
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC of commit {commit} with `{command}` on "
        f"{os.cpu_count()} cores, "
        f"{_gib(memory)} memory, {platform.platform()}, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}. Written by benchmarks/bench.py; numbers are one run each, "
        "measured, never asserted.",
        "",
        "## Per scale",
        "",
    ]
    header = "| | " + " | ".join(f"scale {r.scale:g}" for r in results) + " |"
    lines += [header, "|---" * (len(results) + 1) + "|"]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    extracts = sorted({k for r in results for k in r.rows_per_extract})
    for extract in extracts:
        row(f"rows: {extract}", [f"{r.rows_per_extract.get(extract, 0):,}" for r in results])
    row("opportunities (fct_opportunities)", [f"{r.opportunities:,}" for r in results])
    row("journey touches (attribution input)", [f"{r.journey_touches:,}" for r in results])
    row(
        "journey touches with a known outcome, leads never converted included (data-driven input)",
        [f"{r.known_journey_touches:,}" for r in results],
    )
    row(
        "pipeline history rows (fct_pipeline_daily)",
        [f"{r.pipeline_history_rows:,}" for r in results],
    )
    for stage in (
        "generation",
        "ingestion",
        "dbt build",
        "checks",
        "publish",
        "report",
        "Dagster and CLI overhead",
        "pipeline run (wall)",
    ):
        row(stage, [_s(r.stages[stage]) if stage in r.stages else "-" for r in results])
    row(
        "full run without generation: ingest, build, checks, publish (target <= 600 s at scale 100)",
        [
            _s(r.stages["pipeline run (wall)"]) if "pipeline run (wall)" in r.stages else "-"
            for r in results
        ],
    )
    row("peak memory, generation", [_gib(r.peak_rss_bytes.get("generation", 0)) for r in results])
    row(
        "peak memory, pipeline run (target <= 8 GiB)",
        [_gib(r.peak_rss_bytes.get("pipeline run", 0)) for r in results],
    )
    row("dbt nodes (models, tests, seeds)", [f"{r.dbt_nodes}" for r in results])
    row("warehouse size", [_gib(r.warehouse_bytes) for r in results])
    row("published warehouse size", [_gib(r.published_bytes) for r in results])
    for day in INCREMENTAL_DAYS:
        runs = [r.incremental.get(day) for r in results]
        row(
            f"incremental run after one more day of extracts, {day} (wall)",
            [_s(run["wall"]) if run else "-" for run in runs],
        )
        row(
            f"incremental / full, {day} (target <= 0.10)",
            [f"{run['share_of_full']:.2f}" if run else "-" for run in runs],
        )
        row(
            f"incremental run, {day}: ingestion / dbt build / checks / publish / report / "
            "Dagster and CLI overhead",
            [_incremental_steps(run) if run else "-" for run in runs],
        )
        row(
            f"incremental run, {day}: checks + publish + report + overhead, which no smaller "
            "build shortens (share of the full run)",
            [
                _fixed_costs_cell(run, r.stages.get("pipeline run (wall)"))
                for r, run in zip(results, runs, strict=True)
            ],
        )
    row(
        "dbt parse, partial parsing",
        [_s(r.dbt_parse["partial parse"]) if r.dbt_parse else "-" for r in results],
    )
    row(
        "dbt parse, from scratch",
        [_s(r.dbt_parse["full parse"]) if r.dbt_parse else "-" for r in results],
    )
    row(
        "attribution floor (one statement)",
        [_s(r.attribution["floor"]) if r.attribution else "-" for r in results],
    )
    for family in ATTRIBUTION_FAMILIES:
        row(
            f"{family}: time (x floor; target <= 5x)",
            [
                f"{_s(r.attribution[family])} ({r.attribution[family] / r.attribution['floor']:.1f}x)"
                if r.attribution and r.attribution.get("floor")
                else "-"
                for r in results
            ],
        )
    row(
        "data-driven: one statement giving every touch with a known outcome its predecessor "
        "in time order (the Markov input's least work): time (x floor)",
        [
            f"{_s(r.attribution['ordering'])} ({r.attribution['ordering'] / r.attribution['floor']:.1f}x)"
            if r.attribution.get("ordering") is not None and r.attribution.get("floor")
            else "-"
            for r in results
        ],
    )
    row(
        "pandas linear+U+W: load / compute / peak memory",
        [
            f"{_s(r.pandas['load_seconds'])} / {_s(r.pandas['compute_seconds'])} / {_gib(r.pandas['peak_rss_bytes'])}"
            if "compute_seconds" in r.pandas
            else str(r.pandas.get("error", "-"))
            for r in results
        ],
    )
    row(
        "pandas compute / pipeline's rule-based shares (all 7 position models + time decay; target >= 5x)",
        [
            f"{r.pandas['compute_seconds'] / r.attribution[POSITION_FAMILY]:.1f}x"
            if "compute_seconds" in r.pandas and r.attribution
            else "-"
            for r in results
        ],
    )
    row(
        "pandas compute / attribution floor (the most any build that writes its rows can reach)",
        [
            f"{r.pandas['compute_seconds'] / r.attribution['floor']:.1f}x"
            if "compute_seconds" in r.pandas and r.attribution and r.attribution.get("floor")
            else "-"
            for r in results
        ],
    )
    slowest = {"the full run": [r.slowest_models for r in results]}
    for day in INCREMENTAL_DAYS:
        slowest[f"the run after {day}"] = [
            r.incremental_slowest_models.get(day, []) for r in results
        ]
    for title, models in slowest.items():
        lines += ["", f"## Ten slowest dbt models of {title}", ""]
        for r, scale_models in zip(results, models, strict=True):
            lines.append(
                f"- scale {r.scale:g}: "
                + ", ".join(f"{name} {_s(sec)}" for name, sec in scale_models)
            )
    failures = [f"- scale {r.scale:g}: {f}" for r in results for f in r.failures]
    if failures:
        lines += ["", "## Failures", "", *failures]
    lines += [
        "",
        "## How it is measured",
        "",
        "- Each stage is its own process; peak memory is the summed RSS of the process tree, sampled every 0.2 s.",
        "- Stage times come from the Dagster run's step statistics; 'Dagster and CLI overhead' is the wall time "
        "of `leadledger run` minus its steps (process start, loading definitions, dbt manifest, summary).",
        "- The incremental runs: the sample's last two days are drops of their own (generated "
        f"with `--daily-tail-days {len(INCREMENTAL_DAYS)}`: monthly drops, then one drop a day), "
        "held back for the full run; then the first (2025-12-31, a day within a month) is "
        "delivered and `leadledger run` runs again, then the second (2026-01-01, the first day "
        "of a month: the reporting month changes) and it runs once more.",
        "- Attribution floor: one `create table as select` joining every journey touch "
        "(int_opportunity_journeys, a table) to its opportunity's amount. Each family's models "
        "(listed in benchmarks/bench.py) are rebuilt after it with `dbt run --threads 1`, their "
        "times summed from dbt's run_results.json.",
        "- The data-driven models' least work: one `create table as select` writing every journey "
        "touch with a known outcome (int_attribution_journey_touches: won and lost opportunities "
        "and leads never converted) with the player of the touch before it in its journey, a "
        "window in time order: counting the Markov chain's transitions from the journeys takes at least this.",
        "- What no smaller build shortens: the checks (every mart validated), the publish (every "
        "mart copied into a new file), the report and Dagster's and the CLI's own time, summed "
        "from the incremental run's steps.",
        "- pandas: benchmarks/pandas_baseline.py reads the same journeys and computes linear, U- and W-shaped "
        "shares and amounts with groupby/transform, no Python loops.",
    ]
    return "\n".join(lines) + "\n"


@app.command()
def main(
    scales: Annotated[list[float], typer.Argument(help="Sample scales to run, e.g. 1 10 100.")],
    work: Annotated[
        Path, typer.Option(help="Scratch folder for landing files and warehouses (emptied first).")
    ] = ROOT / "benchmarks" / "work",
    out: Annotated[Path, typer.Option(help="Markdown report to write.")] = ROOT
    / "benchmarks"
    / "RESULTS.md",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 42,
    keep: Annotated[bool, typer.Option(help="Keep the scratch folders after the run.")] = False,
) -> None:
    """Run the benchmark at each scale and write RESULTS.md and RESULTS.json."""
    started = datetime.now(UTC)
    command = "uv run python -m benchmarks.bench " + " ".join(f"{s:g}" for s in scales)
    commit = _commit()
    results = []
    for scale in scales:
        scale_work = work / f"scale_{scale:g}"
        shutil.rmtree(scale_work, ignore_errors=True)
        scale_work.mkdir(parents=True)
        log = scale_work / "bench.log"
        result = run_scale(scale, scale_work, seed, log)
        results.append(result)
        out.write_text(render(results, command, started, commit))
        out.with_suffix(".json").write_text(json.dumps([asdict(r) for r in results], indent=2))
        typer.echo(f"scale {scale:g} done; log {log}; results so far in {out}")
        if not keep and not result.failures:
            shutil.rmtree(scale_work / "landing", ignore_errors=True)
            shutil.rmtree(scale_work / "warehouse", ignore_errors=True)
    typer.echo(out.read_text())


if __name__ == "__main__":
    app()
