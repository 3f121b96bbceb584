"""The store's commands: backup (through the app while it runs), restore and audit verify."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb

from analytics.cli import clock
from analytics.records import (
    BACKUP_FOLDER,
    StoreInUse,
    database_path,
    describe_failure,
    load_setting,
    verify_audit_trail_file,
)
from analytics.service import (
    BackupUnanswered,
    RestoreRefused,
    find_backup,
    request_backup,
    restore_backup,
    write_backup,
)


def add_backup_commands(commands: argparse._SubParsersAction) -> None:
    """backup and restore."""
    backup = commands.add_parser(
        "backup",
        help="copy the whole store into a folder; while the app runs, it makes the backup, "
        "into the folder chosen on its Retention page only",
    )
    backup.add_argument(
        "--out", type=Path,
        help="the folder for the backup file (default: the folder chosen on the Retention page)",
    )  # fmt: skip
    restore = commands.add_parser("restore", help="restore a backup into a new or empty store")
    restore.add_argument("source", type=Path, help="a backup file, or a folder of them")


def add_audit_command(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="check the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser(
        "verify",
        help="exit 0 if the audit trail is whole, 1 naming the first bad row if not (the "
        "store is only read)",
    )


def run_backup(store, out_dir: Path | None, actor: str, say) -> int:
    """The app is not running: the store is ours to copy, into --out or the chosen folder."""
    chosen = load_setting(store, BACKUP_FOLDER)
    out_dir = out_dir or (Path(chosen) if chosen else None)
    if out_dir is None:
        print(
            "No backup made: name a folder with --out, or choose the backup folder on the "
            "app's Retention page.",
            file=sys.stderr,
        )
        return 1
    written = write_backup(store, out_dir, actor=actor, now=clock.now())
    say(f"Backed up {store.path} to {written}.")
    return 0


def run_backup_through_the_app(out_dir: Path | None) -> int:
    """The app holds the store: ask it to make the backup, into the folder chosen on its
    Retention page, and wait for its answer."""
    print("The app holds the store; asking it to make the backup...", file=sys.stderr)
    try:
        written = request_backup(database_path(), out_dir)
    except BackupUnanswered as problem:
        print(f"No backup made: {problem}.", file=sys.stderr)
        return 1
    print(f"Backed up {database_path()} to {written} (made by the running app).")
    return 0


def run_restore(source: Path, actor: str) -> int:
    try:
        counts = restore_backup(source, database_path(), actor=actor, now=clock.now())
    except RestoreRefused as refusal:
        print(f"Nothing restored: {refusal}.", file=sys.stderr)
        return 1
    except StoreInUse as in_use:
        print(f"{in_use}\n  (The store: {database_path()}.)", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"Nothing restored: {describe_failure(error)}.", file=sys.stderr)
        return 1
    listed = ", ".join(f"{table} {rows}" for table, rows in counts.items())
    print(f"Restored {database_path()} from {find_backup(source)}: {listed}.")
    return 0


def audit_verify_command(db_path: Path | str) -> tuple[int, str]:
    """`python -m analytics audit verify`: (0, message) when the trail is whole, (1, message
    naming the first bad row and why) when not, (2, message) when the store cannot be read.
    The store is opened read-only, and never migrated or keyed here."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return 2, f"There is no store at {db_path}."
    try:
        verdict = verify_audit_trail_file(db_path)
    except duckdb.Error as error:
        held_by = re.search(r"\(PID (\d+)\)", str(error))
        if held_by:
            return 2, f"The store is in use by another process (PID {held_by[1]}); stop it first."
        return 2, f"The store {db_path} cannot be opened: {error}"
    if verdict.whole:
        return 0, verdict.message
    where = f"row {verdict.first_bad_row}: " if verdict.first_bad_row is not None else ""
    return 1, f"The audit trail is NOT whole ({where}{verdict.problem}). {verdict.message}"
