"""A case's id from its reference, through the store or inside a write."""

from __future__ import annotations

from analytics.cases.register import record_case
from analytics.records.references import find_case_id, find_case_id_in
from tests.conftest import NOW, make_case


def test_a_reference_finds_its_case_and_an_unknown_one_nothing(store):
    incident_id = record_case(store, make_case(reference="2026-001"), actor="head", now=NOW)
    assert find_case_id(store, "2026-001") == incident_id
    assert find_case_id(store, "2026-999") is None
    assert find_case_id(store, " 2026-001") is None  # as stored, exactly


def test_inside_a_write_a_reference_finds_the_case_just_written(store):
    with store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO incidents (reference, reported_on, categories) "
            "VALUES ('2026-002', DATE '2026-03-01', ['complaints'])"
        )
        incident_id = find_case_id_in(cursor, "2026-002")
        assert incident_id is not None
    assert find_case_id(store, "2026-002") == incident_id
