"""The audit trail: one appended row for every write, chained with a key kept outside the store.

Every row carries a chain value, HMAC-SHA256 under the store's audit key (analytics.records.keys)
of the chain value before it and of the row's own fields: its id, the id of the row it
follows, when, who, what, about which record, and the SHA-256 digests of its free text
(reason, detail). So nobody without the key can change, insert or remove a row, nor
recompute the chain after doing so, without verify_audit_trail seeing it. The text itself
is not in the chain, only its digest: erase_audit_text can empty it at disposal and the
chain still holds.

The newest row's id and chain value are also written outside the store, to the tail file
beside it (`<store file name>.audit-tail`), after every commit that adds rows. Removing
the newest rows leaves no break in the chain; the tail shows it. The tail only ever moves
forward from a row the store still holds, so a write after such a removal does not hide it.

Decisions (each says why):
- A missing key is made only for a store whose trail is empty and has no tail file. A
  trail with rows and no key cannot be verified, and nothing is written to it (a new key
  would let anyone re-chain a tampered trail); the message names the key file to restore.
- A trail from before keyed chaining is keyed once, by prepare_audit_chain when the store
  is opened, only if it has no key file and no tail file and its old unkeyed chain verifies
  whole; the new key is staged beside the store until the re-chained trail commits, and
  the trail records "audit chain keyed". A trail whose old chain is broken is not keyed:
  keying it would bless the damage.
- A missing tail file, for a trail with rows, is reported, and is not remade by the next
  write (that would hide a removal made with it). restart_audit_tail remakes it on
  purpose, for a restore or a known loss, and the trail records it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import pwd
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb
import pandas as pd

from analytics.records.keys import (
    AUDIT_CHAIN,
    KeyFileProblem,
    KeyMissing,
    create_key,
    derive_key,
    derived_key,
    key_path,
    load_key,
)

if TYPE_CHECKING:  # analytics.records.store calls back into this module after each commit
    from analytics.records.store import Store

# Cases are recorded on the trail under this record type (as the register writes them).
CASE_RECORD_TYPE = "incident"
CASE_OPENED = "case opened"
CHAIN_KEYED = "audit chain keyed"
TAIL_RESTARTED = "audit tail restarted"
# Shown in place of free text erased at disposal (its digest stays in the chain).
ERASED = "(erased at disposal)"

log = logging.getLogger(__name__)

_ROW_COLUMNS = (
    "id, previous_id, occurred_at, actor, action, record_type, record_id, "
    "reason, detail, reason_digest, detail_digest, chain"
)
_LEGACY_COLUMNS = "id, occurred_at, actor, action, record_type, record_id, reason, detail, chain"


class _Row(NamedTuple):
    id: int
    previous_id: int | None
    occurred_at: datetime
    actor: str
    action: str
    record_type: str | None
    record_id: str | None
    reason: str | None
    detail: str | None
    reason_digest: str | None
    detail_digest: str | None
    chain: str | None


# ---------------------------------------------------------------------------- writing


def record_audit(
    cursor: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    record_type: str | None = None,
    record_id: int | str | None = None,
    *,
    now: datetime,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit row through the writer's cursor, so it commits with the write; now
    is when it happened, as the caller's clock says.

    Raises KeyFileProblem (naming the key file) when the store's key is missing or unusable,
    so the writer's transaction rolls back: nothing is written that could not be chained.
    """
    # Writers hold the store's write lock, so the newest row cannot change under us.
    transaction, row_id, previous_id, previous_chain, db_file = cursor.execute(
        """
        SELECT txid_current(), nextval('audit_id_seq'),
            (SELECT id FROM audit_log ORDER BY id DESC LIMIT 1),
            (SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1),
            (SELECT path FROM duckdb_databases() WHERE database_name = current_database())
        """
    ).fetchall()[0]
    db_path = Path(db_file)
    key = _chain_key_for_writing(db_path, trail_is_empty=previous_id is None)
    row = _new_row(row_id, previous_id, now, actor, action, record_type, record_id, reason, detail)
    chain = _append(cursor, key, row, previous_chain or "")
    _note_pending_tail(db_path, transaction, row_id, chain, trail_was_empty=previous_id is None)


def record_event(
    store: Store,
    actor: str,
    action: str,
    record_type: str | None = None,
    record_id: int | str | None = None,
    *,
    now: datetime,
    detail: str | None = None,
) -> None:
    """One audit row in a transaction of its own, for an act that writes nothing else (a
    download, a case opened)."""
    with store.transaction() as cursor:
        record_audit(cursor, actor, action, record_type, record_id, now=now, detail=detail)


