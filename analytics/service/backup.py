"""Backups of the whole store, and restoring one into an empty store.

A backup is a DuckDB file copied through the store's own connection, readable by its
owner only (0600). DuckDB lets only one process open the live file, so while the app runs,
the command line cannot open it: it leaves a request in a folder beside the store, and the
app's backup service (a thread of the process that holds the store) makes the backup and
answers. The service heeds only requests from its own operating-system user, left as plain
files in a folder of that user's that no one else may enter (0700), and writes backups only
into the folder the headteacher chose in the app's settings; each is recorded on the audit
trail as made by that user (os:<name>).

A restore ends every session the backup held open: a session signed out after the backup
was made would otherwise sign its browser in again.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import pwd
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.access import end_account_sessions
from analytics.records import (
    BACKUP_FOLDER,
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    SERVER_ACTOR_PREFIX,
    Store,
    backup_folder_problems,
    describe_failure,
    key_path,
    load_setting,
    make_private_folder,
    open_store,
    prepare_audit_chain,
    quote_identifier,
    record_audit,
    restart_audit_tail,
    write_private_file,
)

# Every table of the store, for the counts a restore reports (and its tests compare).
TABLES = (
    "incidents", "escalation_actions", "evidence", "policies", "policy_reviews", "accounts",
    "second_factors", "recovery_codes", "sessions", "sign_in_failures",
    "audit_log", "audit_vouches", "counter_seals", "settings", "report_snapshots",
    "schema_migrations",
)  # fmt: skip
# Why a session open in the backup no longer signs anyone in, as its browser is told.
SESSION_ENDED_RESTORED = "the store was restored from a backup"


class RestoreRefused(RuntimeError):
    """The target store is not empty, or the backup cannot be read; nothing was changed."""


def write_backup(store: Store, out_dir: Path, *, actor: str, now: datetime) -> Path:
    """Copy the whole store into a new file (0600) under out_dir, named for now; returns
    its path."""
    out_dir = make_private_folder(Path(out_dir))
    target = out_dir / f"dashboard-backup-{now:%Y%m%d-%H%M%S-%f}.duckdb"
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "a backup of that name is already there", str(target))
    with store.transaction() as cursor:
        # The backup's own audit row goes in first, so the backup records that it was made.
        record_audit(cursor, actor, "backup made", now=now, detail=target.name)
    with store.transaction() as cursor:
        database = cursor.execute("SELECT current_database()").fetchall()[0][0]
        cursor.execute("COMMIT")  # ATTACH and COPY FROM DATABASE run outside a transaction
        try:
            cursor.execute("ATTACH ? AS backup_target", [str(target)])
            try:
                cursor.execute(_copy_database(database, "backup_target"))
            finally:
                cursor.execute("DETACH backup_target")
        except BaseException:
            # Half a backup (a full disk) is no backup: nothing is left to be mistaken for one.
            for left in (target, Path(f"{target}.wal")):
                left.unlink(missing_ok=True)
            raise
        finally:
            cursor.execute("BEGIN TRANSACTION")
    # DuckDB made the file under the store's umask (0600 already); this says so outright.
    os.chmod(target, PRIVATE_FILE)
    return target


def backup_bytes(store: Store, *, actor: str, now: datetime) -> bytes:
    """A backup as bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        return write_backup(store, Path(folder), actor=actor, now=now).read_bytes()


def find_backup(source: Path) -> Path:
    """The backup file itself, or the newest backup in a folder."""
    source = Path(source)
    if source.is_dir():
        found = sorted(source.glob("dashboard-backup-*.duckdb"))
        if not found:
            raise RestoreRefused(f"{source} holds no dashboard-backup-*.duckdb file")
        return found[-1]
    if not source.is_file():
        raise RestoreRefused(f"{source}: no such file or folder")
    return source


