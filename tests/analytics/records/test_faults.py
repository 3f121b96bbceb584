"""Faults: a killed writer loses no committed case; a stopped import writes nothing; a
rewrite killed at any point leaves a whole store; a full disk is told plainly."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import analytics.cases.register
from analytics.cases.demo import generate_demo_cases, load_demo_data
from analytics.cases.interchange import COLUMNS, ImportRejected, import_cases
from analytics.cases.register import count_cases
from analytics.records.opening import (
    migration_files,
    open_store,
)
from analytics.records.store import (
    describe_failure,
    rewrite_path,
)
from analytics.service.backup import TABLES
from analytics.service.opening import open_dashboard_store
from analytics.terms import TermCalendar
from tests.conftest import NOW, PINNED_NOW, TODAY

PROJECT_ROOT = Path(__file__).resolve().parents[3]

# A child process reads no clock: it dates its writes as the tests date their own.
CHILD_CLOCK = f"import datetime\nNOW = {PINNED_NOW!r}\n"

# Child-process code shared by the fault tests: the store's transactions can be stopped at a
# named point. pause(point) reports the point on standard output and then blocks until it is
# killed; a transaction opened while `pausing["in_transaction"]` names a point stops there
# with every statement written and COMMIT not yet run.
PAUSABLE_STORE = (
    CHILD_CLOCK
    + """
import sys
from contextlib import contextmanager
from analytics.records.opening import migration_files, open_store

store = open_store(sys.argv[1], now=NOW)
pausing = {"in_transaction": None}


def pause(point):
    print(point, flush=True)
    sys.stdin.readline()  # never answered: the test kills the process here


_transaction = store.transaction


@contextmanager
def pausable_transaction():
    with _transaction() as cursor:
        yield cursor
        if pausing["in_transaction"]:
            pause(pausing["in_transaction"])


store.transaction = pausable_transaction
"""
)

# Logs cases one by one, printing each reference once its case and its step have committed;
# the case after the first COMMITS of them stops at the point PAUSE_AT names.
WRITER = (
    PAUSABLE_STORE
    + """
from datetime import date
from analytics.cases.rules import Case, EscalationStep
from analytics.cases.register import record_case, record_escalation
start, commits, pause_at = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
now = datetime.datetime(2026, 3, 15, 10)  # TODAY's moment (tests/conftest.py's NOW)
for n in range(start, start + commits + 1):
    paused = n == start + commits
    case = Case(f"K-{n}", date(2026, 1, 12), ("complaints",), summary="x" * 500)
    pausing["in_transaction"] = "case written" if paused and pause_at == "case written" else None
    incident_id = record_case(store, case, actor="writer", now=now)
    pausing["in_transaction"] = "step written" if paused and pause_at == "step written" else None
    record_escalation(store, incident_id, EscalationStep("written_warning", date(2026, 1, 13)),
                      actor="writer", now=now)
    if paused:
        pause("step committed")
    print(case.reference, flush=True)
"""
)

# Where a writer can be stopped, and what the store must then hold of the case in flight.
CASE_IN_FLIGHT_AFTER_KILL = {
    "case written": "absent",  # inside the case's transaction, before COMMIT
    "step written": "without its step",  # the case committed; the step's COMMIT not yet run
    "step committed": "with its step",
}


def start_paused(script: str, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """Run a child script until it reports its pause point; return it and what it printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    printed = []
    for line in child.stdout:
        printed.append(line.strip())
        if line.strip() in CASE_IN_FLIGHT_AFTER_KILL or line.strip() in IMPORT_AFTER_KILL:
            break
    assert printed and printed[-1] != "", "the child ended before reaching its pause point"
    return child, printed


def kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdin.close()
    child.stdout.close()


