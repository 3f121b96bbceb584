"""Verifying the audit trail: every row under the store's key, the newest against the tail file."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics.records.audit import (
    LEGACY_SELECT,
    ROW_COLUMNS,
    AuditRow,
    ChainKeys,
    erased_rows_listed,
    first_legacy_break,
    has_erased_text,
    keyed_link,
    legacy_link,
    text_matches,
    unkeyed_link,
)
from analytics.records.audit_tail import Tail, audit_tail_path, is_sealed, read_tail, resolved_path
from analytics.records.keys import (
    KeyFileProblem,
    KeyMissing,
    load_key,
)
from analytics.records.store import OFFLINE
from analytics.records.vouching import RecordFinding, describe_findings, verify_records

if TYPE_CHECKING:
    from analytics.records.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditVerdict:
    """Whether the trail is as the app wrote it; if not, the first bad row and why.

    problem is one of: edited, blanked, deleted, inserted, unchained, recomputed,
    truncated, tail missing, tail unreadable, tail unsealed, tail forged, key missing, key
    unusable, not keyed, records changed, unreadable. records names each record that is not as the
    trail last vouched for it (analytics.records.vouching).
    """

    whole: bool
    message: str
    problem: str | None = None
    first_bad_row: int | None = None
    rows_checked: int = 0
    records: tuple[RecordFinding, ...] = ()


def verify_audit_trail(store: Store) -> AuditVerdict:
    """Check every row's chain value under the store's key, and the newest row against the
    tail file."""
    return _judge(resolved_path(store.path), store.read_rows)


def verify_trail_before_upgrade(store: Store) -> AuditVerdict:
    """The chain as it was checked before records vouched for themselves (missing text
    allowed on any row, records and the tail file not checked): whether a store may be
    upgraded. The tail is left to verify_audit_trail, which goes on naming its problem."""
    return _judge(resolved_path(store.path), store.read_rows, with_tail=False, upgraded=False)


def verify_audit_chain(store: Store) -> AuditVerdict:
    """Check every row's chain value under the store's key, leaving the tail file out: for a
    restore, whose copied trail must hold under the key beside it before its tail restarts."""
    return _judge(resolved_path(store.path), store.read_rows, with_tail=False)


def verify_audit_trail_file(db_path: Path | str) -> AuditVerdict:
    """verify_audit_trail for the store file at db_path, which no process may hold: it is
    opened read-only, and never migrated or keyed here (`python -m analytics audit verify`).
    duckdb.Error if it cannot be opened."""
    connection = duckdb.connect(str(db_path), read_only=True, config=OFFLINE)
    with connection:
        columns = {
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'audit_log'"
            ).fetchall()
        }
        if "reason_digest" in columns and "vouched" not in columns:
            return AuditVerdict(
                False,
                "This store predates records that vouch for themselves: open it with the app "
                "(or any command that writes) once to upgrade its trail, then verify again.",
                "not upgraded",
            )
        if "reason_digest" not in columns:
            return AuditVerdict(
                False,
                "This store predates keyed chaining: open it with the app (or any command "
                "that writes) once to key its trail, then verify again.",
                "not keyed",
            )
        return _judge(
            resolved_path(db_path),
            lambda sql, params=None: connection.execute(sql, params).fetchall(),
        )


def load_audit_rows(read_rows: Callable[..., list[tuple]]) -> list[AuditRow]:
    """Every row of the trail, oldest first."""
    return [AuditRow(*row) for row in read_rows(f"SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id")]


def _judge(
    db_path: Path,
    read_rows: Callable[..., list[tuple]],
    *,
    with_tail: bool = True,
    upgraded: bool = True,
) -> AuditVerdict:
    try:
        return _judge_trail(db_path, read_rows, with_tail=with_tail, upgraded=upgraded)
    except (duckdb.Error, ValueError, TypeError, AttributeError) as error:
        # A table dropped or a column emptied of what the app always writes: an answer,
        # never a crash on the Audit trail page. The log keeps the cause.
        log.warning("The audit trail of %s could not be read: %r", db_path, error)
        return AuditVerdict(
            False,
            "The trail's tables are not as the app made them (a table or a value the app "
            "always writes is missing or malformed): they were changed outside the app.",
            "unreadable",
        )


def _judge_trail(
    db_path: Path,
    read_rows: Callable[..., list[tuple]],
    *,
    with_tail: bool,
    upgraded: bool,
) -> AuditVerdict:
    rows = load_audit_rows(read_rows)
    if not rows and not (with_tail and audit_tail_path(db_path).exists()):
        # A new store: its key is made with its first row.
        return AuditVerdict(True, "The trail is empty: nothing has been written yet.")
    try:
        key = load_key(db_path)
    except KeyMissing as missing:
        legacy = read_rows(LEGACY_SELECT)
        if legacy and not audit_tail_path(db_path).exists() and first_legacy_break(legacy) is None:
            return AuditVerdict(
                False,
                "This trail predates keyed chaining: the app keys it when it next opens the store.",
                "not keyed",
            )
        return AuditVerdict(False, str(missing), "key missing")
    except KeyFileProblem as problem:
        return AuditVerdict(False, str(problem), "key unusable")
    try:
        tail = read_tail(db_path) if with_tail else None
    except ValueError as unreadable:
        return AuditVerdict(False, str(unreadable), "tail unreadable", rows_checked=len(rows))
    keys = ChainKeys.of(key)
    broken = first_break(keys, rows, tail, erasures_listed=upgraded)
    if broken is not None:
        return broken
    if not with_tail:
        return AuditVerdict(
            True,
            f"Every one of the {len(rows):,} rows holds its place in the chain under the "
            "store's key (the tail file was not checked).",
            rows_checked=len(rows),
        )
    verdict = _judge_tail(db_path, rows, tail)
    if not verdict.whole or not upgraded:
        return verdict
    findings = tuple(verify_records(read_rows, key))
    if not findings:
        return verdict
    return AuditVerdict(
        False,
        "The trail's rows are as the app wrote them, but records were changed outside the "
        f"app: {describe_findings(findings, read_rows)}.",
        "records changed",
        rows_checked=len(rows),
        records=findings,
    )


def first_break(
    keys: ChainKeys,
    rows: Sequence[AuditRow],
    tail: tuple[int, str] | None = None,
    *,
    erasures_listed: bool = True,
) -> AuditVerdict | None:
    """The verdict on the first row that does not hold its place in the chain under keys,
    None if every one does. With erasures_listed, a row's text may be missing only where a
    disposal's row lists it as erased."""
    previous_chain, previous_id = "", None
    key = keys.chain
    erased = erased_rows_listed(rows) if erasures_listed else None
    for index, row in enumerate(rows):
        checked = index + 1
        if not row.chain:
            return _broken(
                row.id, "unchained", checked,
                f"Row {row.id} has no chain value: it was added outside the app.",
            )  # fmt: skip
        if row.chain != keyed_link(key, previous_chain, row):
            return _diagnose(key, rows, index, previous_chain, previous_id, tail)
        # The chain covers the text's digest: the text itself is checked against it.
        if not text_matches(keys.text, row.reason, row.reason_digest) or not text_matches(
            keys.text, row.detail, row.detail_digest
        ):
            return _broken(
                row.id, "edited", checked,
                f"The text of row {row.id} has been changed outside the app.",
            )  # fmt: skip
        if erased is not None and has_erased_text(row) and row.id not in erased:
            return _broken(
                row.id, "blanked", checked,
                f"The text of row {row.id} was removed outside the app: no disposal erased it.",
            )  # fmt: skip
        previous_chain, previous_id = row.chain, row.id
    return None


