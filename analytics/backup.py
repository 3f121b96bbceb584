"""Backups of the whole store, and restoring one into an empty store.

A backup is a DuckDB file copied through the store's own connection (DuckDB lets only one
process open the live file, so a second process cannot read it while the app runs).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from analytics.audit import record_audit
from analytics.store import Store, open_store

TABLES = (
    "incidents", "escalation_actions", "policies", "policy_reviews", "accounts",
    "audit_log", "settings", "report_snapshots", "schema_migrations",
)  # fmt: skip


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
    """Restore a backup into the store file at target, which must be new or empty.

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
            record_audit(cursor, actor, "backup restored", detail=backup_file.name)
    finally:
        restored.close()
    return counts


def count_rows(store: Store, table: str) -> int:
    return int(store.read_value("SELECT count(*) FROM " + _identifier(table)))


def _copy_database(source: str, target: str) -> str:
    # Database names are identifiers, which DuckDB cannot take as bound parameters.
    return "COPY FROM DATABASE " + _identifier(source) + " TO " + _identifier(target)


def _identifier(name: str) -> str:
    """A quoted identifier: only the store's own tables and databases come here."""
    return '"' + name.replace('"', '""') + '"'
