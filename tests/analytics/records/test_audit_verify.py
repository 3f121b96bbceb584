"""Verifying the trail: a keyed chain whose tampering always shows, named by its first bad row."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from analytics.records.audit import record_audit, record_event
from analytics.records.audit_tail import audit_tail_path
from analytics.records.audit_verify import verify_audit_chain, verify_audit_trail
from analytics.records.keys import create_key, key_path
from tests.analytics.records.audit_rows import broken, tamper, write_five_rows
from tests.conftest import PINNED_NOW


def test_the_trail_written_by_the_app_is_whole(store):
    write_five_rows(store)
    verdict = verify_audit_trail(store)
    assert verdict.whole and verdict.rows_checked == 5
    assert verdict.message.startswith("The trail is whole")


def test_a_gap_left_by_a_rolled_back_write_is_not_tampering(store):
    write_five_rows(store)
    with pytest.raises(ValueError), store.transaction() as cursor:
        record_audit(cursor, "head", "case logged", now=PINNED_NOW)  # takes id 6, then rolls back
        raise ValueError
    record_event(store, "head", "signed out", now=PINNED_NOW)
    assert store.read_value("SELECT max(id) FROM audit_log") == 7
    assert verify_audit_trail(store).whole


def test_an_edited_middle_row_is_named(store):
    write_five_rows(store)
    tamper(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    assert broken(store) == ("edited", 3)


def test_an_edited_text_is_named_although_only_its_digest_is_chained(store):
    write_five_rows(store)
    tamper(store, "UPDATE audit_log SET reason = 'nothing to see' WHERE id = 4")
    assert broken(store) == ("edited", 4)


def test_a_deleted_middle_row_is_named_by_the_row_after_it(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id = 2")
    assert broken(store) == ("deleted", 3)
    assert "row 3 was written after row 2" in verify_audit_trail(store).message


def test_deleting_the_first_rows_shows(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id <= 2")
    assert broken(store) == ("deleted", 3)


def test_deleting_the_newest_rows_shows_as_truncation_against_the_tail(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 4")
    verdict = verify_audit_trail(store)
    assert (verdict.problem, verdict.first_bad_row) == ("truncated", 5)
    assert "ends at row 3" in verdict.message and str(audit_tail_path(store.path)) in (
        verdict.message
    )


def test_deleting_every_row_shows(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log")
    assert broken(store) == ("truncated", 5)


@pytest.mark.parametrize("chain", [None, ""])
def test_a_row_inserted_without_a_chain_value_is_named(store, chain):
    write_five_rows(store)
    tamper(
        store,
        "INSERT INTO audit_log (id, occurred_at, actor, action, chain) "
        "VALUES (nextval('audit_id_seq'), now(), 'head', 'case logged', ?)",
        [chain],
    )
    assert broken(store) == ("unchained", 6)


def test_a_row_inserted_between_others_with_a_made_up_chain_is_named(store):
    write_five_rows(store)
    with pytest.raises(ValueError), store.transaction() as cursor:
        record_audit(cursor, "head", "case logged", now=PINNED_NOW)  # id 6 is never used
        raise ValueError
    record_event(store, "head", "signed in", now=PINNED_NOW)  # row 7
    tamper(
        store,
        "INSERT INTO audit_log (id, previous_id, occurred_at, actor, action, chain) "
        "VALUES (6, 5, now(), 'head', 'case closed', ?)",
        ["ab" * 32],
    )
    assert broken(store) == ("inserted", 6)


def test_a_row_appended_with_a_made_up_chain_is_named(store):
    write_five_rows(store)
    tamper(
        store,
        "INSERT INTO audit_log (id, previous_id, occurred_at, actor, action, chain) "
        "VALUES (nextval('audit_id_seq'), 5, now(), 'head', 'case closed', ?)",
        ["ab" * 32],
    )
    assert broken(store) == ("inserted", 6)


def rechain(store, link) -> None:
    """Recompute every chain value as someone without the store's key might, after an edit."""
    previous = ""
    rows = store.read_rows(
        "SELECT id, previous_id, occurred_at, actor, action, record_type, record_id, "
        "reason_digest, detail_digest FROM audit_log ORDER BY id"
    )
    for row_id, previous_id, at, *rest in rows:
        fields = [previous, row_id, previous_id, at.isoformat(sep=" "), *rest]
        previous = link(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode())
        tamper(store, "UPDATE audit_log SET chain = ? WHERE id = ?", [previous, row_id])
    audit_tail_path(store.path).write_text(json.dumps({"row": rows[-1][0], "chain": previous}))


def test_a_chain_recomputed_with_plain_sha256_after_an_edit_is_named(store):
    write_five_rows(store)
    tamper(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    rechain(store, lambda data: hashlib.sha256(data).hexdigest())
    assert broken(store) == ("recomputed", 1)


def test_a_chain_recomputed_the_old_unkeyed_way_is_named(store):
    write_five_rows(store)
    previous = ""
    for row_id, *fields in store.read_rows(
        "SELECT id, occurred_at, actor, action, record_type, record_id, reason, detail "
        "FROM audit_log ORDER BY id"
    ):
        text = "\x1f".join("" if v is None else str(v) for v in [previous, *fields])
        previous = hashlib.sha256(text.encode()).hexdigest()
        tamper(store, "UPDATE audit_log SET chain = ? WHERE id = ?", [previous, row_id])
    assert broken(store) == ("recomputed", 1)


def test_a_chain_recomputed_with_another_key_is_named(store):
    write_five_rows(store)
    tamper(store, "UPDATE audit_log SET action = 'nothing happened' WHERE id = 2")
    rechain(store, lambda data: hmac.new(b"a key of my own", data, hashlib.sha256).hexdigest())
    verdict = verify_audit_trail(store)
    assert (verdict.problem, verdict.first_bad_row) == ("recomputed", 1)
    assert "another key" in verdict.message


def test_a_chain_recomputed_with_another_key_file_in_place_is_named(store):
    write_five_rows(store)
    key_path(store.path).unlink()
    create_key(store.path)  # someone removed the key and made their own
    assert broken(store) == ("recomputed", 1)


def test_the_chain_alone_can_be_checked_for_a_restore_whose_tail_starts_again(store):
    write_five_rows(store)
    audit_tail_path(store.path).unlink()
    assert verify_audit_chain(store).whole
    assert not verify_audit_trail(store).whole
    key_path(store.path).unlink()
    create_key(store.path)  # a key that is not this trail's
    assert (verify_audit_chain(store).problem, verify_audit_chain(store).first_bad_row) == (
        "recomputed",
        1,
    )


def test_an_empty_new_trail_is_whole(store):
    assert verify_audit_trail(store).whole
