"""The DuckDB store: one connection per process, a cursor per query, one lock for writes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "dashboard.duckdb"
DB_PATH_VARIABLE = "DASHBOARD_DB"
# How every connection to a store is opened (the app, the command line, backup, restore).
OFFLINE = {"autoinstall_known_extensions": False}


def database_path() -> Path:
    """Where the store lives: $DASHBOARD_DB if set, else the file under data/."""
    configured = os.environ.get(DB_PATH_VARIABLE, "").strip()
    return Path(configured) if configured else DEFAULT_DB_PATH


class Store:
    """A DuckDB file opened once, shared by every session of the process.

    A bare connection shared across threads returns wrong (empty) results under load, so
    every read takes its own cursor. Two writers updating one row conflict, so every write
    holds one process-wide lock and runs in one transaction.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Never fetch an extension: replaying a schema change from the write-ahead log after
        # a crash would otherwise try to download one, and a school's server may be offline.
        # The functions built into the Python package serve instead.
        self._connection = duckdb.connect(str(self.path), config=OFFLINE)
        self._write_lock = threading.Lock()
        self.closed = False
        # Counts committed writes, so results computed before a write can be told apart.
        self.version = 0

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for reads that need several statements."""
        with self._connection.cursor() as cursor:
            yield cursor

    def read(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> pd.DataFrame:
        """Run one query on a fresh cursor and return its (small) result as a DataFrame."""
        with self._connection.cursor() as cursor:
            return cursor.execute(sql, params).df()

    def read_rows(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> list[tuple]:
        """Run one query on a fresh cursor and return its rows as tuples."""
        with self._connection.cursor() as cursor:
            return cursor.execute(sql, params).fetchall()

    def read_value(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        """Run one query on a fresh cursor and return the first column of its first row."""
        rows = self.read_rows(sql, params)
        return rows[0][0] if rows else None

    @contextmanager
    def transaction(self, *, bookkeeping: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the write lock and yield a cursor inside one transaction.

        Everything written through the cursor commits together, or not at all if the
        block raises. A bookkeeping write (a session's last-seen time) changes nothing any
        figure is made from, so it leaves the version, and every cached figure, as it is.
        """
        with self._write_lock, self._connection.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
            if not bookkeeping:
                self.version += 1

    def checkpoint(self) -> None:
        """Write everything in the write-ahead log into the database file."""
        with self._write_lock, self._connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with self._write_lock:
            self._connection.execute("CHECKPOINT")
            self._connection.close()


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating if need be) the store at path, or at database_path(), and migrate it."""
    store = Store(Path(path) if path is not None else database_path())
    apply_migrations(store)
    return store


def migration_files() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package as (version, name, sql), in order."""
    found = []
    for entry in resources.files("analytics.migrations").iterdir():
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
