"""The backup folder is chosen on the Retention page (an AppTest; it sits here beside the
backup tests, and may move to tests/views with the page's other tests)."""

from __future__ import annotations

import stat

import pytest

from analytics.records.settings import BACKUP_FOLDER, load_setting
from tests.views.conftest import app_as, app_store


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """The app's store, as tests/views/conftest.py makes it."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


def save_folder(app, folder: str):
    app.text_input(key="backup_folder").input(folder)
    next(b for b in app.button if b.label == "Save the backup folder").click().run()
    assert not app.exception, app.exception
    return app


def test_the_headteacher_chooses_the_backup_folder_and_it_is_made_private(db_path, tmp_path):
    app = app_as(db_path).run()
    app.switch_page("views/retention.py").run()
    folder = tmp_path / "school-backups"
    save_folder(app, str(folder))
    assert app.success[0].value == f"Backup folder set to {folder}."
    assert load_setting(app_store(), BACKUP_FOLDER) == str(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    save_folder(app, "school-backups")
    assert "must be a full path, starting with /" in app.error[0].value
    assert load_setting(app_store(), BACKUP_FOLDER) == str(folder)
