"""AppTest fixtures: the app on its own DuckDB file under tmp_path."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import (
    count_accounts,
    load_account,
    load_accounts,
    record_account,
)
from analytics.access.sessions import record_session_start
from analytics.records.opening import open_store
from analytics.records.store import Store
from tests.conftest import PINNED_NOW, copy_store_files
from ui.auth import SESSION_TOKEN

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture
def db_path(tmp_path, monkeypatch, migrated_template) -> Path:
    """The app's store: a new one, migrated (a copy of the migrated template)."""
    path = copy_store_files(migrated_template, tmp_path / "app.duckdb")
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


PASSWORD = "correct horse battery"


def account_in(db_path: Path, role: str = "headteacher") -> int:
    """The id of an account with this role in the store at db_path, made if need be (the
    first account is always the headteacher's)."""
    store = open_store(db_path, now=PINNED_NOW)
    try:
        if count_accounts(store) == 0:
            record_account(
                store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
            )
        existing = [a for a in load_accounts(store) if a.role == role]
        if existing:
            return existing[0].id
        return record_account(
            store, role, f"A {role}", role, PASSWORD, actor="head", now=PINNED_NOW
        ).id
    finally:
        store.close()


def session_for(db_path: Path, account_id: int) -> str:
    """A session token for the account, as signing in would begin one."""
    store = open_store(db_path, now=PINNED_NOW)
    try:
        return record_session_start(
            store, load_account(store, account_id), how="test", now=PINNED_NOW
        )
    finally:
        store.close()


def app_as(db_path: Path, role: str = "headteacher") -> AppTest:
    """The app, not yet run, for someone signed in with this role (AppTest cannot send a
    cookie: the tab holds the session token, as a tab that has just signed in does)."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state[SESSION_TOKEN] = session_for(db_path, account_in(db_path, role))
    return app


@pytest.fixture
def app(db_path) -> AppTest:
    """The app, run once from its entry script, on an empty store, as the headteacher."""
    return app_as(db_path).run()


def open_page(app: AppTest, page: str, **query_params: str) -> AppTest:
    for name, value in query_params.items():
        app.query_params[name] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def app_store() -> Store:
    """The store the app opened (the one st.cache_resource holds)."""
    from ui.resources import (
        get_store,
    )

    return get_store()


def seeded(db_path: Path, seed) -> None:
    """Write to the app's file before the app opens it."""
    store = open_store(db_path, now=PINNED_NOW)
    try:
        seed(store)
    finally:
        store.close()


def plain(markdown: str) -> str:
    """A message as people read it: Markdown's backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


_DOWNLOAD_LINK = re.compile(r'<a href="([^"]+)" download[^>]*>([^<]*)</a>')


def download_links(app: AppTest) -> dict[str, str]:
    """Every download link the run drew, by its label: {label: url}."""
    links = {}
    for element in app.get("html"):
        for url, label in _DOWNLOAD_LINK.findall(element.proto.body):
            links[html.unescape(label)] = html.unescape(url)
    return links


def follow(app: AppTest, label: str):
    """Follow a download link as the browser would, with the tab's session in its cookie,
    through the server's own route; the response."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from analytics.access.sessions import SESSION_COOKIE
    from ui.routes import ROUTES

    client = TestClient(Starlette(routes=ROUTES))
    client.cookies.set(SESSION_COOKIE, app.session_state[SESSION_TOKEN])
    return client.get(download_links(app)[label])