def restore_backup(source: Path, target: Path, *, actor: str, now: datetime) -> dict[str, int]:
    """Restore a backup into the store file at target, which must be new or empty. Every
    session the backup held open is ended; accounts, their passwords and second factors
    come back as they were.

    Returns the rows restored per table.
    """
    backup_file = find_backup(source)
    target = Path(target)
    if target.exists():
        existing = open_store(target, now=now)
        try:
            held = existing.read_value(
                "SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM accounts)"
            )
        finally:
            existing.close()
        if held:
            raise RestoreRefused(f"{target} is not empty; restore only into a new or empty store")
        target.unlink()
        Path(f"{target}.wal").unlink(missing_ok=True)
    backup = open_store(backup_file, now=now)  # also migrates a backup made by an older version
    try:
        with backup.transaction() as cursor:
            database = cursor.execute("SELECT current_database()").fetchall()[0][0]
            cursor.execute("COMMIT")
            try:
                cursor.execute("ATTACH ? AS restore_target", [str(target)])
                cursor.execute(_copy_database(database, "restore_target"))
                cursor.execute("DETACH restore_target")
            finally:
                cursor.execute("BEGIN TRANSACTION")
    finally:
        backup.close()
    restored = open_store(target, now=now)
    try:
        if prepare_audit_chain(restored, now=now) == "key missing":
            raise RestoreRefused(
                f"the key file {key_path(target)} is missing; put the store's key there (from "
                "its own backup, kept apart from the store's) and restore again: the restored "
                "audit trail is chained with it"
            )
        counts = {table: count_rows(restored, table) for table in TABLES}
        with restored.transaction() as cursor:
            ended = _end_open_sessions(cursor, now)
            record_audit(
                cursor, actor, "backup restored", now=now,
                detail=f"{backup_file.name}; {ended} open session(s) ended",
            )  # fmt: skip
        # Another history now stands in the file: the tail kept outside it starts again.
        restart_audit_tail(restored, actor=actor, why=f"restored from {backup_file.name}", now=now)
    except RestoreRefused:
        restored.close()
        # The target was new or empty: leave it so, not half restored.
        for left in (target, Path(f"{target}.wal")):
            left.unlink(missing_ok=True)
        raise
    finally:
        restored.close()
    return counts


def _end_open_sessions(cursor, now: datetime) -> int:
    """End every session still open in a restored store, inside the caller's transaction."""
    accounts = cursor.execute(
        "SELECT DISTINCT account_id FROM sessions WHERE ended_at IS NULL"
    ).fetchall()
    return sum(
        end_account_sessions(cursor, account_id, SESSION_ENDED_RESTORED, now=now)
        for (account_id,) in accounts
    )


def count_rows(store: Store, table: str) -> int:
    return int(store.read_value("SELECT count(*) FROM " + quote_identifier(table)))


def _copy_database(source: str, target: str) -> str:
    # Database names are identifiers, which DuckDB cannot take as bound parameters.
    return "COPY FROM DATABASE " + quote_identifier(source) + " TO " + quote_identifier(target)


REQUEST_POLL_SECONDS = 0.5
# A request is a small JSON object; anything bigger is not one of ours.
MAX_REQUEST_BYTES = 4096

log = logging.getLogger(__name__)


class BackupUnanswered(RuntimeError):
    """No running app answered a backup request in time, or it refused the request."""


class BackupRefused(RuntimeError):
    """A backup request the app will not carry out; the message says why."""


def requests_folder(db_path: Path) -> Path:
    """Where backup requests for the store at db_path are left and answered."""
    db_path = Path(db_path)
    return db_path.parent / f"{db_path.name}.backup-requests"


def request_backup(db_path: Path, out_dir: Path | None = None, *, wait_seconds: float = 60) -> Path:
    """Ask the app that holds the store for a backup; returns its path.

    The app writes it into the folder chosen on its Retention page; out_dir, if given, must
    be that folder. Only a request from the app's own operating-system user is heeded.
    """
    folder = _private_requests_folder(db_path)
    problem = _folder_problem(folder)
    if problem:
        raise BackupUnanswered(problem)
    request_id = uuid.uuid4().hex
    request = {"out": str(Path(out_dir).resolve()) if out_dir is not None else None}
    # Written whole under a name the service ignores, then renamed: never read half made.
    write_private_file(folder / f"{request_id}.request", json.dumps(request).encode())
    answer = folder / f"{request_id}.answer"
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if answer.exists():
            reply = json.loads(answer.read_text())
            answer.unlink()
            if "error" in reply:
                raise BackupUnanswered(reply["error"])
            return Path(reply["path"])
        time.sleep(REQUEST_POLL_SECONDS)
    (folder / f"{request_id}.request").unlink(missing_ok=True)
    raise BackupUnanswered(
        f"no running app answered within {wait_seconds:.0f} s; open the app once (it starts "
        "its backup service with the first page), or stop it and run backup again"
    )


def serve_backup_requests(store: Store, *, clock: Callable[[], datetime]) -> threading.Thread:
    """Start the thread that answers backup requests for this store, until it closes; each
    backup is named and recorded at the time clock gives (the app's own clock)."""

    def serve() -> None:
        folder = _private_requests_folder(store.path)
        warned = None
        while not store.closed:
            problem = _folder_problem(folder)
            if problem and problem != warned:
                log.warning("Backup requests are not served: %s", problem)
            warned = problem
            for request in [] if problem else sorted(folder.glob("*.request")):
                if store.closed:
                    return
                answer_backup_request(store, request, now=clock())
            time.sleep(REQUEST_POLL_SECONDS)

    thread = threading.Thread(target=serve, name="backup-requests", daemon=True)
    thread.start()
    return thread


