"""Faults: a killed writer loses no committed case; a stopped import writes nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import analytics.register
from analytics.demo import generate_demo_cases
from analytics.interchange import COLUMNS, ImportRejected, import_cases
from analytics.register import count_cases
from analytics.store import open_store
from tests.conftest import TODAY

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Logs cases one by one, printing each reference once its transaction has committed.
WRITER = """
import sys
from datetime import date
from analytics.cases import Case, EscalationStep
from analytics.register import record_case, record_escalation
from analytics.store import open_store
store = open_store(sys.argv[1])
start = int(sys.argv[2])
for n in range(start, start + 100_000):
    case = Case(f"K-{n}", date(2026, 1, 12), ("complaints",), summary="x" * 500)
    incident_id = record_case(store, case, actor="writer", today=date(2026, 3, 15))
    record_escalation(store, incident_id, EscalationStep("written_warning", date(2026, 1, 13)),
                      actor="writer", today=date(2026, 3, 15))
    print(case.reference, flush=True)
"""


def test_killing_a_writer_ten_times_loses_no_committed_case(tmp_path):
    db_path = tmp_path / "killed.duckdb"
    open_store(db_path).close()
    committed: list[str] = []
    rng = random.Random(7)
    for round_number in range(10):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), str(round_number * 100_000)],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        # Wait for the first commit, then kill at a random moment in the stream of writes.
        committed.append(writer.stdout.readline().strip())
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(writer.pid, signal.SIGKILL)
        committed.extend(line.strip() for line in writer.stdout if line.strip())
        writer.wait()
        store = open_store(db_path)
        try:
            held = {row[0] for row in store.read_rows("SELECT reference FROM incidents")}
            assert set(committed) <= held, f"round {round_number}: committed cases lost"
            # A case is printed once its step has committed too: each has its step.
            stepped = {
                row[0]
                for row in store.read_rows(
                    "SELECT reference FROM incidents WHERE id IN "
                    "(SELECT incident_id FROM escalation_actions)"
                )
            }
            assert set(committed) <= stepped
        finally:
            store.close()
    assert len(committed) >= 10


def demo_csv(count: int) -> str:
    lines = [",".join(COLUMNS)]
    for case in generate_demo_cases(count, seed=3, today=TODAY):
        lines.append(
            f"{case.reference},{case.reported_on},,,{';'.join(case.categories)}"
            + "," * (len(COLUMNS) - 5)
        )
    return "\n".join(lines) + "\n"


def test_an_import_that_fails_half_way_writes_nothing(store, monkeypatch):
    text = demo_csv(500)
    # Fail after the cases are inserted and before their steps: the transaction rolls back.
    monkeypatch.setattr(analytics.register, "_INSERT_ACTIONS_BY_REFERENCE", "SELECT broken(")
    with pytest.raises(duckdb.ParserException):
        import_cases(store, text, actor="test", source="big.csv", today=TODAY)
    assert count_cases(store) == 0
    assert store.read_value("SELECT count(*) FROM audit_log") == 0


def test_an_import_killed_half_way_leaves_all_or_nothing(tmp_path):
    db_path, csv_path = tmp_path / "import.duckdb", tmp_path / "big.csv"
    csv_path.write_text(demo_csv(20_000), encoding="utf-8")
    open_store(db_path).close()
    environment = os.environ | {"DASHBOARD_DB": str(db_path)}
    importer = subprocess.Popen(
        [sys.executable, "-m", "analytics", "import", str(csv_path)],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1.5)
    importer.kill()
    importer.wait()
    store = open_store(db_path)
    try:
        assert count_cases(store) in (0, 20_000)
    finally:
        store.close()


def test_a_bad_row_far_into_a_large_file_stops_the_whole_import(store):
    text = demo_csv(3_000).replace("DEMO-0002999,", "DEMO-0002999x,2030-01-01,", 1)
    with pytest.raises(ImportRejected):
        import_cases(store, text, actor="test", source="big.csv", today=TODAY)
    assert count_cases(store) == 0


# Creates a brand-new store (every migration) and then waits to be killed.
NEW_STORE = """
import sys, time
from analytics.store import open_store
store = open_store(sys.argv[1])
print("migrated", flush=True)
time.sleep(60)
"""


def test_a_new_store_killed_straight_after_migrating_opens_again(tmp_path):
    """Schema in the write-ahead log would need an extension download to replay."""
    db_path = tmp_path / "new.duckdb"
    creator = subprocess.Popen(
        [sys.executable, "-c", NEW_STORE, str(db_path)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert creator.stdout.readline().strip() == "migrated"
    os.kill(creator.pid, signal.SIGKILL)
    creator.wait()
    store = open_store(db_path)
    try:
        assert store.read_value("SELECT count(*) FROM schema_migrations") >= 4
        everything = (
            "SELECT count(*) FROM cases_in_scope(DATE '2020-01-01', DATE '2030-01-01', NULL, NULL)"
        )
        assert store.read_value(everything) == 0
    finally:
        store.close()
