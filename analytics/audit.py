"""The audit trail: one appended row for every write, inside the write's own transaction.

The app only ever inserts here. Each row also carries a hash of its own fields and of the
row before it, so a row changed or deleted behind the app's back breaks the chain, and
verify_audit_chain says where.
"""

from __future__ import annotations

import hashlib
import os
import pwd
from datetime import date, datetime

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
    # Writers hold the store's write lock, so the last row cannot change under us.
    previous = cursor.execute(
        "SELECT chain FROM audit_log WHERE chain IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchall()
    fields = [
        datetime.now().replace(microsecond=0),
        actor,
        action,
        record_type,
        None if record_id is None else str(record_id),
        reason,
        detail,
    ]
    cursor.execute(
        "INSERT INTO audit_log "
        "(occurred_at, actor, action, record_type, record_id, reason, detail, chain) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [*fields, _link(previous[0][0] if previous else "", fields)],
    )


def verify_audit_chain(store: Store) -> int | None:
    """The id of the first row whose chain does not hold (changed, or one before it was
    deleted), or None when the whole trail is as written."""
    previous = ""
    rows = store.read_rows(
        "SELECT id, occurred_at, actor, action, record_type, record_id, reason, detail, chain "
        "FROM audit_log WHERE chain IS NOT NULL ORDER BY id"
    )
    for row_id, *fields, chain in rows:
        if chain != _link(previous, fields):
            return row_id
        previous = chain
    return None


def _link(previous: str, fields: list) -> str:
    text = "\x1f".join("" if value is None else str(value) for value in [previous, *fields])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_event(
    store: Store,
    actor: str,
    action: str,
    record_type: str | None = None,
    record_id: int | str | None = None,
    *,
    detail: str | None = None,
) -> None:
    """One audit row in a transaction of its own, for an act that writes nothing else (a
    download)."""
    with store.transaction() as cursor:
        record_audit(cursor, actor, action, record_type, record_id, detail=detail)


def command_line_actor() -> str:
    """Who a command-line write is by: the operating-system account the process runs as,
    from its user id (an environment variable such as LOGNAME could name anyone)."""
    return f"os:{pwd.getpwuid(os.getuid()).pw_name}"


def load_audit_trail(
    store: Store,
    *,
    actor: str | None = None,
    actions: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Audit rows, newest first, for one person, some actions and a span of days (any
    of which may be left out)."""
    return store.read(
        """
        SELECT occurred_at, actor, action, record_type, record_id, reason,
            CASE WHEN failures.attempts IS NULL THEN detail
                ELSE detail || ' (' || failures.attempts || ' in that minute)' END AS detail
        FROM audit_log
        -- Failed sign-ins are on the trail once per username and minute, counted beside it.
        LEFT JOIN sign_in_failures AS failures
            ON audit_log.action = 'sign-in failed'
            AND failures.username = audit_log.actor
            AND failures.minute = date_trunc('minute', audit_log.occurred_at)
        WHERE ($actor IS NULL OR actor = $actor)
            AND ($actions IS NULL OR list_contains($actions, action))
            AND ($start IS NULL OR CAST(occurred_at AS DATE) >= $start)
            AND ($end IS NULL OR CAST(occurred_at AS DATE) <= $end)
        ORDER BY id DESC
        LIMIT $limit
        """,
        {"actor": actor, "actions": actions or None, "start": start, "end": end, "limit": limit},
    )


def audit_trail_csv(trail: pd.DataFrame) -> str:
    """The trail as CSV, every cell safe to open in a spreadsheet: a username such as
    "=HYPERLINK(...)" from a failed sign-in stays text."""
    # Imported here: interchange writes through the register, which writes the trail.
    from analytics.interchange import protect_from_formulas

    def cell(value) -> str:
        return protect_from_formulas("" if pd.isna(value) else str(value))

    return trail.map(cell).to_csv(index=False)


def list_audit_choices(store: Store) -> tuple[list[str], list[str]]:
    """Every person and every action on the trail, for its filters."""
    actors = [row[0] for row in store.read_rows("SELECT DISTINCT actor FROM audit_log ORDER BY 1")]
    actions = [
        row[0] for row in store.read_rows("SELECT DISTINCT action FROM audit_log ORDER BY 1")
    ]
    return actors, actions
