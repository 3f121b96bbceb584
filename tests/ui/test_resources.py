"""The pieces the pages share: here, the figures cache's key."""

from __future__ import annotations

from datetime import date

from analytics.cases.register import record_case
from analytics.figures.scope import Scope
from analytics.records.audit import record_event
from analytics.records.freshness import load_latest_change
from analytics.records.opening import open_store
from analytics.terms import TermCalendar, parse_term
from tests.conftest import PINNED_NOW, make_case
from ui.resources import cached_overview

TODAY = date(2026, 3, 1)
SCOPE = Scope(TermCalendar().reporting_period(parse_term("Spring 2026")))


def incidents_shown(store) -> str:
    disclosed = cached_overview(store, SCOPE, TermCalendar(), TODAY, "exact", 5)
    return disclosed.headline("this", "incidents").text


def test_a_case_logged_is_counted_even_by_a_new_store_object_on_the_same_file(tmp_path):
    path = tmp_path / "store.duckdb"
    first = open_store(path, now=PINNED_NOW)
    assert incidents_shown(first) == "0"
    writes_before = first.version
    record_case(first, make_case(reported_on=date(2026, 1, 12)), actor="head", now=PINNED_NOW)
    first.close()
    # The store object is made again (its cache cleared, or the process restarted) while
    # the figures cache lives on: an in-memory count of writes starts again, and after as
    # many writes as before (here, downloads) it would meet the cached figures' key.
    second = open_store(path, now=PINNED_NOW)
    while second.version < writes_before:
        record_event(second, "head", "report downloaded", now=PINNED_NOW)
    try:
        assert incidents_shown(second) == "1"
    finally:
        second.close()


def test_a_store_with_another_history_never_shares_a_key(tmp_path):
    one, other = (
        open_store(tmp_path / "one.duckdb", now=PINNED_NOW),
        open_store(tmp_path / "other.duckdb", now=PINNED_NOW),
    )
    try:
        record_case(one, make_case(reference="A"), actor="head", now=PINNED_NOW)
        record_case(other, make_case(reference="B"), actor="someone else", now=PINNED_NOW)
        assert load_latest_change(one)[0] == load_latest_change(other)[0]
        assert load_latest_change(one) != load_latest_change(other)
    finally:
        one.close()
        other.close()
