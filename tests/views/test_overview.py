"""The Overview page: the view comes from the URL, and its figures are the summary's."""

from __future__ import annotations

import json
from datetime import date, datetime

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from analytics.cases.interchange import import_cases_file
from analytics.cases.register import record_case
from analytics.cases.rules import Case
from analytics.figures.scope import Scope
from analytics.terms import Period, TermCalendar
from tests.analytics.figures.test_disclosure import term_of_27_with_one_open
from tests.conftest import PINNED_NOW, SAMPLE_CSV, summary_of_scope
from tests.views.conftest import app_as, app_store, seeded

PAGE = "views/overview.py"
HEADLINE = ("Incidents", "Settled at discussion", "Escalated", "Open")


def overview(db_path, **query_params) -> AppTest:
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = app_as(db_path)
    for name, value in query_params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def headline(app: AppTest) -> list[int]:
    shown = metrics(app)
    return [int(shown[label]) for label in HEADLINE]


def test_a_term_from_the_url_shows_its_figures_and_their_change(db_path):
    app = overview(db_path, period="term", term="Autumn 2025")
    assert headline(app) == [3, 1, 2, 0]
    # Summer 2025 had no cases, so each change equals the figure.
    assert [m.delta for m in app.metric if m.label in HEADLINE] == ["3", "1", "2", "0"]
    assert "Autumn 2025 (1 Sep 2025 to 31 Dec 2025), compared with Summer 2025" in (
        app.caption[0].value
    )


def test_an_academic_year_with_filters_from_the_url(db_path):
    app = overview(
        db_path, period="year", year="2025/26", category=["racist", "complaints"],
        platform="facebook",
    )  # fmt: skip
    # 2025-001 (complaints, settled in 4 days); 2026-002 (racist, police: escalated; 7 days).
    assert headline(app) == [2, 1, 1, 0]
    assert metrics(app)["Median days to close"] == "5.5"


def test_a_date_range_from_the_url_includes_both_ends(db_path):
    app = overview(db_path, period="range", **{"from": "2025-10-02", "to": "2026-01-12"})
    assert headline(app)[0] == 3
    assert metrics(app)["Repeat cases"] == "1"


@pytest.mark.parametrize(
    ("query", "scope"),
    [
        ({"period": "term", "term": "Autumn 2025"},
         Scope(Period(date(2025, 9, 1), date(2025, 12, 31), ""))),
        ({"period": "term", "term": "Spring 2026", "platform": "tiktok"},
         Scope(Period(date(2026, 1, 1), date(2026, 3, 31), ""), platforms=("tiktok",))),
    ],
)  # fmt: skip
def test_the_page_and_the_summary_agree(db_path, query, scope):
    app = overview(db_path, **query)
    summary = summary_of_scope(app_store(), scope)
    shown = metrics(app)
    assert headline(app) == [
        summary[k] for k in ("incidents", "settled_at_discussion", "escalated", "open")
    ]
    assert int(shown["Repeat cases"]) == summary["repeat_cases"]
    assert int(shown["Content removed"]) == summary["content_removed"]
    median = summary["median_days_to_removal"]
    assert shown["Median days to removal"] == ("–" if median is None else f"{median:g}")


def test_an_empty_period_shows_zeros_and_a_plain_sentence(db_path):
    app = overview(db_path, period="term", term="Autumn 2024")
    assert headline(app) == [0, 0, 0, 0]
    assert metrics(app)["Median days to close"] == "–"
    assert any("No incidents were reported in Autumn 2024" in info.value for info in app.info)


def test_the_overdue_policy_is_named_at_the_top(db_path):
    app = overview(db_path)
    assert app.error[0].value.startswith(
        "**Policy on parental use of social networking and internet sites** "
        "is overdue since 31 Dec 2024"
    )


def test_without_a_period_the_page_shows_the_current_term_and_puts_it_in_the_url(db_path):
    app = overview(db_path)
    current = TermCalendar().term_of(PINNED_NOW.date()).label
    assert (app.query_params["period"], app.query_params["term"]) == ("term", current)


def test_an_unreadable_url_falls_back_to_the_current_term(db_path):
    app = overview(db_path, period="week", term="Winter 2025", category="nonsense")
    current = TermCalendar().term_of(PINNED_NOW.date()).label
    assert app.selectbox(key="overview.term").value == current
    assert app.multiselect(key="overview.category").value == []


def test_changing_the_view_changes_the_url(db_path):
    app = overview(db_path, period="term", term="Autumn 2025")
    app.radio(key="overview.period").set_value("year").run()
    app.selectbox(key="overview.year").set_value("2025/26").run()
    app.multiselect(key="overview.category").set_value(["racist"]).run()
    assert (app.query_params["period"], app.query_params["year"]) == ("year", "2025/26")
    assert app.query_params["category"] == "racist"
    assert "term" not in app.query_params
    assert headline(app)[0] == 1
    # The shared URL reopens the same view in a new session.
    again = overview_again(db_path, app)
    assert headline(again) == headline(app)


