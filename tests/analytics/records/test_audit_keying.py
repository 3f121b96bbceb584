"""Keying as the store opens: a new store's key, and a trail from before keyed chaining
re-chained once, only if its old chain verifies whole."""

from __future__ import annotations

import hashlib
import os
import stat

from analytics.records.audit import CHAIN_KEYED, record_event
from analytics.records.audit_keying import prepare_audit_chain
from analytics.records.audit_queries import load_audit_trail
from analytics.records.audit_tail import audit_tail_path
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.keys import key_path
from tests.analytics.records.audit_rows import broken, tamper, write_five_rows
from tests.conftest import PINNED_NOW


def write_old_style_trail(store, rows: int = 4, unchained_first: int = 2) -> None:
    """A trail as the app wrote it before keyed chaining, in a store with no key file: its
    first rows from before the chain column, then each row's unkeyed SHA-256 of the one
    before and its own fields."""
    key_path(store.path).unlink()
    previous = ""
    for n in range(rows):
        with store.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_log (occurred_at, actor, action, record_type, record_id, "
                "reason, detail) VALUES (TIMESTAMP '2025-09-01 09:00:00' + to_minutes(?), "
                "'head', 'case edited', 'incident', ?, ?, 'summary')",
                [n, str(n), f"reason {n}"],
            )
            if n < unchained_first:
                continue
            row_id, *fields = cursor.execute(
                "SELECT id, occurred_at, actor, action, record_type, record_id, reason, detail "
                "FROM audit_log ORDER BY id DESC LIMIT 1"
            ).fetchall()[0]
            text = "\x1f".join("" if v is None else str(v) for v in [previous, *fields])
            previous = hashlib.sha256(text.encode()).hexdigest()
            cursor.execute("UPDATE audit_log SET chain = ? WHERE id = ?", [previous, row_id])


def test_an_old_unkeyed_trail_that_verifies_is_keyed_once_and_says_so(store):
    write_old_style_trail(store)
    assert verify_audit_trail(store).problem == "not keyed"
    assert prepare_audit_chain(store, now=PINNED_NOW) == "keyed"
    assert stat.S_IMODE(os.stat(key_path(store.path)).st_mode) == 0o600
    assert verify_audit_trail(store).whole
    trail = load_audit_trail(store)
    assert trail["action"].tolist() == [CHAIN_KEYED] + ["case edited"] * 4
    assert trail["reason"].tolist()[1:] == [f"reason {n}" for n in (3, 2, 1, 0)]
    assert prepare_audit_chain(store, now=PINNED_NOW) == "ready"
    record_event(store, "head", "signed in", now=PINNED_NOW)
    assert verify_audit_trail(store).whole
    # Keyed like any other trail from now on: an edit shows.
    tamper(store, "UPDATE audit_log SET actor = 'x' WHERE id = 1")
    assert broken(store) == ("edited", 1)


def test_an_old_trail_whose_unkeyed_chain_is_broken_is_not_keyed(store):
    write_old_style_trail(store)
    tamper(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    assert prepare_audit_chain(store, now=PINNED_NOW) == "key missing"
    assert not key_path(store.path).exists()
    assert verify_audit_trail(store).problem == "key missing"


def test_an_old_trail_with_an_unchained_row_after_chaining_began_is_not_keyed(store):
    write_old_style_trail(store)
    tamper(store, "INSERT INTO audit_log (occurred_at, actor, action) VALUES (now(), 'x', 'y')")
    assert prepare_audit_chain(store, now=PINNED_NOW) == "key missing"


def test_a_keyed_trail_whose_key_and_tail_are_lost_is_never_rekeyed(store):
    write_five_rows(store)
    key_path(store.path).unlink()
    audit_tail_path(store.path).unlink()
    assert prepare_audit_chain(store, now=PINNED_NOW) == "key missing"
    assert not key_path(store.path).exists()


def test_a_keying_interrupted_after_its_commit_is_completed_at_the_next_open(store):
    write_old_style_trail(store)
    prepare_audit_chain(store, now=PINNED_NOW)
    key = key_path(store.path).read_text()
    # As if the process died after the re-chained trail committed, before the key's link.
    key_path(store.path).rename(store.path.with_name(store.path.name + ".key.staged"))
    audit_tail_path(store.path).unlink()
    assert prepare_audit_chain(store, now=PINNED_NOW) == "keyed"
    assert key_path(store.path).read_text() == key
    assert verify_audit_trail(store).whole


def test_a_staged_key_whose_keying_never_committed_is_thrown_away(store):
    write_old_style_trail(store)
    staged = store.path.with_name(store.path.name + ".key.staged")
    staged.write_text("cd" * 32 + "\n")
    assert prepare_audit_chain(store, now=PINNED_NOW) == "keyed"
    assert key_path(store.path).read_text() != "cd" * 32 + "\n"
    assert not staged.exists()
    assert verify_audit_trail(store).whole


def test_an_empty_store_gets_its_key_when_opened(store):
    key_path(store.path).unlink()
    assert prepare_audit_chain(store, now=PINNED_NOW) == "key made"
    assert prepare_audit_chain(store, now=PINNED_NOW) == "ready"
