"""What the process holds once for every session: the store (opened, migrated and seeded
on first use), the term calendar, and the Overview's figures cached until the next write."""

from __future__ import annotations

import atexit
import sys
from datetime import date
from pathlib import Path

import streamlit as st

from analytics.access import issue_setup_code
from analytics.figures import (
    Disclosed,
    Scope,
    disclose_overview,
)
from analytics.records import (
    Store,
    StoreInUse,
    database_path,
    load_latest_change,
)
from analytics.service import (
    open_dashboard_store,
    serve_backup_requests,
)
from analytics.terms import TermCalendar, load_term_calendar, terms_path
from ui import clock


@st.cache_resource(show_spinner=False, on_release=lambda store: store.close())
def _store_at(path: str) -> Store:
    store = open_dashboard_store(get_calendar(), path, now=clock.now())
    announce_setup_code(store)
    # While the app holds the file, command-line backups are made here, on request.
    serve_backup_requests(store, clock=clock.now)
    # Close (and checkpoint) on the way out, even though the backup thread still holds it.
    atexit.register(store.close)
    return store


def announce_setup_code(store: Store) -> None:
    """On a store with no account, print the one-time setup code on the server's console,
    as Jupyter prints its token: only someone who can see the server can take the store."""
    code = issue_setup_code(store, now=clock.now())
    if code:
        print(
            f"\n  This store has no account yet. To create the headteacher's account, open the "
            f"app and enter this one-time setup code:\n\n      {code}\n",
            file=sys.stderr,
            flush=True,
        )


def get_store() -> Store:
    """The one store of this process, opened (migrated and seeded) on first use. If another
    process holds it, the page says so plainly, naming that process, and stops."""
    try:
        return _store_at(str(database_path()))
    except StoreInUse as in_use:
        st.error(str(in_use))
        st.stop()


@st.cache_resource(show_spinner=False)
def _calendar_from(path: str, modified: float) -> TermCalendar:
    return load_term_calendar(Path(path))


def get_calendar() -> TermCalendar:
    """The school's term calendar, read again whenever its file changes."""
    return _calendar_from(*_terms_stamp())


def _terms_stamp() -> tuple[str, float]:
    path = terms_path()
    return str(path), path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(max_entries=64, show_spinner=False)
def _overview_at(
    path: str,
    latest_change: tuple[int, str],
    terms: tuple,
    scope: Scope,
    today: date,
    audience: str,
    threshold: int,
    _store: Store,
    _calendar,
) -> Disclosed:
    return disclose_overview(
        _store, scope, _calendar, today=today, audience=audience, threshold=threshold
    )


def cached_overview(
    store: Store, scope: Scope, calendar: TermCalendar, today: date, audience: str, threshold: int
) -> Disclosed:
    """The overview's figures as the audience may see them, computed once per scope, day
    and audience until the next write.

    Every write that can change a figure adds an audit row, so the newest row is the key:
    a cached figure is never out of date, even for a new store object or a restored file.
    """
    return _overview_at(
        str(store.path), load_latest_change(store), _terms_stamp(), scope, today, audience,
        threshold, store, calendar,
    )  # fmt: skip
