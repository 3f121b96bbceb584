"""The audit trail read for its page and its download: rows by filter, and the filters' choices."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from analytics.records.audit import CASE_RECORD_TYPE, ERASED
from analytics.records.references import find_case_id
from analytics.sql import load_query

if TYPE_CHECKING:
    from analytics.records.store import Store


def load_audit_trail(
    store: Store,
    *,
    actor: str | None = None,
    actions: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    case_id: int | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Audit rows, newest first, for one person, some actions, a span of days and one case
    (any of which may be left out). Text erased at disposal reads as ERASED."""
    return store.read(
        load_query("audit_trail"),
        {
            "actor": actor,
            "actions": actions or None,
            "start": start,
            "end": end,
            "case_id": case_id,
            "case_type": CASE_RECORD_TYPE,
            "erased": ERASED,
            "limit": limit,
        },
    )


def find_audit_case(store: Store, reference: str) -> int | None:
    """The id of the case with this reference, for filtering the trail by case; None if no
    case has it (a disposed case's reference is gone with its text)."""
    return find_case_id(store, reference.strip())


def list_audit_choices(store: Store) -> tuple[list[str], list[str]]:
    """Every person and every action on the trail, for its filters."""
    actors = [row[0] for row in store.read_rows("SELECT DISTINCT actor FROM audit_log ORDER BY 1")]
    actions = [
        row[0] for row in store.read_rows("SELECT DISTINCT action FROM audit_log ORDER BY 1")
    ]
    return actors, actions
