"""Opening a store ready for its records: where it lives, its migrations applied once
each, its audit chain keyed and its person pseudonyms under the current key.

Importing this module also has every commit record the audit trail's newest row outside
the store (the tail file), which the store itself knows nothing of.
"""

from __future__ import annotations

import os
from datetime import datetime
from importlib import resources
from pathlib import Path

from analytics.paths import DATA_FOLDER
from analytics.records.audit_keying import prepare_audit_chain
from analytics.records.audit_tail import write_audit_tail
from analytics.records.audit_verify import verify_trail_before_upgrade
from analytics.records.pseudonyms import rekey_person_pseudonyms
from analytics.records.store import Store, run_after_every_commit, run_before_every_commit
from analytics.records.vouching import (
    needs_vouching_upgrade,
    vouch_before_commit,
    vouch_existing_records,
)

DEFAULT_DB_PATH = DATA_FOLDER / "dashboard.duckdb"
DB_PATH_VARIABLE = "DASHBOARD_DB"

# Every write vouches for the records it leaves (on its newest audit row) as it commits, and
# the newest audit row is also recorded outside the store once it has committed.
run_before_every_commit(vouch_before_commit)
run_after_every_commit(write_audit_tail)


def database_path() -> Path:
    """Where the store lives: $DASHBOARD_DB if set, else the file under data/."""
    configured = os.environ.get(DB_PATH_VARIABLE, "").strip()
    return Path(configured) if configured else DEFAULT_DB_PATH


def open_store(path: Path | str | None = None, *, now: datetime) -> Store:
    """Open (creating if need be) the store at path, or at database_path(), migrate it, and
    make sure its audit trail is keyed (analytics.records.audit_keying.prepare_audit_chain); now
    dates what opening may record on the trail (a trail or pseudonyms keyed)."""
    store = Store(Path(path) if path is not None else database_path())
    apply_migrations(store)
    prepare_audit_chain(store, now=now)
    rekey_person_pseudonyms(store, now=now)
    if needs_vouching_upgrade(store):
        vouch_existing_records(store, now=now, trail_verdict=verify_trail_before_upgrade(store))
    return store


def migration_files() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package as (version, name, sql), in order."""
    found = []
    for entry in resources.files("analytics.records.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(version), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def apply_migrations(store: Store) -> list[int]:
    """Apply, each in its own transaction, the migrations the store has not yet had."""
    with store.transaction() as cursor:
        cursor.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name VARCHAR NOT NULL,
                applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )
            """
        )
    applied = {row[0] for row in store.read_rows("SELECT version FROM schema_migrations")}
    newly_applied = []
    for version, name, sql in migration_files():
        if version in applied:
            continue
        with store.transaction() as cursor:
            cursor.execute(sql)
            cursor.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        newly_applied.append(version)
    if newly_applied:
        # Keep the schema out of the write-ahead log: replaying views and macros after a
        # crash makes DuckDB fetch an extension from the internet, which a school's
        # server may not reach. Data alone replays without it.
        store.checkpoint()
    return newly_applied
