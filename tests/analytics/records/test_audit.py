"""The audit trail's writer: a row commits (or rolls back) with its write, chained under the
store's key; only erasure at disposal, the one keying of an old chain, and a write's own
newest row gaining its vouch before it commits change a row."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
from pathlib import Path

import pytest

from analytics.records.audit import (
    CASE_ANONYMISED,
    ERASED,
    command_line_actor,
    erase_audit_text,
    record_audit,
    record_event,
)
from analytics.records.audit_keying import prepare_audit_chain
from analytics.records.audit_queries import load_audit_trail
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.keys import AUDIT_CHAIN, AUDIT_TEXT, KeyMissing, derive_key, key_path
from tests.analytics.records.audit_rows import write_five_rows
from tests.conftest import PINNED_NOW


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


def test_an_empty_trail_whose_key_file_is_missing_gets_one_with_its_first_row(store):
    key_path(store.path).unlink()
    record_event(store, "head", "signed in", now=PINNED_NOW)
    assert key_path(store.path).exists()
    assert verify_audit_trail(store).whole


def test_each_chain_value_is_an_hmac_under_the_stores_audit_key(store):
    write_five_rows(store)
    master = bytes.fromhex(key_path(store.path).read_text())
    key, text_key = derive_key(master, AUDIT_CHAIN), derive_key(master, AUDIT_TEXT)
    previous = ""
    rows = store.read_rows(
        "SELECT id, previous_id, occurred_at, actor, action, record_type, record_id, "
        "reason_digest, detail_digest, erased_rows, vouched, chain FROM audit_log ORDER BY id"
    )
    for row_id, previous_id, at, *rest, erased_rows, vouched, chain in rows:
        fields = [previous, row_id, previous_id, at.isoformat(sep=" "), *rest]
        if erased_rows is not None or vouched is not None:
            fields.append({"erased": erased_rows, "vouched": vouched})
        encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        assert chain == hmac.new(key, encoded, hashlib.sha256).hexdigest()
        # The text's digest is keyed: the store alone cannot confirm a guess at it.
        plain = hashlib.sha256(f"typo {rest[-3]}".encode()).hexdigest()
        assert rest[-2] == "hmac:" + hmac.new(text_key, plain.encode(), hashlib.sha256).hexdigest()
        assert vouched is not None  # each write vouched for the case it was about
        previous = chain


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
        erased = erase_audit_text(cursor, "incident", 1)
        record_audit(
            cursor, "head", CASE_ANONYMISED, "incident", 1, erased_rows=erased, now=PINNED_NOW
        )
    assert erased == [1, 2]
    assert verify_audit_trail(store).whole
    trail = load_audit_trail(store)
    assert trail[["record_type", "record_id", "reason", "detail"]].fillna("-").values.tolist() == [
        ["incident", "1", "-", "-"],
        ["setting", "1", "-", "6"],
        ["incident", "2", "solicitor", "-"],
        ["incident", "1", ERASED, ERASED],
        ["incident", "1", ERASED, "-"],
    ]
    assert "court order" not in str(store.read_rows("SELECT * FROM audit_log"))


def test_text_erased_without_a_disposal_listing_it_is_named(store):
    """A legal-hold reason blanked on a case never disposed: verify names the row."""
    with store.transaction() as cursor:
        record_audit(
            cursor, "head", "legal hold placed", "incident", 1, reason="court order", now=PINNED_NOW
        )
        record_audit(cursor, "head", "role changed", "account", 3, detail="staff", now=PINNED_NOW)
    with store.cursor() as cursor:  # behind the app's back
        cursor.execute("UPDATE audit_log SET reason = NULL WHERE id = 1")
    verdict = verify_audit_trail(store)
    assert (verdict.problem, verdict.first_bad_row) == ("blanked", 1)
    assert "no disposal erased it" in verdict.message
    with store.cursor() as cursor:
        cursor.execute("UPDATE audit_log SET reason = 'court order' WHERE id = 1")
        cursor.execute("UPDATE audit_log SET detail = NULL WHERE id = 2")
    assert (verify_audit_trail(store).problem, verify_audit_trail(store).first_bad_row) == (
        "blanked",
        2,
    )


def test_the_app_changes_audit_rows_only_to_erase_text_or_key_an_old_chain():
    """Append-only by construction: nothing changes the trail but the erasure of free text
    (analytics/records/audit.py) and the one-time keying of an old chain (audit_keying.py)."""
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
        # A transaction's own newest row, before it commits, gains what it vouched for.
        (
            "analytics/records/vouching.py",
            "UPDATE audit_log SET vouched = ?, chain = ? WHERE id = ?",
        ),
        # The one upgrade of a trail from before keyed text digests, once it verified.
        (
            "analytics/records/vouching.py",
            "UPDATE audit_log SET reason_digest = rechained.reason_digest,",
        ),
        (
            "analytics/records/audit_keying.py",
            "UPDATE audit_log SET chain = rechained.chain, previous_id = rechained.previous_id,",
        ),
    }
    assert len(sources) > 20
