"""The trail read for its page: filtered by person, action, day and case, found by reference."""

from __future__ import annotations

from datetime import date

from analytics.cases.register import record_case
from analytics.records.audit import CASE_OPENED, record_audit, record_case_opened
from analytics.records.audit_queries import find_audit_case, load_audit_trail
from analytics.records.audit_verify import verify_audit_trail
from tests.conftest import PINNED_NOW, make_case


def test_the_trail_filters_by_person_action_day_and_case(store):
    with store.transaction() as cursor:
        record_audit(cursor, "head", "case logged", "incident", 1, now=PINNED_NOW)
        record_audit(cursor, "teacher", "case closed", "incident", 1, now=PINNED_NOW)
        record_audit(cursor, "head", "case closed", "incident", 2, now=PINNED_NOW)
        record_audit(cursor, "head", "account created", "account", 1, now=PINNED_NOW)
    assert len(load_audit_trail(store, actor="head")) == 3
    assert load_audit_trail(store, actions=["case closed"])["actor"].tolist() == ["head", "teacher"]
    assert len(load_audit_trail(store, start=PINNED_NOW.date(), end=PINNED_NOW.date())) == 4
    assert len(load_audit_trail(store, end=date(2000, 1, 1))) == 0
    assert load_audit_trail(store, case_id=1)["action"].tolist() == ["case closed", "case logged"]
    assert load_audit_trail(store, case_id=1, actor="teacher")["action"].tolist() == ["case closed"]


def test_who_opened_a_case_is_found_by_its_reference(store):
    first = record_case(store, make_case(reference="2026-001"), actor="head", now=PINNED_NOW)
    second = record_case(store, make_case(reference="2026-002"), actor="head", now=PINNED_NOW)
    record_case_opened(store, "teacher", first, now=PINNED_NOW)
    record_case_opened(store, "head", second, now=PINNED_NOW)
    assert find_audit_case(store, " 2026-001 ") == first
    assert find_audit_case(store, "2026-999") is None
    opened = load_audit_trail(store, case_id=first, actions=[CASE_OPENED])
    assert opened[["actor", "record_type", "record_id"]].values.tolist() == [
        ["teacher", "incident", str(first)]
    ]
    assert verify_audit_trail(store).whole
