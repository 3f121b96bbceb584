"""The person pseudonym: keyed outside the store, so the store alone gives nothing away."""

from __future__ import annotations

from analytics.cases.register import record_case
from analytics.records.keys import PSEUDONYM, derived_key
from analytics.records.pseudonyms import person_pseudonym
from tests.conftest import NOW, make_case


def test_a_pseudonym_needs_the_key_and_differs_with_it():
    one, other = b"k" * 32, b"j" * 32
    assert person_pseudonym(one, "F-01") == person_pseudonym(one, "F-01")
    assert person_pseudonym(one, "F-01") != person_pseudonym(one, "F-02")
    assert person_pseudonym(one, "F-01") != person_pseudonym(other, "F-01")
    assert person_pseudonym(one, None) is None
    assert 0 <= person_pseudonym(one, "F-01") < 2**64


def test_a_case_carries_the_pseudonym_of_the_key_file_and_the_store_holds_no_salt(store):
    incident_id = record_case(store, make_case(person_ref="F-09"), actor="head", now=NOW)
    stored = store.read_value("SELECT person_key FROM incidents WHERE id = ?", [incident_id])
    assert stored == person_pseudonym(derived_key(store.path, PSEUDONYM), "F-09")
    assert not store.read_value("SELECT count(*) FROM settings WHERE name LIKE '%salt%'")
