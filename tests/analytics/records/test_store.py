"""The store: migrations once and recorded, the file on disk and private, concurrency without
loss, a second process told who holds it, a rewrite that leaves nothing deleted behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics.cases.demo import load_demo_data
from analytics.cases.register import (
    CaseFilter,
    count_cases,
    load_case_list,
    record_case,
    record_escalation,
)
from analytics.cases.rules import EscalationStep
from analytics.records.opening import (
    DEFAULT_DB_PATH,
    apply_migrations,
    database_path,
    migration_files,
    open_store,
)
from analytics.records.store import (
    Store,
    StoreInUse,
    rewrite_path,
    wal_path,
    write_private_file,
)
from analytics.service.backup import TABLES
from tests.conftest import NOW, PINNED_NOW, TODAY, make_case

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_migrations_are_numbered_from_one_without_gaps():
    versions = [version for version, _, _ in migration_files()]
    assert versions == list(range(1, len(versions) + 1))


def test_opening_a_new_file_applies_and_records_every_migration(tmp_path):
    store = open_store(tmp_path / "new.duckdb", now=PINNED_NOW)
    try:
        recorded = store.read_rows("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        store.close()
    assert recorded == [(version, name) for version, name, _ in migration_files()]


def test_migrations_are_applied_once(store):
    assert apply_migrations(store) == []
    assert store.read_value("SELECT count(*) FROM schema_migrations") == len(migration_files())


def test_cases_survive_closing_and_reopening_the_file(tmp_path):
    path = tmp_path / "reopen.duckdb"
    first = open_store(path, now=PINNED_NOW)
    record_case(first, make_case(), actor="test", now=NOW)
    first.close()
    second = open_store(path, now=PINNED_NOW)
    assert count_cases(second) == 1
    assert second.read_value("SELECT count(*) FROM schema_migrations") == len(migration_files())
    second.close()


def test_database_path_follows_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("DASHBOARD_DB", raising=False)
    assert database_path() == DEFAULT_DB_PATH
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "elsewhere.duckdb"))
    assert database_path() == tmp_path / "elsewhere.duckdb"


def test_default_file_lives_under_data_and_is_git_ignored():
    assert DEFAULT_DB_PATH.parent.name == "data"
    ignored = (DEFAULT_DB_PATH.parents[1] / ".gitignore").read_text()
    assert "data/*.duckdb" in ignored


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError), store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO incidents (reference, reported_on, categories) "
            "VALUES ('A', DATE '2026-01-01', ['racist'])"
        )
        raise RuntimeError("stop half way")
    assert count_cases(store) == 0


@pytest.mark.parametrize(
    "cases_each",
    # Eight threads at once is the point, so `make test` has each write a few cases (the
    # barrier starts them together); `make soak` has each write many more.
    [pytest.param(5, id="quick"), pytest.param(100, marks=pytest.mark.soak, id="soak")],
)
def test_eight_threads_writing_and_reading_at_once_lose_nothing(store, cases_each):
    threads = 8
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(worker: int) -> int:
        start.wait()
        seen = 0
        try:
            for number in range(cases_each):
                incident_id = record_case(
                    store,
                    make_case(reference=f"T{worker}-{number}"),
                    actor=f"worker {worker}",
                    now=NOW,
                )
                # Updates of different cases interleave with inserts and reads.
                record_escalation(
                    store,
                    incident_id,
                    EscalationStep("written_warning", date(2026, 1, 20)),
                    actor=f"worker {worker}",
                    now=NOW,
                )
                listed = load_case_list(store, CaseFilter(), today=TODAY, row_limit=10_000)
                seen = max(seen, len(listed))
        except BaseException as error:
            errors.append(error)
        return seen

    with ThreadPoolExecutor(max_workers=threads) as pool:
        seen_counts = list(pool.map(work, range(threads)))

    assert errors == []
    assert count_cases(store) == threads * cases_each
    assert store.read_value("SELECT count(*) FROM escalation_actions") == threads * cases_each
    # Every read saw at least the cases its own thread had already written.
    assert min(seen_counts) >= cases_each
    assert store.read_value("SELECT count(*) FROM audit_log") == 2 * threads * cases_each


# ------------------------------------------------------------------ files only we can read


@pytest.fixture
def permissive_umask():
    """A umask that would leave new files readable by everyone (0644), as most shells set,
    so only the store's own care can make them private."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_its_log_and_its_new_folder_are_readable_by_their_owner_only(
    tmp_path, permissive_umask
):
    folder = tmp_path / "new" / "data"
    path = folder / "store.duckdb"
    store = open_store(path, now=PINNED_NOW)
    try:
        assert mode_of(folder) == mode_of(folder.parent) == 0o700
        assert mode_of(path) == 0o600
        record_case(store, make_case(), actor="test", now=NOW)
        wal = wal_path(path)
        assert wal.exists() and mode_of(wal) == 0o600
        # DuckDB deletes the log at a checkpoint and makes it again at the next write.
        store.checkpoint()
        assert not wal.exists()
        record_case(store, make_case(reference="2026-002"), actor="test", now=NOW)
        assert mode_of(wal) == 0o600
    finally:
        store.close()
    assert mode_of(path) == 0o600