def overview_again(db_path, app: AppTest) -> AppTest:
    fresh = app_as(db_path)
    for name, values in app.query_params.items():
        fresh.query_params[name] = values
    return fresh.run()


def test_every_chart_is_drawn_and_the_trend_covers_the_last_six_terms(db_path):
    app = overview(db_path, period="term", term="Spring 2026")
    charts = app.get("vega_lite_chart")
    assert len(charts) == 5
    trend = charts[0].proto
    assert json.loads(trend.spec)["title"]["text"] == "Settled and escalated, term by term"
    trend_data = pa.ipc.open_stream(trend.datasets[0].data.data).read_all().to_pylist()
    assert [row["period"] for row in trend_data][::3] == [
        "Summer 2024", "Autumn 2024", "Spring 2025", "Summer 2025", "Autumn 2025", "Spring 2026",
    ]  # fmt: skip


def test_a_new_case_shows_at_once_although_figures_are_cached(db_path):
    app = overview(db_path, period="term", term="Autumn 2025")
    assert headline(app)[0] == 3
    app.run()  # the same view again: served from the cache
    assert headline(app)[0] == 3
    record_case(
        app_store(), Case("NEW-1", date(2025, 10, 6), ("racist",)), actor="test",
        now=datetime(2026, 3, 1, 10),
    )  # fmt: skip
    app.run()
    assert headline(app) == [4, 1, 2, 1]


def governor_overview(db_path, seed=None, **query_params) -> AppTest:
    seeded(
        db_path,
        seed or (lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)),
    )
    app = app_as(db_path, "governor")
    for name, value in query_params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def drawn_counts(app: AppTest) -> list[int]:
    """Every number a chart on the page would draw (each chart's data, as sent)."""
    numbers = []
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            if "cases" in table:
                numbers += [int(n) for n in table["cases"].dropna()]
    return numbers


@pytest.mark.parametrize(
    "query",
    [
        # One day with exactly one case (2025-003, the forum post, police and blocking).
        {"period": "range", "from": "2025-11-20", "to": "2025-11-20"},
        {"period": "term", "term": "Autumn 2025"},
        {"period": "term", "term": "Autumn 2025", "category": "threats_of_violence"},
        {"period": "year", "year": "2025/26", "platform": "school_website_or_forum"},
    ],
)
def test_a_governor_sees_no_figure_under_the_threshold_however_narrow_the_view(db_path, query):
    app = governor_overview(db_path, **query)
    for label, value in metrics(app).items():
        assert value not in ("1", "2", "3", "4"), (label, value)
    assert not [n for n in drawn_counts(app) if 1 <= n < 5]
    # A median over fewer than five cases is not shown.
    assert metrics(app)["Median days to close"] == "–"
    assert metrics(app)["Median days to removal"] == "–"


def test_a_governor_is_told_once_why_figures_are_hidden(db_path):
    app = governor_overview(db_path, period="term", term="Autumn 2025")
    captions = [caption.value for caption in app.caption]
    assert sum("fewer than 5" in caption for caption in captions) == 1
    assert metrics(app)["Escalated"] == "Fewer than 5"


def test_the_headteacher_sees_the_same_view_exactly(db_path):
    """The check above reads what charts draw: for the headteacher it finds the small counts."""
    app = overview(db_path, period="range", **{"from": "2025-11-20", "to": "2025-11-20"})
    assert metrics(app)["Incidents"] == "1"
    assert 1 in drawn_counts(app)


def test_a_governor_gets_a_sentence_in_place_of_a_chart_with_no_bar(db_path):
    """One day with one case: every count of every chart is 0 or hidden."""
    app = governor_overview(db_path, period="range", **{"from": "2025-11-20", "to": "2025-11-20"})
    said = [caption.value for caption in app.caption if "so it is not drawn" in caption.value]
    assert said and all(sentence.startswith("Every count in this chart is ") for sentence in said)
    titles = {markdown.value for markdown in app.markdown}
    assert {"**Settled and escalated, term by term**", "**Cases by category**"} <= titles
    # What is still drawn has a bar in it.
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            if "cases" in table:
                assert table["cases"].fillna(0).gt(0).any()


def test_a_governor_is_told_the_terms_total_when_one_case_is_open(db_path):
    """13 settled, 13 escalated and 1 open in Summer 2025: the open count is protected by
    hiding one beside it, never the term's 27 incidents."""
    app = governor_overview(db_path, term_of_27_with_one_open, period="term", term="Summer 2025")
    shown = metrics(app)
    assert shown["Incidents"] == "27"
    assert shown["Open"] == "Fewer than 5"
    # With both 13s shown, 27 - 13 - 13 would give the open case away.
    assert (shown["Settled at discussion"], shown["Escalated"]) != ("13", "13")