def record_case_opened(store: Store, actor: str, incident_id: int, *, now: datetime) -> None:
    """Who looked: a case's page was opened by this account."""
    record_event(store, actor, CASE_OPENED, CASE_RECORD_TYPE, incident_id, now=now)


def erase_audit_text(
    cursor: duckdb.DuckDBPyConnection, record_type: str, record_id: int | str
) -> int:
    """Empty the free text (reason, detail) of every audit row about one record, inside the
    caller's transaction (disposal). The digests stay, so the chain still holds. Returns
    how many rows had text to erase."""
    (erased,) = cursor.execute(
        """
        UPDATE audit_log SET reason = NULL, detail = NULL
        WHERE record_type = ? AND record_id = ? AND (reason IS NOT NULL OR detail IS NOT NULL)
        """,
        [record_type, str(record_id)],
    ).fetchall()[0]
    return int(erased)


# Writes made on the server's command line are by its operating-system account, so named.
SERVER_ACTOR_PREFIX = "os:"


def command_line_actor() -> str:
    """Who a command-line write is by: the operating-system account the process runs as,
    from its user id (an environment variable such as LOGNAME could name anyone)."""
    return f"{SERVER_ACTOR_PREFIX}{pwd.getpwuid(os.getuid()).pw_name}"


def describe_actor(actor: str) -> str:
    """Who did it, as people read it: a username, or the server's own account."""
    if actor.startswith(SERVER_ACTOR_PREFIX):
        return f"{actor.removeprefix(SERVER_ACTOR_PREFIX)} (on the server's command line)"
    return actor


def _chain_key_for_writing(db_path: Path, *, trail_is_empty: bool) -> bytes:
    try:
        return derived_key(db_path, AUDIT_CHAIN)
    except KeyMissing:
        # Only a trail that has never had a row gets a new key: any other could then be
        # re-chained by whoever removed the key file.
        if not trail_is_empty or audit_tail_path(db_path).exists():
            raise
    with contextlib.suppress(FileExistsError):  # another process made it meanwhile
        create_key(db_path)
    return derived_key(db_path, AUDIT_CHAIN)


def _new_row(
    row_id, previous_id, now, actor, action, record_type, record_id, reason, detail
) -> _Row:
    return _Row(
        id=row_id,
        previous_id=previous_id,
        occurred_at=now.replace(microsecond=0),
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        reason=reason,
        detail=detail,
        reason_digest=_digest(reason),
        detail_digest=_digest(detail),
        chain=None,
    )


def _append(cursor: duckdb.DuckDBPyConnection, key: bytes, row: _Row, previous_chain: str) -> str:
    chain = _keyed_link(key, previous_chain, row)
    cursor.execute(
        f"INSERT INTO audit_log ({_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row._replace(chain=chain)),
    )
    return chain


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(previous_chain: str, row: _Row) -> bytes:
    """The row as the chain covers it: one JSON array, so no two rows encode alike."""
    fields = [
        previous_chain,
        row.id,
        row.previous_id,
        row.occurred_at.isoformat(sep=" "),
        row.actor,
        row.action,
        row.record_type,
        row.record_id,
        row.reason_digest,
        row.detail_digest,
    ]
    return _COMPACT_JSON.encode(fields).encode("utf-8")


_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _keyed_link(key: bytes, previous_chain: str, row: _Row) -> str:
    return hmac.digest(key, _canonical(previous_chain, row), "sha256").hex()


def _unkeyed_link(previous_chain: str, row: _Row) -> str:
    """What someone without the key would compute: only to name that tampering."""
    return hashlib.sha256(_canonical(previous_chain, row)).hexdigest()


def _legacy_link(previous: str, fields: Sequence[Any]) -> str:
    """The unkeyed chain of trails written before keyed chaining."""
    text = "\x1f".join("" if value is None else str(value) for value in [previous, *fields])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------- the tail


class _Pending(NamedTuple):
    transaction: int
    row_id: int
    chain: str
    trail_was_empty: bool


_pending: dict[Path, _Pending] = {}
_pending_lock = threading.Lock()


