"""The store: migrations once and recorded, the file on disk, concurrency without loss."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from analytics.cases import EscalationStep
from analytics.register import (
    CaseFilter,
    count_cases,
    load_case_list,
    record_case,
    record_escalation,
)
from analytics.store import (
    DEFAULT_DB_PATH,
    apply_migrations,
    database_path,
    migration_files,
    open_store,
)
from tests.conftest import TODAY, make_case


def test_migrations_are_numbered_from_one_without_gaps():
    versions = [version for version, _, _ in migration_files()]
    assert versions == list(range(1, len(versions) + 1))


def test_opening_a_new_file_applies_and_records_every_migration(store):
    recorded = store.read_rows("SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(version, name) for version, name, _ in migration_files()]


def test_migrations_are_applied_once(store):
    assert apply_migrations(store) == []
    assert store.read_value("SELECT count(*) FROM schema_migrations") == len(migration_files())


def test_cases_survive_closing_and_reopening_the_file(tmp_path):
    path = tmp_path / "reopen.duckdb"
    first = open_store(path)
    record_case(first, make_case(), actor="test", today=TODAY)
    first.close()
    second = open_store(path)
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


def test_eight_threads_writing_and_reading_at_once_lose_nothing(store):
    threads, cases_each = 8, 50
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
                    today=TODAY,
                )
                # Updates of different cases interleave with inserts and reads.
                record_escalation(
                    store,
                    incident_id,
                    EscalationStep("written_warning", date(2026, 1, 20)),
                    actor=f"worker {worker}",
                    today=TODAY,
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