def kill_writer_at(db_path: Path, round_number: int, commits: int, point: str) -> list[str]:
    """Kill a writer at point after it commits some cases; check the store; return them."""
    first = round_number * 1_000
    writer, printed = start_paused(WRITER, str(db_path), str(first), str(commits), point)
    assert printed[-1] == point
    kill(writer)
    committed, in_flight = printed[:-1], f"K-{first + commits}"
    assert committed == [f"K-{n}" for n in range(first, first + commits)]

    store = open_store(db_path, now=PINNED_NOW)
    try:
        steps = dict(
            store.read_rows(
                "SELECT i.reference, count(a.action) FROM incidents i "
                "LEFT JOIN escalation_actions a ON a.incident_id = i.id GROUP BY i.reference"
            )
        )
        logged = store.read_value("SELECT count(*) FROM audit_log WHERE action = 'case logged'")
    finally:
        store.close()
    assert all(steps.get(reference) == 1 for reference in committed), "committed cases lost"
    held = {
        None: "absent", 0: "without its step", 1: "with its step"
    }[steps.get(in_flight)]  # fmt: skip
    assert held == CASE_IN_FLIGHT_AFTER_KILL[point], f"round {round_number}: {in_flight} {held}"
    # The audit trail commits with its write: one "case logged" row for each case held.
    assert logged == len(steps)
    return committed


def test_a_writer_killed_at_each_point_of_a_write_keeps_exactly_what_committed(tmp_path):
    db_path = tmp_path / "killed.duckdb"
    open_store(db_path, now=PINNED_NOW).close()
    for round_number, point in enumerate(CASE_IN_FLIGHT_AFTER_KILL):
        kill_writer_at(db_path, round_number, commits=3, point=point)


@pytest.mark.soak
def test_killing_a_writer_ten_times_loses_no_committed_case(tmp_path):
    db_path = tmp_path / "killed.duckdb"
    open_store(db_path, now=PINNED_NOW).close()
    rng = random.Random(7)
    committed: list[str] = []
    for round_number in range(10):
        point = rng.choice(list(CASE_IN_FLIGHT_AFTER_KILL))
        committed += kill_writer_at(db_path, round_number, rng.randint(0, 60), point)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        held = {row[0] for row in store.read_rows("SELECT reference FROM incidents")}
    finally:
        store.close()
    assert set(committed) <= held


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
    real = analytics.cases.register.load_query
    monkeypatch.setattr(
        analytics.cases.register,
        "load_query",
        lambda name: "SELECT broken(" if name == "insert_actions_by_reference" else real(name),
    )
    with pytest.raises(duckdb.ParserException):
        import_cases(store, text, actor="test", source="big.csv", now=NOW)
    assert count_cases(store) == 0
    assert store.read_value("SELECT count(*) FROM audit_log") == 0


# Imports a CSV file as the command line does, stopping at the point argv[3] names.
IMPORTER = (
    PAUSABLE_STORE
    + """
from pathlib import Path
from analytics.cases.interchange import import_cases_file
path, pause_at = Path(sys.argv[2]), sys.argv[3]
pausing["in_transaction"] = "import written" if pause_at == "import written" else None
import_cases_file(store, path, actor="importer", now=NOW)
pause("import committed")
"""
)

# Where an import can be stopped, and how many of its cases the store must then hold.
IMPORT_AFTER_KILL = {"import written": 0, "import committed": 20_000}


@pytest.mark.parametrize("point", IMPORT_AFTER_KILL)
def test_an_import_killed_half_way_leaves_all_or_nothing(tmp_path, point):
    db_path, csv_path = tmp_path / "import.duckdb", tmp_path / "big.csv"
    csv_path.write_text(demo_csv(20_000), encoding="utf-8")
    open_store(db_path, now=PINNED_NOW).close()
    importer, printed = start_paused(IMPORTER, str(db_path), str(csv_path), point)
    assert printed == [point]
    kill(importer)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert count_cases(store) == IMPORT_AFTER_KILL[point]
    finally:
        store.close()


def test_a_bad_row_far_into_a_large_file_stops_the_whole_import(store):
    text = demo_csv(3_000).replace("DEMO-0002999,", "DEMO-0002999x,2030-01-01,", 1)
    with pytest.raises(ImportRejected):
        import_cases(store, text, actor="test", source="big.csv", now=NOW)
    assert count_cases(store) == 0


# Creates a brand-new store (every migration) and then waits to be killed.
NEW_STORE = (
    CHILD_CLOCK
    + """
import sys
from analytics.records.opening import migration_files, open_store
store = open_store(sys.argv[1], now=NOW)
print("migrated", flush=True)
sys.stdin.readline()  # never answered: the test kills the process here
"""
)


