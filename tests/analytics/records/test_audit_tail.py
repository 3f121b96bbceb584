"""The tail file: written after each commit that adds rows, never moved back, never remade
silently, and restarted on purpose with a row that says why."""

from __future__ import annotations

import json
import os
import stat

import pytest

from analytics.records.audit import TAIL_RESTARTED, record_audit, record_event, restart_audit_tail
from analytics.records.audit_queries import load_audit_trail
from analytics.records.audit_tail import audit_tail_path, write_audit_tail
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.keys import key_path
from analytics.records.opening import open_store
from tests.analytics.records.audit_rows import broken, tamper, write_five_rows
from tests.conftest import PINNED_NOW


def test_an_audit_row_is_rolled_back_with_a_failed_write_and_the_tail_stays(store):
    write_five_rows(store)
    tail_before = audit_tail_path(store.path).read_text()
    with pytest.raises(ValueError), store.transaction() as cursor:
        record_audit(cursor, "head", "case logged", now=PINNED_NOW)
        raise ValueError("the write failed")
    assert len(load_audit_trail(store)) == 5
    write_audit_tail(store)  # nothing pending survives a rollback
    assert audit_tail_path(store.path).read_text() == tail_before
    assert verify_audit_trail(store).whole


def test_a_new_store_gets_its_key_when_opened_and_its_tail_with_its_first_row(tmp_path):
    store = open_store(tmp_path / "new.duckdb", now=PINNED_NOW)
    try:
        assert stat.S_IMODE(os.stat(key_path(store.path)).st_mode) == 0o600
        assert not audit_tail_path(store.path).exists()
        record_event(store, "head", "signed in", now=PINNED_NOW)
        assert stat.S_IMODE(os.stat(audit_tail_path(store.path)).st_mode) == 0o600
        newest = store.read_rows("SELECT id, chain FROM audit_log")[0]
        assert json.loads(audit_tail_path(store.path).read_text()) == {
            "row": newest[0],
            "chain": newest[1],
        }
    finally:
        store.close()


def test_a_write_after_a_truncation_does_not_hide_it(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 4")
    record_event(store, "head", "signed in", now=PINNED_NOW)  # row 6, chained to row 3 by the app
    assert not verify_audit_trail(store).whole
    assert verify_audit_trail(store).first_bad_row == 5


def test_a_missing_tail_is_reported_not_remade_until_restarted_on_purpose(store):
    write_five_rows(store)
    audit_tail_path(store.path).unlink()
    assert broken(store) == ("tail missing", None)
    record_event(store, "head", "signed in", now=PINNED_NOW)
    assert not audit_tail_path(store.path).exists()  # a write does not paper over it
    restart_audit_tail(
        store, actor="os:head", why="tail file lost when the disk was replaced", now=PINNED_NOW
    )
    assert verify_audit_trail(store).whole
    last = load_audit_trail(store).iloc[0]
    assert (last["action"], last["detail"]) == (
        TAIL_RESTARTED,
        "tail file lost when the disk was replaced",
    )


def test_an_unreadable_tail_is_reported(store):
    write_five_rows(store)
    audit_tail_path(store.path).write_text("row 5")
    assert broken(store) == ("tail unreadable", None)
