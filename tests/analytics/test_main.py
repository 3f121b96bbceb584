"""python -m analytics, run as a real process against a store named by DASHBOARD_DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.register import count_cases
from analytics.store import open_store
from tests.conftest import SAMPLE_CSV

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cli.duckdb"


def run_cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    environment = os.environ | {"DASHBOARD_DB": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cases_in(db_path: Path) -> int:
    store = open_store(db_path)
    try:
        return count_cases(store)
    finally:
        store.close()


def test_import_then_export_gives_the_same_cases(db_path, tmp_path):
    imported = run_cli(db_path, "import", str(SAMPLE_CSV))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 5 new case(s)" in imported.stdout
    again = run_cli(db_path, "import", str(SAMPLE_CSV))
    assert "Imported 0 new case(s)" in again.stdout and "5 already in the store" in again.stdout
    out = tmp_path / "out.csv"
    exported = run_cli(db_path, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_text(encoding="utf-8") == SAMPLE_CSV.read_text(encoding="utf-8")


def test_a_bad_file_exits_non_zero_names_every_bad_line_and_imports_nothing(db_path, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "reference,reported_on,categories\nA,2026-01-01,racist\nB,,racist\nC,2026-01-01,rude\n",
        encoding="utf-8",
    )
    result = run_cli(db_path, "import", str(bad))
    assert result.returncode == 1
    assert "nothing imported" in result.stderr
    assert "line 3, reported_on: is required" in result.stderr
    assert "line 4, categories: 'rude' is not a known code" in result.stderr
    assert "line 2" not in result.stderr
    assert cases_in(db_path) == 0


def test_demo_loads_refuses_real_cases_and_removes(db_path):
    loaded = run_cli(db_path, "demo", "--incidents", "40", "--seed", "2")
    assert loaded.returncode == 0, loaded.stderr
    assert cases_in(db_path) == 40
    removed = run_cli(db_path, "demo", "--remove")
    assert "Removed 40 demonstration case(s)" in removed.stdout
    run_cli(db_path, "import", str(SAMPLE_CSV))
    refused = run_cli(db_path, "demo", "--incidents", "10")
    assert refused.returncode == 1
    assert "holds 5 real case(s)" in refused.stderr
    assert cases_in(db_path) == 5


def test_command_line_writes_are_audited_as_the_os_user(db_path):
    run_cli(db_path, "import", str(SAMPLE_CSV))
    store = open_store(db_path)
    actors = store.read_rows("SELECT actor, action FROM audit_log")
    store.close()
    assert len(actors) == 1 and actors[0][0].startswith("os:")


def test_a_missing_file_is_a_plain_message(db_path, tmp_path):
    result = run_cli(db_path, "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_store_held_by_another_process_gets_a_plain_message(db_path):
    holder = open_store(db_path)
    try:
        result = run_cli(db_path, "export", str(db_path.with_suffix(".csv")))
    finally:
        holder.close()
    assert result.returncode == 2
    assert "in use by another program" in result.stderr
    assert "Traceback" not in result.stderr
