"""Backups: restoring into an empty store gives back every row of every table, and ends
every session the backup held open; backups are private files, and a backup asked for
from the command line is made only for the app's own user, only into the chosen folder."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from analytics.access.accounts import record_account
from analytics.access.second_factor import (
    begin_enrolment,
    check_second_factor,
    count_recovery_codes_left,
    record_enrolment,
)
from analytics.access.sessions import check_session, record_session_start, record_sign_out
from analytics.access.signing_in import SignInRefused, sign_in
from analytics.cases.demo import load_demo_data
from analytics.policies.register import seed_policies
from analytics.records.keys import key_path
from analytics.records.opening import open_store
from analytics.records.settings import BACKUP_FOLDER, SettingInvalid, load_setting, record_setting
from analytics.service.backup import (
    SESSION_ENDED_RESTORED,
    TABLES,
    BackupUnanswered,
    RestoreRefused,
    answer_backup_request,
    backup_bytes,
    os_actor,
    request_backup,
    requests_folder,
    restore_backup,
    serve_backup_requests,
    write_backup,
)
from analytics.terms import TermCalendar
from tests.conftest import NOW, PINNED_NOW, needs_root

PASSWORD = "correct horse battery"
ENROLLED = datetime(2026, 3, 15, 9, 0)


def everything(store) -> dict[str, list[tuple]]:
    return {table: store.read_rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}


def restore_with_key(store, written: Path, target: Path) -> dict[str, int]:
    """Restore as an operator does: the store's key file (kept apart) put beside the target
    first, since the restored audit trail is chained with it."""
    shutil.copy(key_path(store.path), key_path(target))
    return restore_backup(written, target, actor="os:test", now=PINNED_NOW)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_every_table_of_the_store_is_counted(store):
    # Every table the migrations create, so a new one cannot be left out of the counts.
    tables = store.read_rows("SELECT table_name FROM duckdb_tables() ORDER BY table_name")
    assert sorted(TABLES) == [name for (name,) in tables]


@pytest.fixture
def full_store(store):
    """Cases, policies, and a headteacher with a second factor, a failed sign-in and a
    session already signed out."""
    seed_policies(store, TermCalendar(), now=PINNED_NOW)
    load_demo_data(store, 150, actor="test", now=NOW)
    head = record_account(
        store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
    )
    secret = begin_enrolment(
        store, head.id, username="head", issuer="School", now=PINNED_NOW
    ).secret
    record_enrolment(store, head.id, pyotp.TOTP(secret).at(ENROLLED), actor="head", now=ENROLLED)
    with pytest.raises(SignInRefused):
        sign_in(store, "head", "not the password at all", now=PINNED_NOW)
    record_sign_out(
        store,
        record_session_start(store, head, how="password and code", now=PINNED_NOW),
        now=PINNED_NOW,
    )
    return store


def test_a_restore_gives_back_every_case_step_policy_account_and_audit_row(full_store, tmp_path):
    written = write_backup(full_store, tmp_path / "backups", actor="head", now=PINNED_NOW)
    assert mode_of(written) == 0o600 and mode_of(written.parent) == 0o700
    before = everything(full_store)
    target = tmp_path / "restored.duckdb"
    counts = restore_with_key(full_store, written, target)
    restored = open_store(target, now=PINNED_NOW)
    try:
        after = everything(restored)
        # Plus the restore's own row, and the restart of the trail's tail kept outside.
        assert after["audit_log"][:-2] == before["audit_log"]
        assert {t: rows for t, rows in after.items() if t != "audit_log"} == {
            t: rows for t, rows in before.items() if t != "audit_log"
        }
        assert counts["incidents"] == 150 and counts["accounts"] == 1
        assert [counts[t] for t in ("second_factors", "recovery_codes", "sessions")] == [1, 10, 1]
        assert counts["sign_in_failures"] == 1
        assert [action for (action,) in restored.read_rows(
            "SELECT action FROM audit_log ORDER BY id DESC LIMIT 2")] == [
            "audit tail restarted", "backup restored",
        ]  # fmt: skip
        # New cases continue the numbering rather than colliding with restored ones.
        assert restored.read_value("SELECT nextval('incident_id_seq')") == 151
    finally:
        restored.close()


def test_a_restore_ends_the_sessions_open_in_the_backup_and_keeps_the_second_factors(
    full_store, tmp_path
):
    head = sign_in(full_store, "head", PASSWORD, now=PINNED_NOW)
    # Open when the backup is made; one signed out afterwards must not come back to life.
    tokens = [
        record_session_start(full_store, head, how="password and code", now=PINNED_NOW)
        for _ in "ab"
    ]
    written = write_backup(full_store, tmp_path / "backups", actor="head", now=PINNED_NOW)
    record_sign_out(full_store, tokens[0], now=PINNED_NOW)
    target = tmp_path / "restored.duckdb"
    restore_with_key(full_store, written, target)
    restored = open_store(target, now=PINNED_NOW)
    try:
        for token in tokens:
            check = check_session(restored, token, now=PINNED_NOW)
            assert check.account is None and check.ended_why == SESSION_ENDED_RESTORED
        assert restored.read_rows(
            "SELECT action, detail FROM audit_log WHERE action = 'backup restored'"
        ) == [("backup restored", f"{written.name}; 2 open session(s) ended")]
        # The headteacher signs in again as before: password, then the same authenticator.
        assert sign_in(restored, "head", PASSWORD, now=PINNED_NOW) == head
        later = ENROLLED + timedelta(minutes=5)
        secret = restored.read_value("SELECT secret FROM second_factors")
        code = pyotp.TOTP(secret).at(later)
        assert check_second_factor(restored, head.id, code, now=later)
        assert count_recovery_codes_left(restored, head.id) == 10
        assert check_session(
            restored, record_session_start(restored, head, how="x", now=PINNED_NOW), now=PINNED_NOW
        ).account
    finally:
        restored.close()


def test_a_restore_refuses_a_store_that_holds_cases(full_store, tmp_path):
    written = write_backup(full_store, tmp_path / "b", actor="head", now=PINNED_NOW)
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup(written, full_store.path, actor="os:test", now=PINNED_NOW)


def test_a_backup_as_bytes_is_a_duckdb_file_and_is_audited(full_store):
    data = backup_bytes(full_store, actor="head", now=PINNED_NOW)
    assert data[8:12] == b"DUCK"
    assert full_store.read_value("SELECT count(*) FROM audit_log WHERE action = 'backup made'") == 1


def test_a_restore_without_the_key_file_is_refused_and_leaves_no_store(full_store, tmp_path):
    written = write_backup(full_store, tmp_path / "b", actor="head", now=PINNED_NOW)
    target = tmp_path / "restored.duckdb"
    with pytest.raises(RestoreRefused, match=r"the key file .*restored\.duckdb\.key is missing"):
        restore_backup(written, target, actor="os:test", now=PINNED_NOW)
    assert not target.exists()


# ----------------------------------------------------- backups asked for from the command line


@pytest.fixture
def chosen(full_store, tmp_path) -> Path:
    """The folder the headteacher chose on the Retention page."""
    folder = tmp_path / "chosen"
    record_setting(full_store, BACKUP_FOLDER, str(folder), actor="head", now=PINNED_NOW)
    return folder


def ticking_from(start: datetime):
    """A clock for the backup service that reads a second later each time: two backups
    it makes are not named for the same moment."""
    seconds = itertools.count()
    return lambda: start + timedelta(seconds=next(seconds))


def leave_request(store, name: str, request: dict) -> Path:
    path = requests_folder(store.path) / name
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_text(json.dumps(request))
    return path


def refusals(store) -> list[tuple[str, str]]:
    return store.read_rows(
        "SELECT actor, detail FROM audit_log WHERE action = 'backup refused' ORDER BY id"
    )


def test_a_request_is_answered_into_the_chosen_folder_as_made_by_the_os_user(full_store, chosen):
    service = serve_backup_requests(full_store, clock=ticking_from(PINNED_NOW))
    written = request_backup(full_store.path, wait_seconds=20)
    assert written.parent == chosen and mode_of(written) == 0o600
    assert mode_of(chosen) == mode_of(requests_folder(full_store.path)) == 0o700
    assert full_store.read_rows(
        "SELECT actor, detail FROM audit_log WHERE action = 'backup made'"
    ) == [(os_actor(os.getuid()), written.name)]
    # Naming the chosen folder itself is allowed too.
    assert request_backup(full_store.path, chosen, wait_seconds=20).parent == chosen
    full_store.close()
    service.join(timeout=5)
    assert not service.is_alive()
    assert list(requests_folder(full_store.path).iterdir()) == []


def test_a_request_for_another_folder_or_with_none_chosen_is_refused(full_store, tmp_path):
    asked = leave_request(full_store, "a.request", {"out": None})
    assert answer_backup_request(full_store, asked, now=PINNED_NOW) == {
        "error": "the app refused the backup: no backup folder is chosen; the headteacher "
        "sets one on the Retention page"
    }
    record_setting(
        full_store, BACKUP_FOLDER, str(tmp_path / "chosen"), actor="head", now=PINNED_NOW
    )
    elsewhere = leave_request(full_store, "b.request", {"out": str(tmp_path / "mine")})
    refused = answer_backup_request(full_store, elsewhere, now=PINNED_NOW)
    assert "goes only into the folder chosen on the Retention page" in refused["error"]
    assert not (tmp_path / "mine").exists()
    assert not list((tmp_path / "chosen").iterdir())
    assert [actor for actor, _ in refusals(full_store)] == [os_actor(os.getuid())] * 2
    assert json.loads((requests_folder(full_store.path) / "b.answer").read_text()) == refused
    assert not elsewhere.exists()


def test_a_request_that_is_a_link_is_refused(full_store, chosen, tmp_path):
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps({"out": None}))
    link = requests_folder(full_store.path) / "l.request"
    link.parent.mkdir(mode=0o700)
    link.symlink_to(planted)
    refused = answer_backup_request(full_store, link, now=PINNED_NOW)
    assert refused == {
        "error": "the app refused the backup: the request is a link, not a plain file"
    }
    assert not chosen.exists() or not list(chosen.iterdir())
    assert planted.exists() and not os.path.lexists(link)


@needs_root
def test_a_request_left_by_another_user_is_refused_and_recorded_as_theirs(full_store, chosen):
    other_uid = 54321
    asked = leave_request(full_store, "o.request", {"out": None})
    os.chown(asked, other_uid, other_uid)
    refused = answer_backup_request(full_store, asked, now=PINNED_NOW)
    assert refused["error"].startswith(
        f"the app refused the backup: the request was made by {os_actor(other_uid)}; only "
        f"{os_actor(os.getuid())}, the user the app runs as, may ask for a backup"
    )
    assert refusals(full_store)[0][0] == os_actor(other_uid)
    assert full_store.read_value("SELECT count(*) FROM audit_log WHERE action = 'backup made'") == 0


def test_a_requests_folder_others_could_enter_is_closed_to_them(full_store, chosen):
    folder = requests_folder(full_store.path)
    folder.mkdir()
    os.chmod(folder, 0o777)  # as an earlier version could have left it
    service = serve_backup_requests(full_store, clock=ticking_from(PINNED_NOW))
    assert request_backup(full_store.path, wait_seconds=20).parent == chosen
    assert mode_of(folder) == 0o700
    full_store.close()
    service.join(timeout=5)


def test_a_requests_folder_that_is_a_link_is_not_used(full_store, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    requests_folder(full_store.path).symlink_to(elsewhere)
    with pytest.raises(BackupUnanswered, match="is not a folder"):
        request_backup(full_store.path, wait_seconds=1)
    assert list(elsewhere.iterdir()) == []


@needs_root
def test_a_requests_folder_of_another_user_is_named(full_store):
    folder = requests_folder(full_store.path)
    folder.mkdir(mode=0o700)
    os.chown(folder, 54321, 54321)
    with pytest.raises(BackupUnanswered, match="run backup as the user the app runs as"):
        request_backup(full_store.path, wait_seconds=1)


def test_an_unanswered_request_says_what_to_do(tmp_path):
    with pytest.raises(BackupUnanswered, match="no running app answered"):
        request_backup(tmp_path / "nobody.duckdb", wait_seconds=1)
    assert list(requests_folder(tmp_path / "nobody.duckdb").iterdir()) == []


# ------------------------------------------------------------------ the chosen folder


def test_the_chosen_folder_is_made_private_when_it_is_new(store, tmp_path):
    folder = tmp_path / "backups" / "dashboard"
    record_setting(store, BACKUP_FOLDER, f"  {folder}  ", actor="head", now=PINNED_NOW)
    assert load_setting(store, BACKUP_FOLDER) == str(folder)
    assert mode_of(folder) == 0o700
    # None: requests are refused.
    record_setting(store, BACKUP_FOLDER, "", actor="head", now=PINNED_NOW)
    assert load_setting(store, BACKUP_FOLDER) == ""


def test_a_folder_others_could_change_is_not_accepted(store, tmp_path):
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    os.chmod(open_to_all, 0o777)
    a_file = tmp_path / "file"
    a_file.write_text("")
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    for value, rule in [
        ("relative/backups", "must be a full path, starting with /"),
        (str(open_to_all), "must not be writable by other users (its mode is 777)"),
        (str(a_file), "must be a folder itself, not a file or a link"),
        (str(link), "must be a folder itself, not a file or a link"),
    ]:
        with pytest.raises(SettingInvalid) as raised:
            record_setting(store, BACKUP_FOLDER, value, actor="head", now=PINNED_NOW)
        assert [str(p) for p in raised.value.problems] == [f"backup_folder: {rule}"]
    assert not (tmp_path / "relative").exists()
    assert load_setting(store, BACKUP_FOLDER) == ""


@needs_root
def test_a_folder_of_another_user_is_not_accepted(store, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 54321, 54321)
    with pytest.raises(SettingInvalid, match="must belong to the user the app runs as"):
        record_setting(store, BACKUP_FOLDER, str(theirs), actor="head", now=PINNED_NOW)


def test_a_request_withdrawn_before_it_is_served_gets_no_answer(full_store, chosen):
    gone = requests_folder(full_store.path) / "gone.request"
    assert answer_backup_request(full_store, gone, now=PINNED_NOW) == {
        "error": "the request was withdrawn"
    }
    assert not gone.with_suffix(".answer").exists()
