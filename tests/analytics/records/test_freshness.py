"""The newest audit row: what the cache of figures is keyed on."""

from __future__ import annotations

from analytics.records.audit import record_event
from analytics.records.freshness import load_latest_change, load_newest_audit_row
from tests.conftest import PINNED_NOW


def test_the_newest_audit_row_moves_on_with_each_write(store):
    assert load_newest_audit_row(store) is None
    assert load_latest_change(store) == (0, "")
    record_event(store, "head", "first", now=PINNED_NOW)
    first = load_newest_audit_row(store)
    record_event(store, "head", "second", now=PINNED_NOW)
    second = load_newest_audit_row(store)
    assert second[0] > first[0] and second[1] != first[1]
    assert load_latest_change(store) == second
