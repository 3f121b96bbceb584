"""A case's timeline: every step in date order, each with who recorded it and when."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from PIL import Image

from analytics.access.accounts import record_account
from analytics.cases.evidence import record_evidence
from analytics.cases.register import (
    record_case,
    record_cases,
    record_discussion,
    record_edit,
    record_escalation,
)
from analytics.cases.rules import EscalationStep
from analytics.cases.timeline import (
    NOT_ON_THE_TRAIL,
    TIMELINE_COLUMNS,
    describe_case_timeline,
    describe_recorder,
    load_case_timeline,
)
from analytics.records.audit import record_audit
from analytics.records.opening import open_store
from tests.analytics.cases.test_evidence import jpeg_with_gps, pdf_document
from tests.conftest import NOW, PINNED_NOW, make_case

CATEGORY_CODES = ("complaints", "racist")


def tall_screenshot() -> bytes:
    """A scrolling screenshot four pages long, so the file runs over several pages."""
    buffer = io.BytesIO()
    Image.new("RGB", (300, 6000), (40, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def seed_case(store) -> int:
    """A case logged with a written warning by the head, a discussion recorded by staff,
    police contacted by the head, a corrected summary, and three items of evidence."""
    record_account(
        store, "deputy", "Mr D Deputy", "staff", "a long pass phrase 42", actor="t", now=PINNED_NOW
    )
    logged = make_case(
        categories=CATEGORY_CODES,
        actions=(EscalationStep("written_warning", date(2026, 1, 14)),),
    )
    case_id = record_case(store, logged, actor="head", now=NOW)
    record_discussion(store, case_id, date(2026, 1, 13), "refused", actor="staff1", now=NOW)
    police = EscalationStep("police", date(2026, 1, 20), "Crime reference 12/3456")
    record_escalation(store, case_id, police, actor="deputy", now=NOW)
    again = EscalationStep("written_warning", date(2026, 1, 22))
    record_escalation(store, case_id, again, actor="staff1", now=NOW)
    record_edit(
        store, case_id, {"summary": "Post about pick-up, naming a teacher."}, "Typo",
        actor="deputy", now=NOW,
    )  # fmt: skip
    for data, name in [
        (jpeg_with_gps(size=(160, 90)), "photo of screen.jpg"),
        (pdf_document(), "solicitor letter.pdf"),
        (tall_screenshot(), "scrolling.png"),
    ]:
        record_evidence(
            store, case_id, data, name, note=None, actor="staff1", now=datetime(2026, 2, 2, 9)
        )
    return case_id


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    """The timeline of seed_case's case, read once for the tests that only read it."""
    store = open_store(tmp_path_factory.mktemp("timeline") / "store.duckdb", now=PINNED_NOW)
    try:
        return load_case_timeline(store, seed_case(store))
    finally:
        store.close()


def test_the_timeline_names_who_recorded_each_step(timeline):
    by_step = [(f"{row.date:%d/%m/%Y}", row.step, row.recorded_by) for row in timeline.itertuples()]
    assert by_step == [
        ("10/01/2026", "Posted", "head"),
        ("12/01/2026", "Reported to the school", "head"),
        ("13/01/2026", "Discussion with the parent", "staff1"),
        # Logged with the case, so by whoever logged it; then each as recorded later.
        ("14/01/2026", "Escalation", "head"),
        ("20/01/2026", "Escalation", "Mr D Deputy (deputy)"),
        ("22/01/2026", "Escalation", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        # The day the correction was recorded (NOW, in seed_case).
        (f"{NOW:%d/%m/%Y}", "Record corrected", "Mr D Deputy (deputy)"),
    ]
    edit = timeline[timeline.step == "Record corrected"].iloc[0]
    assert edit.detail == "Changed: Summary. Reason: Typo"
    police = timeline.iloc[4]
    assert police.detail == "Police contacted: Crime reference 12/3456"


def test_a_step_of_an_imported_case_says_the_trail_does_not_name_who(store):
    with store.transaction() as cursor:
        record_cases(cursor, [make_case()])
        record_audit(cursor, "head", "cases imported", now=PINNED_NOW, detail="1 added")
    case_id = store.read_value("SELECT id FROM incidents")
    timeline = load_case_timeline(store, case_id)
    assert set(timeline.recorded_by) == {NOT_ON_THE_TRAIL}


def test_the_timeline_reads_with_plain_column_names(timeline):
    assert list(timeline.columns) == list(TIMELINE_COLUMNS)
    assert list(describe_case_timeline(timeline).columns) == [
        "Date", "Step", "Detail", "Recorded by", "Recorded on",
    ]  # fmt: skip


def test_a_recorder_is_named_by_name_and_username_or_as_the_server():
    names = {"deputy": "Mr D Deputy", "head": "head"}
    assert describe_recorder("deputy", names) == "Mr D Deputy (deputy)"
    assert describe_recorder("head", names) == "head"  # no name beyond the username
    assert describe_recorder("gone", names) == "gone"  # an account no longer there
    assert describe_recorder("os:admin", names) == "admin (on the server's command line)"