def answer_backup_request(store: Store, request: Path, *, now: datetime) -> dict[str, str]:
    """Carry out one request file (or refuse it) at now, remove it, and leave the answer
    beside it; returns the answer: {"path": ...} or {"error": ...}."""
    try:
        reply = {"path": str(_backup_as_requested(store, request, now))}
    except FileNotFoundError as error:
        if error.filename != str(request):
            reply = {"error": f"the backup failed: {describe_failure(error)}"}
        else:  # withdrawn by the command line, which stopped waiting: nobody to answer
            return {"error": "the request was withdrawn"}
    except BackupRefused as refusal:
        reply = {"error": f"the app refused the backup: {refusal}"}
    except (duckdb.Error, OSError) as error:
        reply = {"error": f"the backup failed: {describe_failure(error)}"}
    finally:
        request.unlink(missing_ok=True)
    write_private_file(request.with_suffix(".answer"), json.dumps(reply).encode())
    return reply


def _backup_as_requested(store: Store, request: Path, now: datetime) -> Path:
    """The backup a request asks for, if its maker and the chosen folder allow it."""
    link = request.lstat()
    if stat.S_ISLNK(link.st_mode):
        _refuse(store, now, link.st_uid, "the request is a link, not a plain file")
    # Opened without following a link, and checked on the file actually opened.
    descriptor = os.open(request, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            _refuse(store, now, status.st_uid, "the request is not a plain file")
        if status.st_uid != os.getuid():
            _refuse(
                store, now, status.st_uid,
                f"the request was made by {os_actor(status.st_uid)}; only "
                f"{os_actor(os.getuid())}, the user the app runs as, may ask for a backup",
            )  # fmt: skip
        text = file.read(MAX_REQUEST_BYTES + 1)
    try:
        asked = json.loads(text) if len(text) <= MAX_REQUEST_BYTES else None
    except ValueError:
        asked = None
    if not isinstance(asked, dict):
        _refuse(store, now, status.st_uid, "the request is not one the command line makes")
    chosen = load_setting(store, BACKUP_FOLDER)
    if not chosen:
        _refuse(
            store, now, status.st_uid,
            "no backup folder is chosen; the headteacher sets one on the Retention page",
        )  # fmt: skip
    problems = backup_folder_problems(chosen, create=True)
    if problems:
        _refuse(store, now, status.st_uid, f"the chosen folder {chosen} {problems[0].rule}")
    out = asked.get("out")
    if out is not None and Path(str(out)).resolve() != Path(chosen).resolve():
        _refuse(
            store, now, status.st_uid,
            f"a backup asked for from the command line goes only into the folder chosen on "
            f"the Retention page, {chosen}",
        )  # fmt: skip
    return write_backup(store, Path(chosen), actor=os_actor(status.st_uid), now=now)


def _refuse(store: Store, now: datetime, uid: int, why: str) -> None:
    """Record a refused request on the audit trail, as made by the file's owner, and stop."""
    with store.transaction() as cursor:
        record_audit(cursor, os_actor(uid), "backup refused", now=now, detail=why)
    raise BackupRefused(why)


def _private_requests_folder(db_path: Path) -> Path:
    """The requests folder, made 0700 if missing; one of ours that others could enter (made
    by an earlier version) is closed to them. Files others left in it are refused later."""
    folder = make_private_folder(requests_folder(db_path))
    status = folder.lstat()
    if stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and status.st_mode & 0o077:
        os.chmod(folder, PRIVATE_FOLDER)
    return folder


def _folder_problem(folder: Path) -> str | None:
    """Why the requests folder cannot be trusted, or None: it must be a folder (not a
    link) of this process's user that no other user may enter."""
    try:
        status = folder.lstat()
    except OSError as error:
        return f"{folder} cannot be read ({error.strerror})"
    if not stat.S_ISDIR(status.st_mode):
        return f"{folder} is not a folder"
    if status.st_uid != os.getuid():
        return (
            f"{folder} belongs to {os_actor(status.st_uid)}, not {os_actor(os.getuid())}: "
            "run backup as the user the app runs as"
        )
    if status.st_mode & 0o077:
        return f"{folder} may be entered by other users (mode {stat.S_IMODE(status.st_mode):o})"
    return None


def os_actor(uid: int) -> str:
    """The operating-system account with this user id as the audit trail names it."""
    try:
        return f"{SERVER_ACTOR_PREFIX}{pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"{SERVER_ACTOR_PREFIX}uid {uid}"
