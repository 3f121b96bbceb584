"""Retention: disposal dates, legal holds, and anonymising without changing any figure."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from PIL import Image

from analytics.cases.evidence import load_evidence_list, record_evidence
from analytics.cases.interchange import import_cases_file
from analytics.cases.register import find_case_id, load_case, record_case, record_edit
from analytics.cases.retention import (
    REMOVED,
    anonymise_cases,
    is_on_legal_hold,
    load_cases_due_for_disposal,
    load_cases_on_hold,
    record_legal_hold,
)
from analytics.cases.rules import CaseInvalid
from analytics.figures.core import gather_figures
from analytics.figures.scope import Scope
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.settings import RETENTION_YEARS, record_setting
from analytics.terms import TermCalendar, parse_term
from tests.conftest import PINNED_NOW, SAMPLE_CSV, at_ten, make_case, summary_of_scope

LATER = date(2032, 1, 1)  # 2025-001 (closed 2025-09-19) and 2025-003 (2025-12-01) are due


@pytest.fixture
def sample(store):
    import_cases_file(store, SAMPLE_CSV, actor="test", now=datetime(2026, 3, 1, 10))
    return store


def due_references(store, today=LATER) -> list[str]:
    return load_cases_due_for_disposal(store, today=today)["reference"].tolist()


def test_a_closed_case_is_due_six_years_after_closing(sample):
    assert due_references(sample, date(2031, 9, 19)) == []
    assert due_references(sample, date(2031, 9, 20)) == ["2025-001"]
    assert due_references(sample) == ["2025-001", "2025-003"]
    disposal = load_cases_due_for_disposal(sample, today=LATER)["disposal_on"].tolist()
    assert [str(d)[:10] for d in disposal] == ["2031-09-19", "2031-12-01"]


def test_the_retention_period_is_a_setting(sample):
    record_setting(sample, RETENTION_YEARS, "1", actor="head", now=PINNED_NOW)
    # One year on from closing: 2025-001 (closed 19 Sep 2025) and 2025-003 (1 Dec 2025).
    assert due_references(sample, date(2026, 12, 2)) == ["2025-001", "2025-003"]


def test_a_case_on_legal_hold_is_never_offered(sample):
    held = find_case_id(sample, "2025-003")
    record_legal_hold(sample, held, True, actor="head", reason="Solicitor's letter", now=PINNED_NOW)
    assert due_references(sample) == ["2025-001"]
    assert load_cases_on_hold(sample)["reference"].tolist() == ["2025-003"]
    assert anonymise_cases(sample, [held], actor="head", now=at_ten(LATER)) == 0
    assert load_case(sample, held).summary is not None


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_legal_hold_without_a_reason_is_refused_naming_the_reason(sample, reason):
    held = find_case_id(sample, "2025-003")
    before = sample.read_value("SELECT count(*) FROM audit_log")
    with pytest.raises(CaseInvalid) as refused:
        record_legal_hold(sample, held, True, actor="head", reason=reason, now=PINNED_NOW)
    assert [problem.field for problem in refused.value.problems] == ["reason"]
    assert "required" in refused.value.problems[0].rule
    assert not is_on_legal_hold(sample, held)
    assert sample.read_value("SELECT count(*) FROM audit_log") == before


def test_a_legal_hold_keeps_its_reason_without_the_spaces_around_it(sample):
    held = find_case_id(sample, "2025-003")
    record_legal_hold(
        sample, held, True, actor="head", reason="  Solicitor's letter ", now=PINNED_NOW
    )
    assert is_on_legal_hold(sample, held)
    reason = sample.read_value(
        "SELECT reason FROM audit_log WHERE action = 'legal hold placed' AND record_id = ?",
        [str(held)],
    )
    assert reason == "Solicitor's letter"


def test_anonymising_removes_free_text_and_keeps_every_figure(sample):
    calendar = TermCalendar()
    scopes = [
        Scope(calendar.reporting_period(parse_term(t))) for t in ("Autumn 2025", "Spring 2026")
    ]
    before = [summary_of_scope(sample, scope, today=LATER) for scope in scopes]
    ids = [find_case_id(sample, ref) for ref in ("2025-001", "2025-003", "2026-001")]
    assert anonymise_cases(sample, ids, actor="head", now=at_ten(LATER)) == 2  # 2026-001 is open
    forum = load_case(sample, ids[1])
    assert forum.reference == f"ANON-{ids[1]}"
    assert (forum.summary, forum.evidence_url, forum.person_ref) == (None, None, None)
    assert (forum.outcome, forum.rationale) == (REMOVED, REMOVED)
    assert (
        forum.categories == ("threats_of_violence",) and forum.platform == "school_website_or_forum"
    )
    assert {step.action for step in forum.actions} == {"police", "access_blocked"}
    assert [summary_of_scope(sample, scope, today=LATER) for scope in scopes] == before
    audited = sample.read_value("SELECT count(*) FROM audit_log WHERE action = 'case anonymised'")
    assert audited == 2


def test_an_anonymised_case_cannot_be_edited(sample):
    incident_id = find_case_id(sample, "2025-001")
    anonymise_cases(sample, [incident_id], actor="head", now=at_ten(LATER))
    with pytest.raises(CaseInvalid, match="anonymised"):
        record_edit(
            sample, incident_id, {"summary": "back again"}, "restore", actor="head", now=PINNED_NOW
        )


def test_a_disposed_case_no_longer_links_to_its_person_and_repeat_figures_stay(store):
    calendar = TermCalendar()
    first = record_case(
        store,
        make_case(reference="A", reported_on=date(2025, 9, 15), posted_on=None, person_ref="P-77",
                  closed_on=date(2025, 9, 20), outcome="Taken down",
                  rationale="Resolved at discussion", discussion_on=date(2025, 9, 16),
                  discussion_outcome="removed"),
        actor="head", now=datetime(2026, 3, 1, 10),
    )  # fmt: skip
    for reference, day in (("B", date(2026, 1, 12)), ("C", date(2026, 2, 2))):
        record_case(store, make_case(reference=reference, reported_on=day, person_ref="P-77"),
                    actor="head", now=datetime(2026, 3, 1, 10))  # fmt: skip
    spring = Scope(calendar.reporting_period(parse_term("Spring 2026")))

    def repeats() -> int:
        return gather_figures(store, spring, calendar, today=LATER).repeat_cases

    assert repeats() == 2  # B and C: A came first
    assert anonymise_cases(store, [first], actor="head", now=at_ten(LATER)) == 1
    assert store.read_value("SELECT person_key FROM incidents WHERE id = ?", [first]) is None
    assert repeats() == 2
    # A new case of the same person is a repeat through B and C, never through A.
    later = make_case(reference="D", reported_on=date(2026, 2, 20), person_ref="P-77")
    record_case(store, later, actor="head", now=datetime(2026, 3, 1, 10))
    assert repeats() == 3
    linked = store.read_rows(
        "SELECT reference FROM incidents WHERE person_key = "
        "(SELECT person_key FROM incidents WHERE reference = 'D') ORDER BY reference"
    )
    assert linked == [("B",), ("C",), ("D",)]


def test_anonymising_leaves_no_trace_of_the_text_in_the_store_file(sample):
    incident_id = find_case_id(sample, "2025-001")
    secret = "Zebra-Tangerine-4471"
    record_edit(sample, incident_id, {"summary": f"Post naming {secret}"}, f"typo {secret}",
                actor="head", now=PINNED_NOW)  # fmt: skip
    record_legal_hold(
        sample, incident_id, True, actor="head", reason=f"solicitor {secret}", now=PINNED_NOW
    )
    record_legal_hold(
        sample, incident_id, False, actor="head", reason=f"closed {secret}", now=PINNED_NOW
    )
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(picture, format="PNG")
    record_evidence(sample, incident_id, picture.getvalue(), f"{secret}.png", note=secret,
                    actor="head", now=PINNED_NOW)  # fmt: skip
    sample.checkpoint()
    assert secret.encode() in store_bytes(sample)
    assert anonymise_cases(sample, [incident_id], actor="head", now=at_ten(LATER)) == 1
    assert secret.encode() not in store_bytes(sample)
    assert not load_evidence_list(sample, incident_id)
    assert verify_audit_trail(sample).whole


def store_bytes(store) -> bytes:
    """Everything on disk for the store: its file and any write-ahead log."""
    files = [store.path, store.path.with_name(store.path.name + ".wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())
