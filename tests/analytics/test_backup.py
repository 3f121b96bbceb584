"""Backups: restoring into an empty store gives back every row of every table."""

from __future__ import annotations

import pytest

from analytics.accounts import record_account
from analytics.backup import (
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
from analytics.store import open_store
from analytics.terms import TermCalendar
from tests.conftest import TODAY


def everything(store) -> dict[str, list[tuple]]:
    return {table: sorted(store.read_rows("SELECT * FROM " + table), key=repr) for table in TABLES}


@pytest.fixture
def full_store(store):
    seed_policies(store, TermCalendar())
    load_demo_data(store, 150, actor="test", today=TODAY)
    record_account(store, "head", "Ms Head", "headteacher", "correct horse battery", actor="setup")
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
        assert restored.read_value("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == (
            "backup restored"
        )
        # New cases continue the numbering rather than colliding with restored ones.
        assert restored.read_value("SELECT nextval('incident_id_seq')") == 151
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
