"""The audit trail: its writer, its readers, and a keyed chain whose tampering always shows."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from analytics.cases.register import record_case
from analytics.records.audit import (
    CASE_OPENED,
    CHAIN_KEYED,
    ERASED,
    TAIL_RESTARTED,
    audit_tail_path,
    audit_verify_command,
    command_line_actor,
    erase_audit_text,
    find_audit_case,
    load_audit_trail,
    prepare_audit_chain,
    record_audit,
    record_case_opened,
    record_event,
    restart_audit_tail,
    verify_audit_chain,
    verify_audit_trail,
    write_audit_tail,
)
from analytics.records.keys import AUDIT_CHAIN, KeyMissing, create_key, derive_key, key_path
from analytics.records.opening import (
    open_store,
)
from tests.conftest import PINNED_NOW, make_case


def write_five_rows(store) -> None:
    for n in range(1, 6):
        with store.transaction() as cursor:
            record_audit(
                cursor, "head", "case edited", "incident", n, reason=f"typo {n}", now=PINNED_NOW
            )


def tamper(store, sql: str, params=None) -> None:
    """A change made behind the app's back (as with the DuckDB shell)."""
    with store.cursor() as cursor:
        cursor.execute(sql, params)


def broken(store) -> tuple[str | None, int | None]:
    verdict = verify_audit_trail(store)
    assert verdict.whole is (verdict.problem is None)
    return verdict.problem, verdict.first_bad_row


# ---------------------------------------------------------------------------- writing


def test_an_audit_row_commits_with_its_write(store):
    with store.transaction() as cursor:
        record_audit(
            cursor,
            "head",
            "case edited",
            "incident",
            7,
            reason="typo",
            detail="summary",
            now=PINNED_NOW,
        )
    trail = load_audit_trail(store)
    assert trail[
        ["actor", "action", "record_type", "record_id", "reason", "detail"]
    ].values.tolist() == [["head", "case edited", "incident", "7", "typo", "summary"]]


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


def test_command_line_writes_are_by_the_operating_system_user(monkeypatch):
    monkeypatch.setenv("LOGNAME", "someone-else")
    monkeypatch.setenv("USER", "someone-else")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout
    assert command_line_actor() == f"os:{user.strip()}"
    assert command_line_actor() != "os:someone-else"


def test_record_event_writes_one_row_in_a_transaction_of_its_own(store):
    record_event(
        store, "head", "report downloaded", "report", "Autumn 2025", detail="pdf", now=PINNED_NOW
    )
    assert load_audit_trail(store)[["action", "record_id", "detail"]].values.tolist() == [
        ["report downloaded", "Autumn 2025", "pdf"]
    ]
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


def test_an_empty_trail_whose_key_file_is_missing_gets_one_with_its_first_row(store):
    key_path(store.path).unlink()
    record_event(store, "head", "signed in", now=PINNED_NOW)
    assert key_path(store.path).exists()
    assert verify_audit_trail(store).whole


def test_each_chain_value_is_an_hmac_under_the_stores_audit_key(store):
    write_five_rows(store)
    key = derive_key(bytes.fromhex(key_path(store.path).read_text()), AUDIT_CHAIN)
    previous = ""
    rows = store.read_rows(
        "SELECT id, previous_id, occurred_at, actor, action, record_type, record_id, "
        "reason_digest, detail_digest, chain FROM audit_log ORDER BY id"
    )
    for row_id, previous_id, at, *rest, chain in rows:
        fields = [previous, row_id, previous_id, at.isoformat(sep=" "), *rest]
        encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        assert chain == hmac.new(key, encoded, hashlib.sha256).hexdigest()
        assert rest[-2] == hashlib.sha256(f"typo {rest[-3]}".encode()).hexdigest()
        previous = chain


# ---------------------------------------------------------------------------- tampering


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


def test_a_write_after_a_truncation_does_not_hide_it(store):
    write_five_rows(store)
    tamper(store, "DELETE FROM audit_log WHERE id >= 4")
    record_event(store, "head", "signed in", now=PINNED_NOW)  # row 6, chained to row 3 by the app
    assert not verify_audit_trail(store).whole
    assert verify_audit_trail(store).first_bad_row == 5


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


def test_a_missing_key_fails_verification_naming_the_file_and_is_never_remade(store):
    write_five_rows(store)
    key_path(store.path).unlink()
    verdict = verify_audit_trail(store)
    assert (verdict.whole, verdict.problem) == (False, "key missing")
    assert str(key_path(store.path)) in verdict.message
    with pytest.raises(KeyMissing, match=re.escape(str(key_path(store.path)))):
        record_event(store, "head", "signed in", now=PINNED_NOW)
    assert store.read_value("SELECT count(*) FROM audit_log") == 5  # nothing unchained
    assert prepare_audit_chain(store, now=PINNED_NOW) == "key missing"
    assert not key_path(store.path).exists()


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


