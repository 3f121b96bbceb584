"""What the transaction now being written has touched, for the step before its commit.

The audit rows it wrote (and the records they are about), and the records or counters a
bulk write names itself. Keyed by the store's file and the transaction's id, as the tail's
pending row is: a store's writers hold its write lock, so only one is pending per file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class Touched:
    transaction: int
    # (row id, record type, record id) of every audit row written, oldest first.
    rows: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    # Records a bulk write changed without a row of their own, as the queries that select
    # their ids: (record type, query, its parameters). An import's hundreds of thousands
    # are read by DuckDB as the transaction commits, never held here.
    records: list[tuple[str, str, dict]] = field(default_factory=list)
    # Counters changed: (kind, record id).
    counters: set[tuple[str, str]] = field(default_factory=set)
    # The one upgrade that vouches for records as it finds them (records.vouching).
    as_found: bool = False


_touched: dict[Path, Touched] = {}
_lock = threading.Lock()


def transaction_of(cursor: duckdb.DuckDBPyConnection) -> tuple[Path, int]:
    """The store file (resolved) and transaction id the cursor writes in."""
    transaction, db_file = cursor.execute(
        "SELECT txid_current(), "
        "(SELECT path FROM duckdb_databases() WHERE database_name = current_database())"
    ).fetchall()[0]
    return Path(db_file).resolve(), transaction


def _entry(db_path: Path, transaction: int) -> Touched:
    touched = _touched.get(db_path)
    if touched is None or touched.transaction != transaction:
        touched = _touched[db_path] = Touched(transaction)
    return touched


def note_audit_row(db_path: Path, transaction: int, row_id: int, record_type, record_id) -> None:
    with _lock:
        _entry(db_path, transaction).rows.append((row_id, record_type, record_id))


def note_records(cursor: duckdb.DuckDBPyConnection, record_type: str, record_ids) -> None:
    """A write changed (or removed) these records beyond those its audit rows are about:
    the trail vouches for their state as it commits."""
    ids = [str(record_id) for record_id in record_ids]
    if ids:
        note_records_selected(cursor, record_type, "SELECT unnest($ids)", {"ids": ids})


def note_records_selected(
    cursor: duckdb.DuckDBPyConnection, record_type: str, select_ids: str, params=None
) -> None:
    """note_records for the ids a query selects (one column, named parameters), as the
    store will stand when the transaction commits."""
    db_path, transaction = transaction_of(cursor)
    with _lock:
        _entry(db_path, transaction).records.append((record_type, select_ids, params or {}))


def note_counter(cursor: duckdb.DuckDBPyConnection, kind: str, record_id) -> None:
    """A write changed this counter: it is sealed again as the write commits."""
    db_path, transaction = transaction_of(cursor)
    with _lock:
        _entry(db_path, transaction).counters.add((kind, str(record_id)))


def note_vouching_as_found(cursor: duckdb.DuckDBPyConnection) -> None:
    """This transaction vouches for records as they stand, without checking them against
    the trail: only the upgrade of a store from before records were vouched for."""
    db_path, transaction = transaction_of(cursor)
    with _lock:
        _entry(db_path, transaction).as_found = True


def take_touched(db_path: Path, transaction: int) -> Touched | None:
    """What this transaction touched, once (None if nothing was noted)."""
    with _lock:
        touched = _touched.get(db_path)
        if touched is None:
            return None
        del _touched[db_path]
    return touched if touched.transaction == transaction else None
