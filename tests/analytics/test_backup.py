"""Backups: restoring into an empty store gives back every row of every table, and ends
every session the backup held open."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest

from analytics.accounts import SignInRefused, record_account, sign_in
from analytics.backup import (
    SESSION_ENDED_RESTORED,
    TABLES,
    BackupUnanswered,
    RestoreRefused,
    backup_bytes,
    request_backup,
    requests_folder,
    restore_backup,
    serve_backup_requests,
    write_backup,
)
from analytics.demo import load_demo_data
from analytics.policies import seed_policies
from analytics.second_factor import (
    begin_enrolment,
    check_second_factor,
    count_recovery_codes_left,
    record_enrolment,
)
from analytics.sessions import check_session, record_session_start, record_sign_out
from analytics.store import open_store
from analytics.terms import TermCalendar
from tests.conftest import TODAY

PASSWORD = "correct horse battery"
ENROLLED = datetime(2026, 3, 15, 9, 0)


def everything(store) -> dict[str, list[tuple]]:
    return {table: store.read_rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}


def test_every_table_of_the_store_is_counted(store):
    # Every table the migrations create, so a new one cannot be left out of the counts.
    tables = store.read_rows("SELECT table_name FROM duckdb_tables() ORDER BY table_name")
    assert sorted(TABLES) == [name for (name,) in tables]


@pytest.fixture
def full_store(store):
    """Cases, policies, and a headteacher with a second factor, a failed sign-in and a
    session already signed out."""
    seed_policies(store, TermCalendar())
    load_demo_data(store, 150, actor="test", today=TODAY)
    head = record_account(store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup")
    secret = begin_enrolment(store, head.id, username="head", issuer="School").secret
    record_enrolment(store, head.id, pyotp.TOTP(secret).at(ENROLLED), actor="head", now=ENROLLED)
    with pytest.raises(SignInRefused):
        sign_in(store, "head", "not the password at all")
    record_sign_out(store, record_session_start(store, head, how="password and code"))
    return store


def test_a_restore_gives_back_every_case_step_policy_account_and_audit_row(full_store, tmp_path):
    written = write_backup(full_store, tmp_path / "backups", actor="head")
    before = everything(full_store)
    target = tmp_path / "restored.duckdb"
    counts = restore_backup(written, target, actor="os:test")
    restored = open_store(target)
    try:
        after = everything(restored)
        assert after["audit_log"][:-1] == before["audit_log"]  # plus the restore's own row
        assert {t: rows for t, rows in after.items() if t != "audit_log"} == {
            t: rows for t, rows in before.items() if t != "audit_log"
        }
        assert counts["incidents"] == 150 and counts["accounts"] == 1
        assert [counts[t] for t in ("second_factors", "recovery_codes", "sessions")] == [1, 10, 1]
        assert counts["sign_in_failures"] == 1
        assert restored.read_value("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == (
            "backup restored"
        )
        # New cases continue the numbering rather than colliding with restored ones.
        assert restored.read_value("SELECT nextval('incident_id_seq')") == 151
    finally:
        restored.close()


def test_a_restore_ends_the_sessions_open_in_the_backup_and_keeps_the_second_factors(
    full_store, tmp_path
):
    head = sign_in(full_store, "head", PASSWORD)
    # Open when the backup is made; one signed out afterwards must not come back to life.
    tokens = [record_session_start(full_store, head, how="password and code") for _ in "ab"]
    written = write_backup(full_store, tmp_path / "backups", actor="head")
    record_sign_out(full_store, tokens[0])
    target = tmp_path / "restored.duckdb"
    restore_backup(written, target, actor="os:test")
    restored = open_store(target)
    try:
        for token in tokens:
            check = check_session(restored, token)
            assert check.account is None and check.ended_why == SESSION_ENDED_RESTORED
        assert restored.read_rows(
            "SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1"
        ) == [("backup restored", f"{written.name}; 2 open session(s) ended")]
        # The headteacher signs in again as before: password, then the same authenticator.
        assert sign_in(restored, "head", PASSWORD) == head
        later = ENROLLED + timedelta(minutes=5)
        secret = restored.read_value("SELECT secret FROM second_factors")
        code = pyotp.TOTP(secret).at(later)
        assert check_second_factor(restored, head.id, code, now=later)
        assert count_recovery_codes_left(restored, head.id) == 10
        assert check_session(restored, record_session_start(restored, head, how="x")).account
    finally:
        restored.close()


def test_a_restore_refuses_a_store_that_holds_cases(full_store, tmp_path):
    written = write_backup(full_store, tmp_path / "b", actor="head")
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup(written, full_store.path, actor="os:test")


def test_a_backup_as_bytes_is_a_duckdb_file_and_is_audited(full_store):
    data = backup_bytes(full_store, actor="head")
    assert data[8:12] == b"DUCK"
    assert full_store.read_value("SELECT count(*) FROM audit_log WHERE action = 'backup made'") == 1


def test_a_backup_request_is_answered_by_the_service_of_the_store_holder(full_store, tmp_path):
    service = serve_backup_requests(full_store)
    written = request_backup(full_store.path, tmp_path / "asked", actor="os:test", wait_seconds=20)
    assert written.parent == (tmp_path / "asked").resolve() and written.exists()
    assert restore_backup(written, tmp_path / "r.duckdb", actor="os:test")["incidents"] == 150
    full_store.close()
    service.join(timeout=5)
    assert not service.is_alive()


def test_an_unanswered_request_says_what_to_do(tmp_path):
    with pytest.raises(BackupUnanswered, match="no running app answered"):
        request_backup(
            tmp_path / "nobody.duckdb", tmp_path / "out", actor="os:test", wait_seconds=1
        )
    assert list(requests_folder(tmp_path / "nobody.duckdb").iterdir()) == []