def test_an_unreadable_tail_is_reported(store):
    write_five_rows(store)
    audit_tail_path(store.path).write_text("row 5")
    assert broken(store) == ("tail unreadable", None)


def test_an_empty_new_trail_is_whole(store):
    assert verify_audit_trail(store).whole


# ---------------------------------------------------------------------------- erasing


def test_erasing_a_records_text_keeps_the_trail_whole_and_only_that_records(store):
    with store.transaction() as cursor:
        record_audit(
            cursor, "head", "legal hold placed", "incident", 1, reason="court order", now=PINNED_NOW
        )
        record_audit(
            cursor,
            "head",
            "case edited",
            "incident",
            1,
            reason="typo",
            detail="summary",
            now=PINNED_NOW,
        )
        record_audit(
            cursor, "head", "legal hold placed", "incident", 2, reason="solicitor", now=PINNED_NOW
        )
        record_audit(cursor, "head", "setting changed", "setting", "1", detail="6", now=PINNED_NOW)
    with store.transaction() as cursor:
        assert erase_audit_text(cursor, "incident", 1) == 2
    assert verify_audit_trail(store).whole
    trail = load_audit_trail(store)
    assert trail[["record_type", "record_id", "reason", "detail"]].fillna("-").values.tolist() == [
        ["setting", "1", "-", "6"],
        ["incident", "2", "solicitor", "-"],
        ["incident", "1", ERASED, ERASED],
        ["incident", "1", ERASED, "-"],
    ]
    assert "court order" not in str(store.read_rows("SELECT * FROM audit_log"))


def test_the_app_changes_audit_rows_only_to_erase_text_or_key_an_old_chain():
    """Append-only by construction: outside analytics/records/audit.py nothing changes the trail,
    and there only the erasure of free text and the one-time keying of an old chain."""
    root = Path(__file__).resolve().parents[3]
    sources = [*root.glob("analytics/**/*.py"), *root.glob("analytics/**/*.sql"),
               *root.glob("ui/*.py"), *root.glob("views/*.py"), *root.glob("*.py")]  # fmt: skip
    pattern = re.compile(
        r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+audit_log\b[^\n\"]*", re.I
    )
    found = {
        (str(path.relative_to(root)), " ".join(match.group(0).split()))
        for path in sources
        for match in pattern.finditer(path.read_text())
    }
    assert found == {
        ("analytics/records/audit.py", "UPDATE audit_log SET reason = NULL, detail = NULL"),
        (
            "analytics/records/audit.py",
            "UPDATE audit_log SET chain = rechained.chain, previous_id = rechained.previous_id,",
        ),
    }
    assert len(sources) > 20


# ---------------------------------------------------------------------------- keying old trails


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


# ---------------------------------------------------------------------------- the command line


def test_the_command_line_check_exits_0_for_a_whole_trail_and_1_naming_the_row(tmp_path):
    path = tmp_path / "store.duckdb"
    store = open_store(path, now=PINNED_NOW)
    write_five_rows(store)
    store.close()
    assert audit_verify_command(path) == (0, verify_message(path))
    store = open_store(path, now=PINNED_NOW)
    tamper(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    store.close()
    code, message = audit_verify_command(path)
    assert code == 1
    assert message.startswith("The audit trail is NOT whole (row 3: edited).")


def verify_message(path) -> str:
    store = open_store(path, now=PINNED_NOW)
    try:
        return verify_audit_trail(store).message
    finally:
        store.close()


def test_the_command_line_check_names_a_store_held_by_another_process(tmp_path):
    path = tmp_path / "store.duckdb"
    open_store(path, now=PINNED_NOW).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
         "print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        code, message = audit_verify_command(path)
        assert code == 2
        assert (
            message == f"The store is in use by another process (PID {holder.pid}); stop it first."
        )
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_the_command_line_check_of_a_missing_store_creates_nothing(tmp_path):
    assert audit_verify_command(tmp_path / "none.duckdb") == (
        2,
        f"There is no store at {tmp_path / 'none.duckdb'}.",
    )
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- reading


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


def test_the_audit_trail_csv_keeps_a_typed_formula_inert(store):
    from analytics.reporting.audit_trail import audit_trail_csv

    with store.transaction() as cursor:
        record_audit(cursor, '=HYPERLINK("http://example.org")', "sign-in failed", now=PINNED_NOW)
    text = audit_trail_csv(load_audit_trail(store))
    assert "'=HYPERLINK" in text
    assert not any(line.split(",")[1].startswith("=") for line in text.splitlines()[1:])