def _diagnose(key, rows, index, previous_chain, previous_id, tail) -> AuditVerdict:
    """Why rows[index] does not follow the chain, in the words of the first likely cause."""
    row = rows[index]
    following = rows[index + 1] if index + 1 < len(rows) else None
    checked = index + 1
    if (following is not None and following.previous_id == previous_id and following.chain
            and following.chain == keyed_link(key, previous_chain, following)):  # fmt: skip
        return _broken(
            row.id, "inserted", checked,
            f"Row {row.id} was added outside the app: the chain passes over it.",
        )  # fmt: skip
    if row.previous_id != previous_id:
        after = f"row {previous_id}" if previous_id is not None else "the start of the trail"
        return _broken(
            row.id, "deleted", checked,
            f"Rows have been removed outside the app: row {row.id} was written after row "
            f"{row.previous_id}, which is no longer there; the trail goes from {after} to "
            f"row {row.id}.",
        )  # fmt: skip
    if row.chain in (unkeyed_link(previous_chain, row), legacy_link(previous_chain, row[2:9])):
        return _broken(
            row.id, "recomputed", checked,
            f"From row {row.id} the chain was recomputed without the store's key: rows were "
            "rewritten outside the app.",
        )  # fmt: skip
    if following is not None and following.chain != keyed_link(key, row.chain, following):
        return _broken(
            row.id, "recomputed", checked,
            f"From row {row.id} on, the chain was made with another key: the trail was "
            "rewritten outside the app (or the key file is not this store's).",
        )  # fmt: skip
    if following is None and tail is not None and row.id > tail[0]:
        return _broken(
            row.id, "inserted", checked,
            f"Row {row.id} was added outside the app: it is newer than the newest row the app "
            "recorded writing.",
        )  # fmt: skip
    return _broken(row.id, "edited", checked, f"Row {row.id} has been changed outside the app.")


