"""The HTML report as people see it: rendered by `leadledger run`, opened from disk in headless
Chromium (Debian's package, `scripts/ensure_debian_package.sh chromium chromium`), every chart
drawn, nothing fetched from the network, no console errors. The screenshot is kept in test-artifacts/report.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.instance.ref import InstanceRef

from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "report.png"
EXPECTED_CHARTS = {
    "campaign_roi-1",  # estimate vs actual per campaign
    "campaign_roi-2",  # ROI heatmap, plan next to every model
    "funnel-1",
    "pipeline-1",
    "cost_to_serve-1",
}

# Per chart: its traces with data, and the marks plotly drew for them in the SVG (bars and
# points, line paths, heatmap image, funnel bars) with their on-screen size.
CHART_STATE_JS = """
() => Array.from(document.querySelectorAll('div.chart')).map(wrapper => {
    const plot = wrapper.querySelector('.js-plotly-plot');
    const marks = plot ? Array.from(plot.querySelectorAll(
        '.cartesianlayer .trace .point path, .cartesianlayer .trace path.js-line, '
        + '.funnellayer .point path, .hm image'
    )) : [];
    const drawn = marks.filter(m => {
        const box = m.getBoundingClientRect();
        return box.width > 0 || box.height > 0;
    });
    const svg = plot ? plot.querySelector('svg.main-svg') : null;
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {
        chart: wrapper.dataset.chart,
        traces: plot && plot.data ? plot.data.length : 0,
        emptyTraces: plot && plot.data ? plot.data.filter(
            t => !((t.x && t.x.length) || (t.y && t.y.length) || (t.z && t.z.length))
        ).length : -1,
        marks: drawn.length,
        width: box.width,
        height: box.height,
    };
})
"""


@pytest.fixture(scope="module")
def browser_view(user_build: dict) -> dict:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run scripts/ensure_debian_package.sh chromium chromium"
        )
    report: Path = user_build["report"]
    assert report.exists(), user_build["stdout"][-3000:]
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on(
                "console",
                lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))

            def only_the_file(route) -> None:  # the report must need nothing from elsewhere
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    requests.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_file)
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= "
                f"{len(EXPECTED_CHARTS)}",
                timeout=30_000,
            )
            charts = page.evaluate(CHART_STATE_JS)
            tiles = page.eval_on_selector_all(
                ".tile",
                "els => els.map(e => [e.querySelector('.label').textContent, "
                "e.querySelector('.value').textContent])",
            )
            unavailable = page.eval_on_selector_all(
                ".unavailable", "els => els.map(e => e.textContent)"
            )
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    return {
        "charts": charts,
        "console": console,
        "requests": requests,
        "tiles": dict(tiles),
        "unavailable": unavailable,
    }


def test_run_prints_where_the_report_is(user_build: dict) -> None:
    assert str(user_build["report"]) in " ".join(user_build["stdout"].split())


def test_every_section_is_drawn(browser_view: dict) -> None:
    assert browser_view["unavailable"] == []
    assert {c["chart"] for c in browser_view["charts"]} == EXPECTED_CHARTS


@pytest.mark.parametrize("chart", sorted(EXPECTED_CHARTS))
def test_chart_drew_its_data(browser_view: dict, chart: str) -> None:
    [state] = [c for c in browser_view["charts"] if c["chart"] == chart]
    assert state["traces"] > 0 and state["emptyTraces"] == 0, state
    assert state["width"] > 300 and state["height"] > 200, state
    assert state["marks"] > 0, state


def test_no_console_errors_and_no_network(browser_view: dict) -> None:
    assert browser_view["console"] == []
    assert browser_view["requests"] == []
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 50_000


def test_headline_matches_the_published_deals(user_build: dict, browser_view: dict) -> None:
    # Recomputed from fct_opportunities; the report reads rpt_campaign_roi (attribution).
    with duckdb.connect(str(user_build["published"]), read_only=True) as con:
        won, currency = con.execute(
            "select sum(amount_reporting), max(reporting_currency) from marts.fct_opportunities "
            "where outcome = 'won'"
        ).fetchall()[0]
    assert browser_view["tiles"]["Won revenue"] == f"{float(won):,.0f} {currency}"


def test_report_asset_records_path_and_sections(user_build: dict) -> None:
    home = Path(user_build["env"]["DAGSTER_HOME"])
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["report", "html"]))
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert Path(metadata["path"].value) == user_build["report"]
    # every section with an expected chart was drawn (a chart id is '<section>-<n>')
    assert metadata["sections_drawn"].value == len({c.rsplit("-", 1)[0] for c in EXPECTED_CHARTS})
    assert "not available" not in metadata["sections"].value
