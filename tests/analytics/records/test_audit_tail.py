"""The tail file: written after each commit that adds rows, never moved back, never remade
silently, and restarted on purpose with a row that says why."""

from __future__ import annotations

import json
import os
import stat

import pytest

from analytics.records.audit import (
    TAIL_RESTARTED,
    record_audit,
    record_event,
    restart_audit_tail,
)
from analytics.records.audit_queries import load_audit_trail
from analytics.records.audit_tail import audit_tail_path, resolved_path, seal_of, write_audit_tail
from analytics.records.audit_verify import verify_audit_trail, verify_audit_trail_file
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
            "rows": 1,
            "seal": seal_of(resolved_path(store.path), newest[0], newest[1], 1),
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


# --- the seal (issue 20): no one without the key can rewrite the tail ----------------------


def forge_tail(store, recorded: dict) -> None:
    audit_tail_path(store.path).write_text(json.dumps(recorded))


@pytest.mark.parametrize("how", ["unsealed", "sealed with a made-up value", "rows miscounted"])
def test_deleting_the_newest_rows_and_rewriting_the_tail_to_match_is_named(store, how):
    """The attack of issue 20: the newest rows removed, and the tail rewritten from what the
    store file itself shows (row 3's id and chain), which needs no key."""
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 4")
    row_id, chain = store.read_rows("SELECT id, chain FROM audit_log WHERE id = 3")[0]
    recorded = {
        "unsealed": {"row": row_id, "chain": chain},
        "sealed with a made-up value": {
            "row": row_id,
            "chain": chain,
            "rows": 3,
            "seal": "ab" * 32,
        },
        "rows miscounted": {
            "row": row_id,
            "chain": chain,
            "rows": 3,
            "seal": seal_of(resolved_path(store.path), 5, chain, 5),
        },
    }[how]
    forge_tail(store, recorded)
    verdict = verify_audit_trail(store)
    assert not verdict.whole
    assert verdict.problem == ("tail unsealed" if how == "unsealed" else "tail forged")
    assert str(audit_tail_path(store.path)) in verdict.message


def test_the_file_verifier_names_a_rewritten_tail_too(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 4")
    row_id, chain = store.read_rows("SELECT id, chain FROM audit_log WHERE id = 3")[0]
    forge_tail(store, {"row": row_id, "chain": chain})
    path = store.path
    store.close()
    assert verify_audit_trail_file(path).problem == "tail unsealed"


def test_rows_missing_before_the_sealed_row_are_counted(store):
    """The seal covers how many rows the trail held up to its row: fewer now is a removal,
    whatever the chain says (a chain only the key holder could have mended)."""
    write_five_rows(store)
    tail = json.loads(audit_tail_path(store.path).read_text())
    assert tail["rows"] == 5 and verify_audit_trail(store).whole
    sealed_for_six = seal_of(resolved_path(store.path), tail["row"], tail["chain"], 6)
    forge_tail(store, {**tail, "rows": 6, "seal": sealed_for_six})
    verdict = verify_audit_trail(store)
    assert (verdict.problem, verdict.first_bad_row) == ("deleted", tail["row"])
    assert "holds 5 rows up to row 5, but the app had written 6" in verdict.message


def test_a_tail_from_before_sealing_is_named_and_never_sealed_by_a_write(store):
    """An unsealed tail could be one the app wrote before sealing, or the attacker's: the
    app never seals it by itself (that would bless a truncation); the operator restarts it
    on purpose, and the trail says so."""
    write_five_rows(store)
    newest = store.read_rows("SELECT id, chain FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    forge_tail(store, {"row": newest[0], "chain": newest[1]})  # as the app wrote it before
    path = store.path
    store.close()
    reopened = open_store(path, now=PINNED_NOW)
    try:
        record_event(reopened, "head", "signed in", now=PINNED_NOW)
        verdict = verify_audit_trail(reopened)
        assert verdict.problem == "tail unsealed" and "audit restart-tail" in verdict.message
        restart_audit_tail(
            reopened, actor="os:head", why="sealing after the upgrade", now=PINNED_NOW
        )
        assert verify_audit_trail(reopened).whole
    finally:
        reopened.close()