def _judge_tail(db_path: Path, rows: Sequence[AuditRow], tail: Tail | None):
    tail_file = audit_tail_path(db_path)
    if tail is not None and tail.seal is None:
        return AuditVerdict(
            False,
            f"The tail file {tail_file} carries no seal: it was rewritten outside the app, or "
            "written before tails were sealed (December 2026), so the removal of the newest "
            "rows cannot be ruled out. If the store has not been changed outside the app, seal "
            "it (`python -m analytics audit restart-tail`); the trail records that.",
            "tail unsealed",
            rows_checked=len(rows),
        )
    if tail is not None and not is_sealed(db_path, tail):
        return AuditVerdict(
            False,
            f"The tail file {tail_file} does not carry the seal the store's key gives it: it "
            "was rewritten outside the app, so the removal of the newest rows cannot be ruled "
            "out.",
            "tail forged",
            rows_checked=len(rows),
        )
    if tail is None:
        return AuditVerdict(
            False,
            f"The tail file {tail_file} is missing, so the removal of the newest rows cannot "
            "be ruled out. If it was lost for a known reason, restart it "
            "(`python -m analytics audit restart-tail`); the trail records that.",
            "tail missing",
            rows_checked=len(rows),
        )
    tail_id = tail.row
    by_id = {row.id: row.chain for row in rows}
    newest = rows[-1].id if rows else None
    if tail_id not in by_id:
        ends = f"ends at row {newest}" if rows else "is empty"
        return AuditVerdict(
            False,
            f"The newest rows have been removed outside the app: the trail {ends}, but the "
            f"app had written up to row {tail_id} (as the tail file {tail_file} records).",
            "truncated" if newest is None or tail_id > newest else "deleted",
            tail_id,
            len(rows),
        )
    if by_id[tail_id] != tail.chain:
        return AuditVerdict(
            False,
            f"Row {tail_id} is not the one the app wrote (the tail file {tail_file} records "
            "another chain value): the trail was rewritten, or the tail file belongs to "
            "another copy of the store.",
            "recomputed",
            tail_id,
            len(rows),
        )
    held_up_to_tail = sum(1 for row in rows if row.id <= tail_id)
    if held_up_to_tail != tail.rows:
        return AuditVerdict(
            False,
            f"The trail holds {held_up_to_tail:,} rows up to row {tail_id}, but the app had "
            f"written {tail.rows:,} (as the tail file {tail_file} records): rows were removed "
            "outside the app.",
            "deleted",
            tail_id,
            len(rows),
        )
    return AuditVerdict(
        True,
        f"The trail is whole: all {len(rows):,} rows are as the app wrote them, and none has "
        "been removed.",
        rows_checked=len(rows),
    )


def _broken(row_id: int, problem: str, checked: int, message: str) -> AuditVerdict:
    return AuditVerdict(False, message, problem, row_id, checked)
