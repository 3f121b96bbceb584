"""The audit trail: one appended row for every write, inside the write's own transaction."""

from __future__ import annotations

import getpass

import duckdb
import pandas as pd

from analytics.store import Store


def record_audit(
    cursor: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    record_type: str | None = None,
    record_id: int | str | None = None,
    *,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit row through the writer's cursor, so it commits with the write."""
    cursor.execute(
        "INSERT INTO audit_log (actor, action, record_type, record_id, reason, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [actor, action, record_type, None if record_id is None else str(record_id), reason, detail],
    )


def command_line_actor() -> str:
    """Who a command-line write is by: the operating-system user."""
    return f"os:{getpass.getuser()}"


def load_audit_trail(store: Store, *, limit: int = 1000) -> pd.DataFrame:
    """The most recent audit rows, newest first."""
    return store.read(
        "SELECT occurred_at, actor, action, record_type, record_id, reason, detail "
        "FROM audit_log ORDER BY id DESC LIMIT ?",
        [limit],
    )