def test_a_new_store_killed_straight_after_migrating_opens_again(tmp_path):
    """Schema in the write-ahead log would need an extension download to replay."""
    db_path = tmp_path / "new.duckdb"
    creator = subprocess.Popen(
        [sys.executable, "-c", NEW_STORE, str(db_path)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert creator.stdout.readline().strip() == "migrated"
    kill(creator)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert store.read_value("SELECT count(*) FROM schema_migrations") >= 4
        everything = (
            "SELECT count(*) FROM cases_in_scope(DATE '2020-01-01', DATE '2030-01-01', NULL, NULL)"
        )
        assert store.read_value(everything) == 0
    finally:
        store.close()


# Applies the migrations up to 004 with a case, then the rest, and stops after their COMMIT
# and before the CHECKPOINT that would write them into the file: the schema change is only
# in the write-ahead log when the test kills it.
MIGRATING = """
import sys
import analytics.records.opening as store_module
from analytics.records.opening import apply_migrations, migration_files
from analytics.records.store import Store
every = migration_files()
store_module.migration_files = lambda: [m for m in every if m[0] < 5]
store = Store(sys.argv[1])
apply_migrations(store)
with store.transaction() as cursor:
    cursor.execute("INSERT INTO incidents (reference, reported_on, categories) "
                   "VALUES ('K-1', DATE '2025-01-06', ['complaints'])")
store.checkpoint()
store_module.migration_files = lambda: every


def stop_before_checkpoint():
    print("migrated, not checkpointed", flush=True)
    sys.stdin.readline()  # never answered: the test kills the process here


store.checkpoint = stop_before_checkpoint
apply_migrations(store)
"""


def test_a_store_killed_between_a_migrations_commit_and_its_checkpoint_opens_offline(tmp_path):
    """Replaying `ALTER TABLE incidents ADD COLUMN` (a table whose CHECKs use list
    functions) once made DuckDB fetch an extension; every connection now opens offline."""
    db_path = tmp_path / "upgrading.duckdb"
    migrating = subprocess.Popen(
        [sys.executable, "-c", MIGRATING, str(db_path)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert migrating.stdout.readline().strip() == "migrated, not checkpointed"
    kill(migrating)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert store.read_rows("SELECT reference, stage FROM incidents") == [("K-1", "open")]
        versions = {row[0] for row in store.read_rows("SELECT version FROM schema_migrations")}
        assert versions == {version for version, _, _ in migration_files()}
    finally:
        store.close()


# ---------------------------------------------------------------- a rewrite killed

# Rewrites the store (analytics.records.store.Store.rewrite), stopping at the point argv[2] names:
# "copied" (the fresh copy whole beside the store, not yet renamed over it), "renamed" (the
# copy in place, the old connection not yet closed), or "rewritten" (all done).
REWRITER = (
    CHILD_CLOCK
    + """
import os
import sys
from analytics.records.opening import open_store

path, pause_at = sys.argv[1], sys.argv[2]
store = open_store(path, now=NOW)
rename = os.replace


def pause(point):
    print(point, flush=True)
    sys.stdin.readline()  # never answered: the test kills the process here


def pausing_rename(source, target):
    if pause_at == "copied":
        pause("copied")
    rename(source, target)
    if pause_at == "renamed":
        pause("renamed")


os.replace = pausing_rename
store.rewrite()
pause("rewritten")
"""
)

SECRET = "Quokka-vellum 5521: a pupil's name that must not outlive its case"


@pytest.mark.parametrize("point", ["copied", "renamed", "rewritten"])
def test_a_rewrite_killed_at_each_point_leaves_a_store_that_opens_with_everything(tmp_path, point):
    path = tmp_path / "rewrite.duckdb"
    store = open_store(path, now=PINNED_NOW)
    try:
        load_demo_data(store, 30, actor="test", now=NOW)
        with store.transaction() as cursor:
            cursor.execute(
                "INSERT INTO incidents (reference, reported_on, categories, summary) "
                "VALUES ('S-1', DATE '2026-01-05', ['racist'], ?)",
                [SECRET],
            )
        store.checkpoint()
        with store.transaction() as cursor:
            cursor.execute("DELETE FROM incidents WHERE reference = 'S-1'")
        before = everything(store)
    finally:
        store.close()
    assert SECRET.encode() in path.read_bytes()

    rewriter = subprocess.Popen(
        [sys.executable, "-c", REWRITER, str(path), point],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert rewriter.stdout.readline().strip() == point
    kill(rewriter)

    # Before the rename the old file is whole; from the rename on, the new one is.
    assert (SECRET.encode() in path.read_bytes()) == (point == "copied")
    store = open_store(path, now=PINNED_NOW)
    try:
        assert everything(store) == before
    finally:
        store.close()
    assert not rewrite_path(path).exists()  # a copy left by the kill is gone


def everything(store) -> dict[str, list[tuple]]:
    return {table: store.read_rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}


# ---------------------------------------------------------------- a full disk

# Runs `python -m analytics import FILE` in this process, the disk "filling" at the point
# argv[3] names: "opened" (before the import writes anything) or "committed" (after its
# commit, before the store is closed and checkpointed). A full disk is stood in for by
# RLIMIT_FSIZE 0: every write that would grow a file then fails ("File too large") as
# writes on a full disk fail ("No space left on device"); SIGXFSZ is ignored so the write
# fails instead of the process dying.
FILLING_DISK = """
import resource
import signal
import sys
import analytics.cli.program as cli
from analytics.records.store import Store

db_path, csv_path, fill_at = sys.argv[1], sys.argv[2], sys.argv[3]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def fill_disk():
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


open_dashboard_store, close = cli.open_dashboard_store, Store.close


def opened_then_full(*args, **kwargs):
    store = open_dashboard_store(*args, **kwargs)
    fill_disk()
    return store


def full_then_closed(store):
    fill_disk()
    close(store)


if fill_at == "opened":
    cli.open_dashboard_store = opened_then_full
else:
    Store.close = full_then_closed
sys.exit(cli.main(["import", csv_path]))
"""


def import_on_a_filling_disk(db_path: Path, csv_path: Path, fill_at: str):
    return subprocess.run(
        [sys.executable, "-c", FILLING_DISK, str(db_path), str(csv_path), fill_at],
        cwd=PROJECT_ROOT, env=os.environ | {"DASHBOARD_DB": str(db_path)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def ready_store(tmp_path) -> tuple[Path, Path]:
    """A store already made (migrated, seeded, keyed) and a file of 300 cases to import."""
    db_path, csv_path = tmp_path / "full.duckdb", tmp_path / "cases.csv"
    open_dashboard_store(TermCalendar(), db_path, now=PINNED_NOW).close()
    csv_path.write_text(demo_csv(300), encoding="utf-8")
    return db_path, csv_path


def test_an_import_on_a_full_disk_claims_nothing_and_names_the_cause(ready_store):
    db_path, csv_path = ready_store
    result = import_on_a_filling_disk(db_path, csv_path, "opened")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "Nothing imported: File too large."
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert count_cases(store) == 0
    finally:
        store.close()


def test_an_import_committed_before_the_disk_filled_says_where_it_is_kept(ready_store):
    db_path, csv_path = ready_store
    result = import_on_a_filling_disk(db_path, csv_path, "committed")
    assert result.returncode == 1
    assert result.stdout.startswith("Imported 300 new case(s)")
    assert result.stderr.strip() == (
        "But the store file could not be brought up to date: File too large. What was "
        f"committed is kept in {db_path}.wal and is written into the store the next time it "
        "opens; make room on the disk first."
    )
    assert "Traceback" not in result.stderr
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert count_cases(store) == 300
    finally:
        store.close()


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (
            duckdb.IOException(
                'IO Error: Could not write file "/srv/s.duckdb.wal": No space left on device'
            ),
            "No space left on device",
        ),
        (
            duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "/x.wal": '
                "File too large"
            ),
            "File too large",
        ),
    ],
)
def test_the_cause_of_a_failed_write_is_told_plainly(error, cause):
    assert describe_failure(error) == cause
