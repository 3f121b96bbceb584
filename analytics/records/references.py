"""A case's id from its reference: the lookup the register and the audit trail's filter share."""

from __future__ import annotations

from analytics.records.store import Store

_CASE_ID = "SELECT id FROM incidents WHERE reference = ?"


def find_case_id(store: Store, reference: str) -> int | None:
    """The id of the case with this reference, if there is one."""
    with store.cursor() as cursor:
        return find_case_id_in(cursor, reference)


def find_case_id_in(cursor, reference: str) -> int | None:
    """The same, read through the caller's cursor (inside its write transaction, say)."""
    rows = cursor.execute(_CASE_ID, [reference]).fetchall()
    return rows[0][0] if rows else None