def test_a_store_made_readable_by_others_is_made_private_when_opened(tmp_path):
    path = tmp_path / "old.duckdb"
    open_store(path, now=PINNED_NOW).close()
    os.chmod(path, 0o644)
    open_store(path, now=PINNED_NOW).close()
    assert mode_of(path) == 0o600


def test_a_private_file_replaces_a_readable_one_whole(tmp_path, permissive_umask):
    path = tmp_path / "export.csv"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private_file(path, b"new")
    assert path.read_bytes() == b"new" and mode_of(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]  # no temporary file left


# ---------------------------------------------------------------- a second process


# The child reads no clock: it opens the store at the tests' own PINNED_NOW.
HOLDER = f"""
import datetime
import sys
from analytics.records.opening import open_store
store = open_store(sys.argv[1], now={PINNED_NOW!r})
print("holding", flush=True)
sys.stdin.readline()
store.close()
"""


def test_a_second_process_is_told_which_process_holds_the_store(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreInUse) as raised:
            open_store(path, now=PINNED_NOW)
    finally:
        holder.communicate("\n")
    assert raised.value.pid == holder.pid
    assert str(raised.value) == (
        f"The store is in use by another process (PID {holder.pid}); stop it first."
    )
    open_store(path, now=PINNED_NOW).close()  # free again once the holder has stopped


# ----------------------------------------------------------------------- rewriting


SECRET = "Zebra-quartz 7741: the child's name and the parent's threat, never to be kept"


def raw_bytes_of(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, wal_path(path)) if p.exists())


def test_a_rewrite_leaves_no_trace_of_deleted_text_in_the_file(tmp_path, permissive_umask):
    path = tmp_path / "rewritten.duckdb"
    store = open_store(path, now=PINNED_NOW)
    try:
        load_demo_data(store, 40, actor="test", now=NOW)
        secret_id = record_case(
            store, make_case(reference="S-1", summary=SECRET), actor="test", now=NOW
        )
        store.checkpoint()
        assert SECRET.encode() in raw_bytes_of(path)
        with store.transaction() as cursor:
            cursor.execute("DELETE FROM incidents WHERE id = ?", [secret_id])
        store.checkpoint()
        # DuckDB frees the block that held the text without overwriting it.
        assert SECRET.encode() in raw_bytes_of(path)
        before = {table: store.read_rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}

        store.rewrite()

        assert SECRET.encode() not in raw_bytes_of(path)
        assert mode_of(path) == 0o600
        assert not rewrite_path(path).exists()
        after = {table: store.read_rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES}
        assert after == before
        # The sequences go on from where they were, and the rules still hold.
        later = record_case(store, make_case(reference="S-2"), actor="test", now=NOW)
        assert later == secret_id + 1
        with pytest.raises(duckdb.ConstraintException), store.transaction() as cursor:
            cursor.execute(
                "INSERT INTO incidents (reference, reported_on, categories) "
                "VALUES ('X', DATE '2026-01-01', ['not_a_category'])"
            )
    finally:
        store.close()
    reopened = open_store(path, now=PINNED_NOW)
    try:
        assert count_cases(reopened) == 41
    finally:
        reopened.close()


def test_readers_and_a_writer_carry_on_while_the_store_is_rewritten(store):
    load_demo_data(store, 60, actor="test", now=NOW)
    stop, errors, seen = threading.Event(), [], []

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append(count_cases(store))
                load_case_list(store, CaseFilter(), today=TODAY, row_limit=100)
        except BaseException as error:
            errors.append(error)

    def write() -> None:
        try:
            for number in range(20):
                record_case(store, make_case(reference=f"W-{number}"), actor="w", now=NOW)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            store.rewrite()
    finally:
        threads[-1].join()
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert min(seen) >= 60 and count_cases(store) == 80


def test_a_rewrite_refuses_while_another_store_of_this_process_holds_the_file(store):
    other = Store(store.path)
    try:
        with pytest.raises(RuntimeError, match="other Store"):
            store.rewrite()
    finally:
        other.close()
    store.rewrite()  # alone again
