"""The audit trail as people read it: references, usernames and labels, never ids or codes."""

from __future__ import annotations

import csv
import io
from datetime import date

from analytics.access.accounts import record_account, record_role
from analytics.cases.register import record_case, record_edit, record_escalation
from analytics.cases.rules import EscalationStep
from analytics.policies.register import record_policy
from analytics.records.audit import record_audit
from analytics.records.audit_queries import load_audit_trail
from analytics.records.settings import SUPPRESSION_THRESHOLD, record_setting
from analytics.reporting.audit_trail import (
    COLUMNS,
    NO_LONGER_HELD,
    audit_trail_csv,
    describe_audit_trail,
)
from analytics.terms import TermCalendar
from tests.conftest import NOW, PINNED_NOW, TODAY, make_case

PASSWORD = "correct horse battery"


def readable(store) -> list[dict]:
    return describe_audit_trail(load_audit_trail(store)).to_dict("records")


def row_for(rows: list[dict], what: str) -> dict:
    """The newest row of this action."""
    return next(row for row in rows if row["What"] == what)


def test_each_row_names_its_record_as_people_know_it(store):
    record_account(store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW)
    teacher = record_account(
        store, "teacher", "Mr T", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )
    record_role(store, teacher.id, "staff", actor="head", now=PINNED_NOW)
    incident_id = record_case(store, make_case(reference="2026-007"), actor="head", now=NOW)
    record_policy(
        store, "Online safety", "", date(2025, 9, 10), "Full Governing Body", "Autumn 2028",
        actor="head", calendar=TermCalendar(), now=NOW,
    )  # fmt: skip
    record_setting(store, SUPPRESSION_THRESHOLD, "4", actor="head", now=PINNED_NOW)
    rows = readable(store)
    assert list(rows[0]) == list(COLUMNS)
    assert row_for(rows, "Case logged")["About"] == "Case 2026-007"
    assert row_for(rows, "Account created")["About"] == "Account teacher"  # newest first
    assert row_for(rows, "Account created")["Detail"] == "Governor"
    assert row_for(rows, "Role changed")["Detail"] == "Staff"
    assert row_for(rows, "Policy added")["About"] == "Policy: Online safety"
    assert row_for(rows, "Setting changed")["About"] == "Setting: Hide counts below"
    # A case that has left the register (demonstration data removed) is said to have gone.
    with store.transaction() as cursor:
        cursor.execute("DELETE FROM incidents WHERE id = ?", [incident_id])
    assert row_for(readable(store), "Case logged")["About"] == f"Case {NO_LONGER_HELD}"


def test_codes_in_details_read_as_their_labels(store):
    incident_id = record_case(store, make_case(), actor="head", now=NOW)
    record_edit(
        store, incident_id, {"summary": "Corrected", "person_ref": "F-02"}, "Typo",
        actor="head", now=NOW,
    )  # fmt: skip
    step = EscalationStep("written_warning", TODAY)
    record_escalation(store, incident_id, step, actor="head", now=NOW)
    rows = readable(store)
    assert row_for(rows, "Case edited")["Detail"] == "Person reference, Summary"
    assert row_for(rows, "Escalation recorded")["Detail"] == "Written warning requesting removal"


def test_a_frozen_report_reads_by_its_version_once_frozen_and_when_downloaded(store):
    from analytics.records.audit import record_event
    from analytics.reporting.report import gather_report_figures
    from analytics.reporting.snapshots import freeze_report
    from analytics.terms import parse_term

    figures = gather_report_figures(
        store, TermCalendar(), parse_term("Autumn 2025"), school="S", today=TODAY
    )
    snapshot_id = freeze_report(
        store, figures, "circulation", 5, date(2026, 1, 20), actor="head", now=PINNED_NOW
    )
    record_event(
        store, "head", "report downloaded", "snapshot", snapshot_id, detail="pdf", now=PINNED_NOW
    )
    rows = readable(store)
    frozen = row_for(rows, "Report frozen")
    assert (frozen["About"], frozen["Detail"]) == (
        f"Frozen report {snapshot_id}",
        "Autumn 2025, For circulation, meeting of 20/01/2026",
    )
    downloaded = row_for(rows, "Report downloaded")
    assert (downloaded["About"], downloaded["Detail"]) == (f"Frozen report {snapshot_id}", "PDF")


def test_the_csv_writes_moments_the_schools_way_and_keeps_formulas_inert(store):
    record_case(store, make_case(reference="2026-009"), actor="=1+2", now=NOW)
    trail = load_audit_trail(store)
    (row,) = list(csv.DictReader(io.StringIO(audit_trail_csv(trail))))
    assert list(row) == list(COLUMNS)
    assert row["When"] == trail["occurred_at"][0].strftime("%d/%m/%Y %H:%M:%S")
    assert (row["Who"], row["What"], row["About"]) == ("'=1+2", "Case logged", "Case 2026-009")


def test_the_audit_trail_csv_keeps_a_typed_formula_inert(store):
    with store.transaction() as cursor:
        record_audit(cursor, '=HYPERLINK("http://example.org")', "sign-in failed", now=PINNED_NOW)
    text = audit_trail_csv(load_audit_trail(store))
    assert "'=HYPERLINK" in text
    assert not any(line.split(",")[1].startswith("=") for line in text.splitlines()[1:])
