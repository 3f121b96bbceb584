"""The "Termly report" page: preview, modes from the URL, freezing, snapshots and settings."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

import analytics.records.settings
from analytics.records.audit import record_audit
from analytics.records.settings import SCHOOL_NAME, load_setting, load_threshold
from analytics.reporting.report import build_report, gather_report_figures, last_complete_term
from analytics.reporting.snapshots import load_snapshots
from analytics.terms import TermCalendar, parse_term
from tests.analytics.reporting.report_store import fill_report_store
from tests.conftest import PINNED_NOW
from tests.views.conftest import app_as, app_store, download_links, open_page, plain, seeded

PAGE = "views/termly_report.py"


def report_page(db_path, **query_params) -> AppTest:
    seeded(db_path, fill_report_store)
    app = app_as(db_path).run()
    # Start from this page's own URL, not the one the default page (Overview) wrote.
    for name in list(app.query_params):
        del app.query_params[name]
    return open_page(app, PAGE, **query_params)


def press(app: AppTest, starts_with: str) -> AppTest:
    next(b for b in app.button if b.label.startswith(starts_with)).click().run()
    assert not app.exception, app.exception
    return app


def test_the_default_is_the_last_complete_term_for_circulation(db_path):
    app = report_page(db_path)
    assert (
        app.selectbox(key="report.term").value
        == last_complete_term(TermCalendar(), PINNED_NOW.date()).label
    )
    assert app.radio(key="report.mode").value == "circulation"
    assert app.caption[0].value.startswith("FOR CIRCULATION · FOR INFORMATION")


def test_the_preview_shows_the_reports_tables_and_narrative(db_path):
    app = report_page(db_path, term="Autumn 2025", mode="circulation")
    figures = gather_report_figures(
        app_store(), TermCalendar(), parse_term("Autumn 2025"),
        school="All Saints' CE Primary School", today=PINNED_NOW.date(),
    )  # fmt: skip
    report = build_report(figures, "circulation", 5)
    shown = [frame.value.values.tolist() for frame in app.dataframe[: len(report.tables)]]
    assert shown == [[list(row) for row in table.rows] for table in report.tables]
    texts = [text.value for text in app.text]
    assert all(sentence in texts for sentence in report.narrative)
    headline = app.dataframe[0].value.set_index("")
    assert headline.loc["Escalated", "Autumn 2025"] == "<5"


def test_confidential_mode_from_the_url_shows_exact_figures(db_path):
    app = report_page(db_path, term="Autumn 2025", mode="confidential")
    headline = app.dataframe[0].value.set_index("")
    assert headline.loc["Escalated", "Autumn 2025"] == "3"
    assert app.caption[0].value.startswith("CONFIDENTIAL (CLOSED ITEM)")


def test_freezing_stores_a_snapshot_for_the_meeting(db_path):
    app = report_page(db_path, term="Autumn 2025")
    app.date_input(key="freeze_meeting_on").set_value(date(2026, 1, 20)).run()
    press(app, "Freeze for the meeting on 20 January 2026")
    assert app.success[0].value == "Frozen: the Autumn 2025 report (for circulation) as snapshot 1."
    snapshots = load_snapshots(app_store(), ["circulation", "confidential"])
    assert snapshots["label"].tolist() == [
        "Snapshot 1: meeting of 20/01/2026, Autumn 2025, for circulation"
    ]
    assert app.selectbox(key="snapshot").options == snapshots["label"].tolist()


def test_the_preview_says_why_a_chart_with_no_bar_is_not_drawn(db_path):
    """Autumn 2025 circulated: the categories and actions are each 0, under 5 or left out."""
    app = report_page(db_path, term="Autumn 2025", mode="circulation")
    said = [caption.value for caption in app.caption if "so it is not drawn" in caption.value]
    assert len(said) == 2 and not app.get("vega_lite_chart")
    app.radio(key="report.mode").set_value("confidential").run()
    assert len(app.get("vega_lite_chart")) == 2
    assert not [c for c in app.caption if "so it is not drawn" in c.value]


def test_the_threshold_setting_is_saved_and_used(db_path):
    app = report_page(db_path, term="Autumn 2025")
    app.number_input(key="setting_threshold").set_value(3)
    press(app, "Save the settings")
    assert load_threshold(app_store()) == 3
    headline = app.dataframe[0].value.set_index("")["Autumn 2025"]
    # At 3 the open cases (0) are "fewer than 3", and the 3 escalated are no longer a
    # "fewer than" count; the term's 15 incidents are stated.
    assert (headline["Open"], headline["Incidents"]) == ("<3", "15")
    assert headline["Escalated"] != "<5"


def test_the_report_settings_are_saved_both_or_neither(db_path, monkeypatch):
    """The page saves the school's name and the threshold in one transaction: a failure
    while the second is written leaves the first as it was, and a broken rule saves neither."""
    app = report_page(db_path, term="Autumn 2025")
    app.text_input(key="setting_school").input("St Anne's Primary")
    app.number_input(key="setting_threshold").set_value(3)
    audited = []

    def audit_then_fail_on_the_second(cursor, *args, **kwargs):
        audited.append(args)
        if len(audited) == 2:
            raise OSError("the disk is full")
        record_audit(cursor, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(analytics.records.settings, "record_audit", audit_then_fail_on_the_second)
        next(b for b in app.button if b.label == "Save the settings").click().run()
    assert len(audited) == 2 and app.exception
    store = app_store()
    assert (load_setting(store, SCHOOL_NAME), load_threshold(store)) == (
        "All Saints' CE Primary School",
        5,
    )
    app.text_input(key="setting_school").input(" ")
    next(b for b in app.button if b.label == "Save the settings").click().run()
    assert "School name: is required" in plain(app.error[0].value)
    assert load_threshold(store) == 5
    app.text_input(key="setting_school").input("St Anne's Primary")
    press(app, "Save the settings")
    assert (load_setting(store, SCHOOL_NAME), load_threshold(store)) == ("St Anne's Primary", 3)


def test_each_download_is_labelled_for_its_mode(db_path):
    circulation = report_page(db_path, term="Autumn 2025", mode="circulation")
    labels = list(download_links(circulation))
    assert "Download PDF (to circulate)" in labels
    app = app_as(db_path).run()
    for name in list(app.query_params):
        del app.query_params[name]
    confidential = open_page(app, PAGE, term="Autumn 2025", mode="confidential")
    labels = list(download_links(confidential))
    assert "Download PDF (confidential)" in labels
    assert not any("circulate" in label for label in labels)
