"""The audit trail's tail file: the newest row's id and chain value, kept outside the store.

It is written beside the store (`<store file name>.audit-tail`) after every commit that adds
audit rows, with how many rows the trail then held up to that row, and sealed: an HMAC under
the store's key over all three. Removing the newest rows leaves no break in the chain; the
tail shows it, and rewriting the tail to name an older row needs the key. The
tail only ever moves forward from a sealed tail naming a row the store still holds, so a
write after such a removal does not hide it. A missing tail file, or one without a good
seal (rewritten, or written before tails were sealed), is reported, and is not remade by
the next write (that would hide a removal made with it): restart_audit_tail
(analytics.records.audit) remakes it on purpose, for a restore, a known loss or the first
sealing after an upgrade, and the trail records it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from analytics.records.freshness import load_newest_audit_row
from analytics.records.keys import AUDIT_TAIL, KeyFileProblem, KeyMissing, derived_key

if TYPE_CHECKING:  # analytics.records.store calls this module after each commit
    from analytics.records.store import Store

log = logging.getLogger(__name__)


class _Pending(NamedTuple):
    transaction: int
    row_id: int
    chain: str
    trail_was_empty: bool


class Tail(NamedTuple):
    """What the tail file says: the newest row the app wrote, its chain value, how many rows
    the trail held up to it, and the seal over the three (None in a tail written before
    tails were sealed)."""

    row: int
    chain: str
    rows: int | None = None
    seal: str | None = None


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
    db_path = resolved_path(store.path)
    with _pending_lock:
        pending = _pending.pop(db_path, None)
    if pending is None:
        return
    try:
        committed = store.read_value("SELECT chain FROM audit_log WHERE id = ?", [pending.row_id])
        if committed != pending.chain:
            return  # rolled back
        tail = read_tail(db_path)
        if tail is None and not pending.trail_was_empty:
            return  # a lost tail is restarted on purpose (restart_audit_tail), never silently
        if tail is not None:
            if not is_sealed(db_path, tail):
                return  # rewritten outside the app, or from before sealing: never blessed
            held = store.read_value("SELECT chain FROM audit_log WHERE id = ?", [tail.row])
            if held != tail.chain or tail.row > pending.row_id:
                return
        _write_tail(db_path, pending.row_id, pending.chain, _rows_up_to(store, pending.row_id))
    except (OSError, ValueError, KeyMissing, KeyFileProblem) as error:
        log.warning("The audit tail file for %s was not updated: %s", db_path, error)


def note_pending_tail(db_path, transaction, row_id, chain, *, trail_was_empty) -> None:
    """A row the transaction wrote, for write_audit_tail once it has committed."""
    db_path = resolved_path(db_path)
    with _pending_lock:
        earlier = _pending.get(db_path)
        if earlier is not None and earlier.transaction == transaction:
            trail_was_empty = earlier.trail_was_empty
        _pending[db_path] = _Pending(transaction, row_id, chain, trail_was_empty)


def write_newest_tail(store: Store) -> None:
    """Write the tail file from the newest row the trail holds, whatever it said before."""
    newest = load_newest_audit_row(store)
    if newest is not None:
        _write_tail(resolved_path(store.path), *newest, _rows_up_to(store, newest[0]))


def read_tail(db_path: Path) -> Tail | None:
    """What the tail file says, None if there is none; ValueError if it is not one the app
    wrote (its seal is checked by is_sealed, which needs the key)."""
    try:
        text = audit_tail_path(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    unreadable = ValueError(f"The tail file {audit_tail_path(db_path)} is not readable.")
    try:
        recorded = json.loads(text)
        tail = Tail(recorded["row"], recorded["chain"], recorded.get("rows"), recorded.get("seal"))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise unreadable from None
    if not isinstance(tail.row, int) or not isinstance(tail.chain, str):
        raise unreadable
    if (tail.rows is None) != (tail.seal is None) or not isinstance(tail.seal, str | None):
        raise unreadable
    if tail.rows is not None and not isinstance(tail.rows, int):
        raise unreadable
    return tail


def seal_of(db_path: Path, row_id: int, chain: str, rows: int) -> str:
    """The tail's seal: HMAC-SHA256 under the store's tail subkey over the row's id, its
    chain value and the number of rows up to it. KeyMissing if the store has no key."""
    message = json.dumps([row_id, chain, rows], separators=(",", ":")).encode("utf-8")
    return hmac.new(derived_key(db_path, AUDIT_TAIL), message, hashlib.sha256).hexdigest()


def is_sealed(db_path: Path, tail: Tail) -> bool:
    """Whether the tail carries the seal the app made for it under the store's key."""
    if tail.rows is None or tail.seal is None:
        return False
    return hmac.compare_digest(seal_of(db_path, tail.row, tail.chain, tail.rows), tail.seal)


def _rows_up_to(store: Store, row_id: int) -> int:
    return store.read_value("SELECT count(*) FROM audit_log WHERE id <= ?", [row_id])


def _write_tail(db_path: Path, row_id: int, chain: str, rows: int) -> None:
    """Replace the tail file whole (a private temporary file, then os.replace), mode 0600,
    sealed under the store's key."""
    recorded = {"row": row_id, "chain": chain, "rows": rows}
    recorded["seal"] = seal_of(db_path, row_id, chain, rows)
    path = audit_tail_path(db_path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(recorded, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def resolved_path(path: Path | str) -> Path:
    """One name for a store file however it was reached (the pending rows are kept by it)."""
    return Path(path).resolve()
