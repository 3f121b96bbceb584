"""The audit trail: one appended row for every write, chained with a key kept outside the store.

Every row carries a chain value, HMAC-SHA256 under the store's audit key (analytics.records.keys)
of the chain value before it and of the row's own fields: its id, the id of the row it
follows, when, who, what, about which record, and the SHA-256 digests of its free text
(reason, detail). So nobody without the key can change, insert or remove a row, nor
recompute the chain after doing so, without verify_audit_trail (analytics.records.audit_verify)
seeing it. The text itself is not in the chain, only its digest: erase_audit_text can empty it
at disposal and the chain still holds.

The newest row's id and chain value are also written outside the store, to the tail file
(analytics.records.audit_tail), after every commit that adds rows.

A missing key is made only for a store whose trail is empty and has no tail file. A trail
with rows and no key cannot be verified, and nothing is written to it (a new key would let
anyone re-chain a tampered trail); the message names the key file to restore. A trail from
before keyed chaining is keyed once as the store opens (analytics.records.audit_keying).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pwd
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb

from analytics.records.audit_tail import audit_tail_path, note_pending_tail, write_newest_tail
from analytics.records.keys import (
    AUDIT_CHAIN,
    KeyMissing,
    create_key,
    derived_key,
)

if TYPE_CHECKING:
    from analytics.records.store import Store

# Cases are recorded on the trail under this record type (as the register writes them).
CASE_RECORD_TYPE = "incident"
CASE_OPENED = "case opened"
CASE_FILE_MADE = "case file made"
CHAIN_KEYED = "audit chain keyed"
TAIL_RESTARTED = "audit tail restarted"
# Shown in place of free text erased at disposal (its digest stays in the chain).
ERASED = "(erased at disposal)"

ROW_COLUMNS = (
    "id, previous_id, occurred_at, actor, action, record_type, record_id, "
    "reason, detail, reason_digest, detail_digest, chain"
)
_LEGACY_COLUMNS = "id, occurred_at, actor, action, record_type, record_id, reason, detail, chain"
# A trail as the app wrote it before keyed chaining.
LEGACY_SELECT = f"SELECT {_LEGACY_COLUMNS} FROM audit_log ORDER BY id"


class AuditRow(NamedTuple):
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
    row = new_row(row_id, previous_id, now, actor, action, record_type, record_id, reason, detail)
    chain = append_row(cursor, key, row, previous_chain or "")
    note_pending_tail(db_path, transaction, row_id, chain, trail_was_empty=previous_id is None)


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


def record_case_file_made(
    store: Store, actor: str, incident_id: int, evidence_ids: Sequence[int], *, now: datetime
) -> None:
    """Who took a case away: a case file was made for this account, carrying this evidence."""
    carried = ", ".join(str(evidence_id) for evidence_id in evidence_ids) or "none"
    record_event(
        store, actor, CASE_FILE_MADE, CASE_RECORD_TYPE, incident_id, now=now,
        detail=f"evidence carried: {carried}",
    )  # fmt: skip


def restart_audit_tail(store: Store, *, actor: str, why: str, now: datetime) -> None:
    """Remake the tail file from the trail as it is, and say so on the trail: after a
    restore (another history replaces this one) or a tail file lost for a known reason."""
    with store.transaction() as cursor:
        record_audit(cursor, actor, TAIL_RESTARTED, now=now, detail=why)
    write_newest_tail(store)


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


# ---------------------------------------------------------------------------- the chain


def new_row(
    row_id, previous_id, now, actor, action, record_type, record_id, reason, detail
) -> AuditRow:
    return AuditRow(
        id=row_id,
        previous_id=previous_id,
        occurred_at=now.replace(microsecond=0),
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        reason=reason,
        detail=detail,
        reason_digest=digest_text(reason),
        detail_digest=digest_text(detail),
        chain=None,
    )


def append_row(
    cursor: duckdb.DuckDBPyConnection, key: bytes, row: AuditRow, previous_chain: str
) -> str:
    """Insert the row chained to previous_chain under key; returns its chain value."""
    chain = keyed_link(key, previous_chain, row)
    cursor.execute(
        f"INSERT INTO audit_log ({ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row._replace(chain=chain)),
    )
    return chain


def digest_text(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(previous_chain: str, row: AuditRow) -> bytes:
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


def keyed_link(key: bytes, previous_chain: str, row: AuditRow) -> str:
    return hmac.digest(key, _canonical(previous_chain, row), "sha256").hex()


def unkeyed_link(previous_chain: str, row: AuditRow) -> str:
    """What someone without the key would compute: only to name that tampering."""
    return hashlib.sha256(_canonical(previous_chain, row)).hexdigest()


def legacy_link(previous: str, fields: Sequence[Any]) -> str:
    """The unkeyed chain of trails written before keyed chaining."""
    text = "\x1f".join("" if value is None else str(value) for value in [previous, *fields])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_legacy_break(rows: Sequence[tuple]) -> int | None:
    """The first row (of LEGACY_SELECT) where a trail from before keyed chaining does not
    verify, None if it is whole. Rows from before chaining began (no chain) may only come
    first."""
    previous, chaining = "", False
    for row_id, *fields, chain in rows:
        if chain is None and not chaining:
            continue
        chaining = True
        if chain is None or chain != legacy_link(previous, fields):
            return row_id
        previous = chain
    return None
