"""Frozen reports: what was presented stays as it was, whatever happens to the cases after."""

from __future__ import annotations

from datetime import date

from analytics.cases.interchange import import_cases
from analytics.policies.register import seed_policies
from analytics.reporting.report import build_report, gather_report_figures
from analytics.reporting.snapshots import (
    freeze_report,
    load_snapshot_document,
    load_snapshot_figures,
    load_snapshots,
    render_documents,
)
from analytics.terms import TermCalendar, parse_term
from tests.analytics.reporting.report_store import REPORT_DAY, SCHOOL, fill_report_store
from tests.conftest import PINNED_NOW, at_ten

CALENDAR = TermCalendar()


def autumn_figures(store):
    return gather_report_figures(
        store, CALENDAR, parse_term("Autumn 2025"), school=SCHOOL, today=REPORT_DAY
    )


def test_a_frozen_report_is_unchanged_after_more_cases_arrive(store):
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    fill_report_store(store)
    figures = autumn_figures(store)
    first = render_documents(build_report(figures, "circulation", 5))
    snapshot_id = freeze_report(
        store, figures, "circulation", 5, date(2026, 1, 20), actor="head", now=PINNED_NOW
    )
    import_cases(
        store,
        "reference,reported_on,categories\nLATE-1,2025-10-01,racist\nLATE-2,2025-10-02,complaints\n",
        actor="t", source="late.csv", now=at_ten(REPORT_DAY),
    )  # fmt: skip
    live = autumn_figures(store)["release"]["headline"]["incidents"]
    assert live == 17  # the live figure moved
    frozen = load_snapshot_figures(store, snapshot_id)
    assert frozen["release"] == figures["release"]
    assert load_snapshot_document(store, snapshot_id, "pdf") == first.pdf
    assert load_snapshot_document(store, snapshot_id, "docx") == first.docx
    assert load_snapshot_document(store, snapshot_id, "csv").decode() == first.csv


def test_snapshots_are_listed_with_their_meeting_dates_and_audited(store):
    fill_report_store(store)
    figures = autumn_figures(store)
    freeze_report(store, figures, "circulation", 5, date(2026, 1, 20), actor="head", now=PINNED_NOW)
    freeze_report(store, figures, "confidential", 5, date(2026, 2, 3), actor="head", now=PINNED_NOW)
    listed = load_snapshots(store, ["circulation", "confidential"])
    assert listed["label"].tolist() == [
        "Snapshot 2: meeting of 03/02/2026, Autumn 2025, confidential (closed item)",
        "Snapshot 1: meeting of 20/01/2026, Autumn 2025, for circulation",
    ]
    assert store.read_value("SELECT count(*) FROM audit_log WHERE action = 'report frozen'") == 2
