"""AppTest fixtures: the app on its own DuckDB file under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import Store, open_store

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


@pytest.fixture
def app(db_path) -> AppTest:
    """The app, run once from its entry script, on an empty store."""
    return AppTest.from_file(APP, default_timeout=30).run()


def open_page(app: AppTest, page: str, **query_params: str) -> AppTest:
    for name, value in query_params.items():
        app.query_params[name] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def app_store() -> Store:
    """The store the app opened (the one st.cache_resource holds)."""
    from ui.shared import get_store

    return get_store()


def seeded(db_path: Path, seed) -> None:
    """Write to the app's file before the app opens it."""
    store = open_store(db_path)
    try:
        seed(store)
    finally:
        store.close()
