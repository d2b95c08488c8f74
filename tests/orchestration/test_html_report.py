"""The HTML report without a pipeline: hand-made marts in, sections (or why not) out. The
browser test on a real build is tests/e2e/test_html_report.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from orchestration.reports.html_report import render_report, report_path, write_report

ROI_COLUMNS = """
    campaign_model_id varchar, campaign_id varchar, campaign_name varchar, channel varchar,
    attribution_model varchar, is_pseudo_campaign boolean, reporting_currency varchar,
    planned_budget decimal(18,2), expected_revenue decimal(18,2), actual_cost decimal(18,2),
    attributed_won_revenue decimal(18,2), roi double
"""


def _warehouse(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for statement in statements:
            con.execute(statement)
    return path


def _cells(page: str, row_label: str) -> list[str]:
    """The cells of the table row whose first cell is ``row_label``."""
    match = re.search(rf"<tr><td[^>]*>{re.escape(row_label)}</td>(.*?)</tr>", page)
    assert match, f"no table row {row_label!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))


def test_every_section_says_why_it_is_missing(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "published.duckdb")
    report = write_report(warehouse, tmp_path / "out" / "report.html")

    assert report.drawn == []
    assert set(report.not_available) == {"campaign_roi", "funnel", "pipeline", "cost_to_serve"}
    page = report.path.read_text(encoding="utf-8")
    assert "Not available: marts.rpt_campaign_roi is not in the published warehouse" in page
    assert "Not available: marts.rpt_cost_to_serve_by_segment is not in" in page
    assert "data-chart=" not in page


def test_campaign_roi_estimate_vs_actual_under_each_model(tmp_path: Path) -> None:
    rows = [
        # campaign, model, budget, expected, cost, won
        ("C1", "Spring webinar", "w_shaped", 100, 300, 50, 200),
        ("C1", "Spring webinar", "linear", 100, 300, 50, 75),
        ("C2", "Trade fair", "w_shaped", 1000, 2000, 800, 100),
        ("C2", "Trade fair", "linear", 1000, 2000, 800, 225),
    ]
    values = ", ".join(
        f"('{c}|{m}', '{c}', '{n}', 'webinar', '{m}', false, 'EUR', {b}, {e}, {cost}, {w}, "
        f"{(w - cost) / cost})"
        for c, n, m, b, e, cost, w in rows
    )
    warehouse = _warehouse(
        tmp_path / "published.duckdb",
        f"create table marts.rpt_campaign_roi ({ROI_COLUMNS})",
        f"insert into marts.rpt_campaign_roi values {values}",
        # no cost booked yet: the mart's ROI is null, and so is the report's (not 0 %)
        "insert into marts.rpt_campaign_roi values ('C3|w_shaped', 'C3', 'Newsletter', 'email', "
        "'w_shaped', false, 'EUR', 10, 40, 0, 40, null), ('C3|linear', 'C3', 'Newsletter', "
        "'email', 'linear', false, 'EUR', 10, 40, 0, 30, null)",
        # pseudo campaigns keep totals whole in the mart but are no campaign to show
        "insert into marts.rpt_campaign_roi values ('(unattributed)|w_shaped', '(unattributed)', "
        "'(unattributed)', null, 'w_shaped', true, 'EUR', null, null, 0, 999, null)",
    )
    out = render_report(warehouse, tmp_path / "report.html")

    page = out.read_text(encoding="utf-8")
    # Spring webinar: plan ROI (300 - 100) / 100; won 200 (W-shaped), 75..200 over the models
    assert _cells(page, "Spring webinar") == [
        "webinar", "100", "50", "300", "200", "75", "200", "-100",
        "+200%", "+300%", "+50%", "+300%",
    ]  # fmt: skip
    assert _cells(page, "Trade fair")[4:9] == ["100", "100", "225", "-1,900", "+100%"]
    assert _cells(page, "Newsletter")[8:] == ["+300%", "\u2013", "\u2013", "\u2013"]
    assert "<td>(unattributed)</td>" not in page
    assert page.count('data-chart="campaign_roi-') == 2  # bars and heatmap
    assert "Not available: marts.rpt_funnel_conversion is not in" in page
    # the headline tiles read the same mart: won 200 + 100 + 40 + 999 unattributed, cost 850
    assert "1,339 EUR" in page and "850 EUR" in page


def test_a_mart_without_the_columns_the_report_needs_is_not_available(tmp_path: Path) -> None:
    warehouse = _warehouse(
        tmp_path / "published.duckdb",
        "create table marts.rpt_funnel_conversion (cohort_month date)",
        "insert into marts.rpt_funnel_conversion values ('2025-01-01')",
    )
    report = write_report(warehouse, tmp_path / "report.html")
    assert report.not_available["funnel"].startswith("the published marts do not fit this report")
    assert "not found" in report.not_available["funnel"]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[tuple[str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        for name, value in attrs:
            if name in {"src", "href"} and value and not value.startswith("#"):
                self.external.append((tag, value))


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "published.duckdb")
    page = render_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(page)
    assert tags.external == []  # no script, style sheet or image from elsewhere
    assert tags.scripts >= 1 and "plotly.js" in page  # the library itself, inline
    assert len(page) > 1_000_000


def test_the_report_sits_next_to_the_warehouse(tmp_path: Path) -> None:
    assert report_path(tmp_path / "wh" / "leadledger.duckdb") == (
        tmp_path / "wh" / "report" / "leadledger_report.html"
    )
