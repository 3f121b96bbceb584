"""The key under which figures made from the store may be cached: the newest write's."""

from __future__ import annotations

from analytics.records.store import Store


def load_newest_audit_row(store: Store) -> tuple[int, str | None] | None:
    """The newest audit row's id and chain value; None while the trail is empty."""
    rows = store.read_rows("SELECT id, chain FROM audit_log ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else None


def load_latest_change(store: Store) -> tuple[int, str]:
    """The newest audit row's id and chain value. Every write that can change a figure
    writes an audit row in its own transaction, so this moves on with each one. Unlike a
    counter kept in memory, it is the same for a new store object on the same file, and a
    restored or replaced file (another history) has another chain value even where the
    numbers meet."""
    newest = load_newest_audit_row(store)
    return (newest[0], newest[1] or "") if newest else (0, "")
