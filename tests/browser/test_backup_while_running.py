"""The command-line backup while the app runs: the app makes it, the restore gives it back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from analytics.records.keys import key_path
from analytics.records.opening import open_store
from analytics.records.settings import BACKUP_FOLDER, record_setting
from analytics.service.backup import restore_backup
from tests.browser.conftest import PROJECT_ROOT, free_port, machine_now, running_app, sample_store

pytestmark = pytest.mark.browser


def test_backup_from_the_command_line_while_the_app_holds_the_store(page: Page, tmp_path):
    db_path = sample_store(tmp_path / "live.duckdb")
    # The folder the headteacher chose for backups: the only one the app writes them into.
    store = open_store(db_path, now=machine_now())
    record_setting(store, BACKUP_FOLDER, str(tmp_path / "backups"), actor="head", now=machine_now())
    store.close()
    with running_app(db_path, free_port()) as base_url:
        page.goto(base_url)  # the first visitor makes the app open its store
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        backup = subprocess.run(
            [sys.executable, "-m", "analytics", "backup", "--out", str(tmp_path / "backups")],
            cwd=PROJECT_ROOT, env=os.environ | {"DASHBOARD_DB": str(db_path)},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert backup.returncode == 0, backup.stderr
        assert "made by the running app" in backup.stdout
    (written,) = (tmp_path / "backups").glob("dashboard-backup-*.duckdb")
    # The key file is backed up apart from the store, and restored beside it.
    shutil.copy2(key_path(db_path), key_path(tmp_path / "restored.duckdb"))
    counts = restore_backup(
        written, tmp_path / "restored.duckdb", actor="os:test", now=machine_now()
    )
    assert (counts["incidents"], counts["accounts"]) == (5, 1)
