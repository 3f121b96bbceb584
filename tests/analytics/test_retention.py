"""Retention: disposal dates, legal holds, and anonymising without changing any figure."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases import CaseInvalid
from analytics.interchange import import_cases_file
from analytics.overview import Scope
from analytics.register import find_case_id, load_case, record_edit
from analytics.retention import (
    REMOVED,
    anonymise_cases,
    load_cases_due_for_disposal,
    load_cases_on_hold,
    record_legal_hold,
)
from analytics.settings import RETENTION_YEARS, record_setting
from analytics.terms import TermCalendar, parse_term
from tests.conftest import SAMPLE_CSV, summary_of_scope

LATER = date(2032, 1, 1)  # 2025-001 (closed 2025-09-19) and 2025-003 (2025-12-01) are due


@pytest.fixture
def sample(store):
    import_cases_file(store, SAMPLE_CSV, actor="test", today=date(2026, 3, 1))
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
    record_setting(sample, RETENTION_YEARS, "1", actor="head")
    # One year on from closing: 2025-001 (closed 19 Sep 2025) and 2025-003 (1 Dec 2025).
    assert due_references(sample, date(2026, 12, 2)) == ["2025-001", "2025-003"]


def test_a_case_on_legal_hold_is_never_offered(sample):
    held = find_case_id(sample, "2025-003")
    record_legal_hold(sample, held, True, actor="head", reason="Solicitor's letter")
    assert due_references(sample) == ["2025-001"]
    assert load_cases_on_hold(sample)["reference"].tolist() == ["2025-003"]
    assert anonymise_cases(sample, [held], actor="head", today=LATER) == 0
    assert load_case(sample, held).summary is not None


def test_anonymising_removes_free_text_and_keeps_every_figure(sample):
    calendar = TermCalendar()
    scopes = [
        Scope(calendar.reporting_period(parse_term(t))) for t in ("Autumn 2025", "Spring 2026")
    ]
    before = [summary_of_scope(sample, scope, today=LATER) for scope in scopes]
    ids = [find_case_id(sample, ref) for ref in ("2025-001", "2025-003", "2026-001")]
    assert anonymise_cases(sample, ids, actor="head", today=LATER) == 2  # 2026-001 is open
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
    anonymise_cases(sample, [incident_id], actor="head", today=LATER)
    with pytest.raises(CaseInvalid, match="anonymised"):
        record_edit(sample, incident_id, {"summary": "back again"}, "restore", actor="head")
