"""Opening the store ready for use: migrated, with the seeded policy register."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from analytics.policies import seed_policies
from analytics.records import (
    Store,
    open_store,
)
from analytics.terms import TermCalendar


def open_dashboard_store(
    calendar: TermCalendar, path: Path | str | None = None, *, now: datetime
) -> Store:
    """The store at path (default $DASHBOARD_DB), migrated, with data/policies.csv seeded,
    as opened at now."""
    store = open_store(path, now=now)
    seed_policies(store, calendar, now=now)
    return store
