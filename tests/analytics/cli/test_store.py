"""`audit verify` on the command line: its exit codes and messages, on a store only read."""

from __future__ import annotations

import subprocess
import sys

from analytics.cli.store import audit_verify_command
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.opening import open_store
from tests.analytics.records.audit_rows import tamper, write_five_rows
from tests.conftest import PINNED_NOW


def test_the_command_line_check_exits_0_for_a_whole_trail_and_1_naming_the_row(tmp_path):
    path = tmp_path / "store.duckdb"
    store = open_store(path, now=PINNED_NOW)
    write_five_rows(store)
    store.close()
    assert audit_verify_command(path) == (0, verify_message(path))
    store = open_store(path, now=PINNED_NOW)
    tamper(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    store.close()
    code, message = audit_verify_command(path)
    assert code == 1
    assert message.startswith("The audit trail is NOT whole (row 3: edited).")


def verify_message(path) -> str:
    store = open_store(path, now=PINNED_NOW)
    try:
        return verify_audit_trail(store).message
    finally:
        store.close()


def test_the_command_line_check_names_a_store_held_by_another_process(tmp_path):
    path = tmp_path / "store.duckdb"
    open_store(path, now=PINNED_NOW).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
         "print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        code, message = audit_verify_command(path)
        assert code == 2
        assert (
            message == f"The store is in use by another process (PID {holder.pid}); stop it first."
        )
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_the_command_line_check_of_a_missing_store_creates_nothing(tmp_path):
    assert audit_verify_command(tmp_path / "none.duckdb") == (
        2,
        f"There is no store at {tmp_path / 'none.duckdb'}.",
    )
    assert list(tmp_path.iterdir()) == []