def audit_tail_path(db_path: Path | str) -> Path:
    """Where the newest row's id and chain value are kept, outside the store: beside it."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.audit-tail")


def write_audit_tail(store: Store) -> None:
    """After a commit: record the newest audit row the transaction wrote in the tail file.

    Store.transaction calls this after COMMIT, under its write lock. It does nothing when
    the transaction wrote no audit row (or rolled back), and moves the tail forward only
    from a row the store still holds: after a removal of the newest rows the tail keeps
    naming the removed row. A failure to write the tail is logged, not raised: the write
    has committed, and a tail one write behind is still a true record.
    """
    db_path = _resolved(store.path)
    with _pending_lock:
        pending = _pending.pop(db_path, None)
    if pending is None:
        return
    try:
        committed = store.read_value("SELECT chain FROM audit_log WHERE id = ?", [pending.row_id])
        if committed != pending.chain:
            return  # rolled back
        tail = _read_tail(db_path)
        if tail is None and not pending.trail_was_empty:
            return  # a lost tail is restarted on purpose (restart_audit_tail), never silently
        if tail is not None:
            held = store.read_value("SELECT chain FROM audit_log WHERE id = ?", [tail[0]])
            if held != tail[1] or tail[0] > pending.row_id:
                return
        _write_tail(db_path, pending.row_id, pending.chain)
    except (OSError, ValueError) as error:
        log.warning("The audit tail file for %s was not updated: %s", db_path, error)


def restart_audit_tail(store: Store, *, actor: str, why: str, now: datetime) -> None:
    """Remake the tail file from the trail as it is, and say so on the trail: after a
    restore (another history replaces this one) or a tail file lost for a known reason."""
    with store.transaction() as cursor:
        record_audit(cursor, actor, TAIL_RESTARTED, now=now, detail=why)
    _write_newest_tail(store)


def _note_pending_tail(db_path, transaction, row_id, chain, *, trail_was_empty) -> None:
    db_path = _resolved(db_path)
    with _pending_lock:
        earlier = _pending.get(db_path)
        if earlier is not None and earlier.transaction == transaction:
            trail_was_empty = earlier.trail_was_empty
        _pending[db_path] = _Pending(transaction, row_id, chain, trail_was_empty)


def _write_newest_tail(store: Store) -> None:
    rows = store.read_rows("SELECT id, chain FROM audit_log ORDER BY id DESC LIMIT 1")
    if rows:
        _write_tail(_resolved(store.path), rows[0][0], rows[0][1])


def _read_tail(db_path: Path) -> tuple[int, str] | None:
    """The tail file's (row id, chain value), None if there is none; ValueError if it is
    not one the app wrote."""
    try:
        text = audit_tail_path(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        recorded = json.loads(text)
        row_id, chain = recorded["row"], recorded["chain"]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"The tail file {audit_tail_path(db_path)} is not readable.") from None
    if not isinstance(row_id, int) or not isinstance(chain, str):
        raise ValueError(f"The tail file {audit_tail_path(db_path)} is not readable.")
    return row_id, chain


def _write_tail(db_path: Path, row_id: int, chain: str) -> None:
    """Replace the tail file whole (a private temporary file, then os.replace), mode 0600."""
    path = audit_tail_path(db_path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"row": row_id, "chain": chain}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _resolved(path: Path | str) -> Path:
    return Path(path).resolve()


# ---------------------------------------------------------------------------- keying


def prepare_audit_chain(store: Store, *, now: datetime) -> str:
    """Make sure the store's trail is keyed, as it is opened at now; returns what was done.

    - "ready": the key file is there (tightened to 0600 if it was wider).
    - "key made": a new store (an empty trail, no tail file) got its key.
    - "keyed": a trail from before keyed chaining, whose unkeyed chain verified whole, was
      re-chained under a new key, and the trail records it. A staged key left by an
      interrupted keying is put in force if the trail verifies under it.
    - "key missing": a trail with rows and no key, not from before keyed chaining (or
      broken): nothing is made; verify_audit_trail names the missing key file.
    """
    db_path = _resolved(store.path)
    try:
        load_key(db_path)
        return "ready"
    except KeyMissing:
        pass
    if _put_staged_key_in_force(store, db_path):
        return "keyed"
    has_rows = store.read_value("SELECT count(*) FROM audit_log") > 0
    if audit_tail_path(db_path).exists():
        return "key missing"  # a keyed trail whose key was lost: never re-keyed
    if not has_rows:
        with contextlib.suppress(FileExistsError):
            create_key(db_path)
        return "key made"
    if _first_legacy_break(store.read_rows(_LEGACY_SELECT)) is not None:
        return "key missing"
    _key_legacy_trail(store, db_path, now)
    return "keyed"


_LEGACY_SELECT = f"SELECT {_LEGACY_COLUMNS} FROM audit_log ORDER BY id"


def _staged_key_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.key.staged")


def _key_legacy_trail(store: Store, db_path: Path, now: datetime) -> None:
    staged = _staged_key_path(db_path)
    staged.unlink(missing_ok=True)  # one from a keying that never committed
    new_key = secrets.token_bytes(32)
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(new_key.hex().encode("ascii") + b"\n")
        file.flush()
        os.fsync(file.fileno())
    chain_key = derive_key(new_key, AUDIT_CHAIN)
    with store.transaction() as cursor:
        legacy = cursor.execute(_LEGACY_SELECT).fetchall()
        if _first_legacy_break(legacy) is not None:
            raise RuntimeError("The audit trail changed while it was being keyed.")
        rechained, previous_id, previous_chain = [], None, ""
        for row_id, *fields, _ in legacy:
            reason, detail = fields[5], fields[6]
            row = _Row(row_id, previous_id, *fields, _digest(reason), _digest(detail), None)
            previous_chain = _keyed_link(chain_key, previous_chain, row)
            rechained.append(
                (row_id, previous_id, row.reason_digest, row.detail_digest, previous_chain)
            )
            previous_id = row_id
        frame = pd.DataFrame(
            rechained, columns=["id", "previous_id", "reason_digest", "detail_digest", "chain"]
        ).astype({"previous_id": "Int64"})
        cursor.register("rechained", frame)
        # The one rewrite of the chain the app makes: once, over a trail that verified.
        cursor.execute(
            """
            UPDATE audit_log SET chain = rechained.chain, previous_id = rechained.previous_id,
                reason_digest = rechained.reason_digest, detail_digest = rechained.detail_digest
            FROM rechained WHERE audit_log.id = rechained.id
            """
        )
        cursor.unregister("rechained")
        (row_id,) = cursor.execute("SELECT nextval('audit_id_seq')").fetchall()[0]
        why = f"{len(legacy)} earlier rows re-chained under the key {key_path(db_path).name}"
        row = _new_row(
            row_id, previous_id, now, command_line_actor(), CHAIN_KEYED, None, None, None, why
        )
        _append(cursor, chain_key, row, previous_chain)
    _put_staged_key_in_force(store, db_path)


def _put_staged_key_in_force(store: Store, db_path: Path) -> bool:
    """A staged key becomes the store's key if the trail verifies under it (its keying
    committed); otherwise it is thrown away (its keying did not)."""
    staged = _staged_key_path(db_path)
    if not staged.exists():
        return False
    try:
        candidate = bytes.fromhex(staged.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        candidate = b""
    rows = _load_rows(store.read_rows)
    if len(candidate) != 32 or not rows or _first_break(derive_key(candidate, AUDIT_CHAIN), rows):
        staged.unlink(missing_ok=True)
        return False
    with contextlib.suppress(FileExistsError):
        os.link(staged, key_path(db_path))  # never over an existing key file
    staged.unlink(missing_ok=True)
    _write_newest_tail(store)
    return True


def _first_legacy_break(rows: Sequence[tuple]) -> int | None:
    """The first row where a trail from before keyed chaining does not verify, None if it
    is whole. Rows from before chaining began (no chain) may only come first."""
    previous, chaining = "", False
    for row_id, *fields, chain in rows:
        if chain is None and not chaining:
            continue
        chaining = True
        if chain is None or chain != _legacy_link(previous, fields):
            return row_id
        previous = chain
    return None


# ---------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class AuditVerdict:
    """Whether the trail is as the app wrote it; if not, the first bad row and why.

    problem is one of: edited, deleted, inserted, unchained, recomputed, truncated,
    tail missing, tail unreadable, key missing, key unusable, not keyed.
    """

    whole: bool
    message: str
    problem: str | None = None
    first_bad_row: int | None = None
    rows_checked: int = 0


def verify_audit_trail(store: Store) -> AuditVerdict:
    """Check every row's chain value under the store's key, and the newest row against the
    tail file."""
    return _judge(_resolved(store.path), store.read_rows)


def verify_audit_chain(store: Store) -> AuditVerdict:
    """Check every row's chain value under the store's key, leaving the tail file out: for a
    restore, whose copied trail must hold under the key beside it before its tail restarts."""
    return _judge(_resolved(store.path), store.read_rows, with_tail=False)


def audit_verify_command(db_path: Path | str) -> tuple[int, str]:
    """`python -m analytics audit verify`: (0, message) when the trail is whole, (1, message
    naming the first bad row and why) when not, (2, message) when the store cannot be read.
    The store is opened read-only, and never migrated or keyed here."""
    from analytics.records.store import OFFLINE

    db_path = Path(db_path)
    if not db_path.is_file():
        return 2, f"There is no store at {db_path}."
    try:
        connection = duckdb.connect(str(db_path), read_only=True, config=OFFLINE)
    except duckdb.Error as error:
        held_by = re.search(r"\(PID (\d+)\)", str(error))
        if held_by:
            return 2, f"The store is in use by another process (PID {held_by[1]}); stop it first."
        return 2, f"The store {db_path} cannot be opened: {error}"
    with connection:
        columns = {
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'audit_log'"
            ).fetchall()
        }
        if "reason_digest" not in columns:
            verdict = AuditVerdict(
                False,
                "This store predates keyed chaining: open it with the app (or any command "
                "that writes) once to key its trail, then verify again.",
                "not keyed",
            )
        else:
            verdict = _judge(
                _resolved(db_path),
                lambda sql, params=None: connection.execute(sql, params).fetchall(),
            )
    if verdict.whole:
        return 0, verdict.message
    where = f"row {verdict.first_bad_row}: " if verdict.first_bad_row is not None else ""
    return 1, f"The audit trail is NOT whole ({where}{verdict.problem}). {verdict.message}"


def _load_rows(read_rows: Callable[..., list[tuple]]) -> list[_Row]:
    return [_Row(*row) for row in read_rows(f"SELECT {_ROW_COLUMNS} FROM audit_log ORDER BY id")]


def _judge(
    db_path: Path, read_rows: Callable[..., list[tuple]], *, with_tail: bool = True
) -> AuditVerdict:
    rows = _load_rows(read_rows)
    if not rows and not (with_tail and audit_tail_path(db_path).exists()):
        # A new store: its key is made with its first row.
        return AuditVerdict(True, "The trail is empty: nothing has been written yet.")
    try:
        key = derived_key(db_path, AUDIT_CHAIN)
    except KeyMissing as missing:
        legacy = read_rows(_LEGACY_SELECT)
        if legacy and not audit_tail_path(db_path).exists() and _first_legacy_break(legacy) is None:
            return AuditVerdict(
                False,
                "This trail predates keyed chaining: the app keys it when it next opens the store.",
                "not keyed",
            )
        return AuditVerdict(False, str(missing), "key missing")
    except KeyFileProblem as problem:
        return AuditVerdict(False, str(problem), "key unusable")
    try:
        tail = _read_tail(db_path) if with_tail else None
    except ValueError as unreadable:
        return AuditVerdict(False, str(unreadable), "tail unreadable", rows_checked=len(rows))
    broken = _first_break(key, rows, tail)
    if broken is not None:
        return broken
    if not with_tail:
        return AuditVerdict(
            True,
            f"Every one of the {len(rows):,} rows holds its place in the chain under the "
            "store's key (the tail file was not checked).",
            rows_checked=len(rows),
        )
    return _judge_tail(db_path, rows, tail)


def _first_break(
    key: bytes, rows: Sequence[_Row], tail: tuple[int, str] | None = None
) -> AuditVerdict | None:
    previous_chain, previous_id = "", None
    for index, row in enumerate(rows):
        checked = index + 1
        if not row.chain:
            return _broken(
                row.id, "unchained", checked,
                f"Row {row.id} has no chain value: it was added outside the app.",
            )  # fmt: skip
        if _digest(row.reason) not in (None, row.reason_digest) or _digest(row.detail) not in (
            None,
            row.detail_digest,
        ):
            return _broken(
                row.id, "edited", checked,
                f"The text of row {row.id} has been changed outside the app.",
            )  # fmt: skip
        if row.chain == _keyed_link(key, previous_chain, row):
            previous_chain, previous_id = row.chain, row.id
            continue
        return _diagnose(key, rows, index, previous_chain, previous_id, tail)
    return None


def _diagnose(key, rows, index, previous_chain, previous_id, tail) -> AuditVerdict:
    """Why rows[index] does not follow the chain, in the words of the first likely cause."""
    row = rows[index]
    following = rows[index + 1] if index + 1 < len(rows) else None
    checked = index + 1
    if (following is not None and following.previous_id == previous_id and following.chain
            and following.chain == _keyed_link(key, previous_chain, following)):  # fmt: skip
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
    if row.chain in (_unkeyed_link(previous_chain, row), _legacy_link(previous_chain, row[2:9])):
        return _broken(
            row.id, "recomputed", checked,
            f"From row {row.id} the chain was recomputed without the store's key: rows were "
            "rewritten outside the app.",
        )  # fmt: skip
    if following is not None and following.chain != _keyed_link(key, row.chain, following):
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


def _judge_tail(db_path: Path, rows: Sequence[_Row], tail: tuple[int, str] | None):
    tail_file = audit_tail_path(db_path)
    if tail is None:
        return AuditVerdict(
            False,
            f"The tail file {tail_file} is missing, so the removal of the newest rows cannot "
            "be ruled out. If it was lost for a known reason, restart it "
            "(`python -m analytics audit restart-tail`); the trail records that.",
            "tail missing",
            rows_checked=len(rows),
        )
    tail_id, tail_chain = tail
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
    if by_id[tail_id] != tail_chain:
        return AuditVerdict(
            False,
            f"Row {tail_id} is not the one the app wrote (the tail file {tail_file} records "
            "another chain value): the trail was rewritten, or the tail file belongs to "
            "another copy of the store.",
            "recomputed",
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


# ---------------------------------------------------------------------------- reading


def load_audit_trail(
    store: Store,
    *,
    actor: str | None = None,
    actions: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    case_id: int | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Audit rows, newest first, for one person, some actions, a span of days and one case
    (any of which may be left out). Text erased at disposal reads as ERASED."""
    return store.read(
        """
        SELECT trail.occurred_at, trail.actor, trail.action, trail.record_type, trail.record_id,
            CASE WHEN trail.reason IS NULL AND trail.reason_digest IS NOT NULL THEN $erased
                ELSE trail.reason END AS reason,
            CASE WHEN trail.detail IS NULL AND trail.detail_digest IS NOT NULL THEN $erased
                WHEN failures.attempts IS NULL THEN trail.detail
                ELSE trail.detail || ' (' || failures.attempts || ' in that minute)'
            END AS detail,
            -- What each row is about, by the names people know it by.
            incidents.reference AS case_reference,
            accounts.username AS account_username,
            policies.title AS policy_title
        FROM audit_log AS trail
        -- Failed sign-ins are on the trail once per username and minute, counted beside it.
        LEFT JOIN sign_in_failures AS failures
            ON trail.action = 'sign-in failed'
            AND failures.username = trail.actor
            AND failures.minute = date_trunc('minute', trail.occurred_at)
        LEFT JOIN incidents
            ON trail.record_type = $case_type
            AND incidents.id = TRY_CAST(trail.record_id AS INTEGER)
        LEFT JOIN accounts
            ON trail.record_type = 'account'
            AND accounts.id = TRY_CAST(trail.record_id AS INTEGER)
        LEFT JOIN policies
            ON trail.record_type = 'policy'
            AND policies.id = TRY_CAST(trail.record_id AS INTEGER)
        WHERE ($actor IS NULL OR trail.actor = $actor)
            AND ($actions IS NULL OR list_contains($actions, trail.action))
            AND ($start IS NULL OR CAST(trail.occurred_at AS DATE) >= $start)
            AND ($end IS NULL OR CAST(trail.occurred_at AS DATE) <= $end)
            AND ($case_id IS NULL
                OR (trail.record_type = $case_type AND trail.record_id = CAST($case_id AS VARCHAR)))
        ORDER BY trail.id DESC
        LIMIT $limit
        """,
        {
            "actor": actor,
            "actions": actions or None,
            "start": start,
            "end": end,
            "case_id": case_id,
            "case_type": CASE_RECORD_TYPE,
            "erased": ERASED,
            "limit": limit,
        },
    )


def find_audit_case(store: Store, reference: str) -> int | None:
    """The id of the case with this reference, for filtering the trail by case; None if no
    case has it (a disposed case's reference is gone with its text)."""
    return store.read_value("SELECT id FROM incidents WHERE reference = ?", [reference.strip()])


def list_audit_choices(store: Store) -> tuple[list[str], list[str]]:
    """Every person and every action on the trail, for its filters."""
    actors = [row[0] for row in store.read_rows("SELECT DISTINCT actor FROM audit_log ORDER BY 1")]
    actions = [
        row[0] for row in store.read_rows("SELECT DISTINCT action FROM audit_log ORDER BY 1")
    ]
    return actors, actions
