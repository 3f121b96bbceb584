"""Backups of the whole store, and restoring one into an empty store.

A backup is a DuckDB file copied through the store's own connection. DuckDB lets only
one process open the live file, so while the app runs, the command line cannot open it:
it leaves a request in a folder beside the store, and the app's backup service (a thread
of the process that holds the store) makes the backup and answers.

A restore ends every session the backup held open: a session signed out after the backup
was made would otherwise sign its browser in again.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from analytics.accounts import end_account_sessions
from analytics.audit import record_audit
from analytics.store import Store, open_store

# Every table of the store, for the counts a restore reports (and its tests compare).
TABLES = (
    "incidents", "escalation_actions", "policies", "policy_reviews", "accounts",
    "second_factors", "recovery_codes", "sessions", "sign_in_failures",
    "audit_log", "settings", "report_snapshots", "schema_migrations",
)  # fmt: skip
# Why a session open in the backup no longer signs anyone in, as its browser is told.
SESSION_ENDED_RESTORED = "the store was restored from a backup"


class RestoreRefused(RuntimeError):
    """The target store is not empty, or the backup cannot be read; nothing was changed."""


def write_backup(store: Store, out_dir: Path, *, actor: str) -> Path:
    """Copy the whole store into a new file under out_dir; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"dashboard-backup-{datetime.now():%Y%m%d-%H%M%S-%f}.duckdb"
    with store.transaction() as cursor:
        # The backup's own audit row goes in first, so the backup records that it was made.
        record_audit(cursor, actor, "backup made", detail=target.name)
    with store.transaction() as cursor:
        database = cursor.execute("SELECT current_database()").fetchall()[0][0]
        cursor.execute("COMMIT")  # ATTACH and COPY FROM DATABASE run outside a transaction
        try:
            cursor.execute("ATTACH ? AS backup_target", [str(target)])
            cursor.execute(_copy_database(database, "backup_target"))
            cursor.execute("DETACH backup_target")
        finally:
            cursor.execute("BEGIN TRANSACTION")
    return target


def backup_bytes(store: Store, *, actor: str) -> bytes:
    """A backup as bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        return write_backup(store, Path(folder), actor=actor).read_bytes()


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


def restore_backup(source: Path, target: Path, *, actor: str) -> dict[str, int]:
    """Restore a backup into the store file at target, which must be new or empty. Every
    session the backup held open is ended; accounts, their passwords and second factors
    come back as they were.

    Returns the rows restored per table.
    """
    backup_file = find_backup(source)
    target = Path(target)
    if target.exists():
        existing = open_store(target)
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
    backup = open_store(backup_file)  # also migrates a backup made by an older version
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
    restored = open_store(target)
    try:
        counts = {table: count_rows(restored, table) for table in TABLES}
        with restored.transaction() as cursor:
            ended = _end_open_sessions(cursor)
            record_audit(
                cursor, actor, "backup restored",
                detail=f"{backup_file.name}; {ended} open session(s) ended",
            )  # fmt: skip
    finally:
        restored.close()
    return counts


def _end_open_sessions(cursor) -> int:
    """End every session still open in a restored store, inside the caller's transaction."""
    accounts = cursor.execute(
        "SELECT DISTINCT account_id FROM sessions WHERE ended_at IS NULL"
    ).fetchall()
    return sum(
        end_account_sessions(cursor, account_id, SESSION_ENDED_RESTORED)
        for (account_id,) in accounts
    )


def count_rows(store: Store, table: str) -> int:
    return int(store.read_value("SELECT count(*) FROM " + _identifier(table)))


def _copy_database(source: str, target: str) -> str:
    # Database names are identifiers, which DuckDB cannot take as bound parameters.
    return "COPY FROM DATABASE " + _identifier(source) + " TO " + _identifier(target)


def _identifier(name: str) -> str:
    """A quoted identifier: only the store's own tables and databases come here."""
    return '"' + name.replace('"', '""') + '"'


REQUEST_POLL_SECONDS = 0.5


class BackupUnanswered(RuntimeError):
    """No running app answered a backup request in time."""


def requests_folder(db_path: Path) -> Path:
    """Where backup requests for the store at db_path are left and answered."""
    db_path = Path(db_path)
    return db_path.parent / f"{db_path.name}.backup-requests"


def request_backup(db_path: Path, out_dir: Path, *, actor: str, wait_seconds: float = 60) -> Path:
    """Ask the app that holds the store for a backup into out_dir; returns its path."""
    folder = requests_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    request_id = uuid.uuid4().hex
    request = {"out": str(Path(out_dir).resolve()), "actor": actor}
    (folder / f"{request_id}.tmp").write_text(json.dumps(request))
    (folder / f"{request_id}.tmp").rename(folder / f"{request_id}.request")  # whole or absent
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


def serve_backup_requests(store: Store) -> threading.Thread:
    """Start the thread that answers backup requests for this store, until it closes."""

    def serve() -> None:
        folder = requests_folder(store.path)
        while not store.closed:
            for request in sorted(folder.glob("*.request")) if folder.exists() else []:
                answer = request.with_suffix(".answer")
                try:
                    asked = json.loads(request.read_text())
                    path = write_backup(store, Path(asked["out"]), actor=asked["actor"])
                    reply = {"path": str(path)}
                except Exception as error:
                    if store.closed:
                        return
                    reply = {"error": f"the backup failed: {error}"}
                answer.write_text(json.dumps(reply))
                request.unlink(missing_ok=True)
            time.sleep(REQUEST_POLL_SECONDS)

    thread = threading.Thread(target=serve, name="backup-requests", daemon=True)
    thread.start()
    return thread
