"""The audit trail: one appended row for every write, chained with a key kept outside the store.

Every row carries a chain value, HMAC-SHA256 under the store's audit key (analytics.records.keys)
of the chain value before it and of the row's own fields: its id, the id of the row it
follows, when, who, what, about which record, keyed digests of its free text (reason,
detail), and where present the rows whose text it erased (a disposal) and the digest of the
records it vouched for (analytics.records.vouching). So nobody without the key can change,
insert or remove a row, nor recompute the chain after doing so, without verify_audit_trail
(analytics.records.audit_verify) seeing it.

The text itself is not in the chain, only its digest: erase_audit_text can empty it at
disposal and the chain still holds, and the disposal's own row lists the rows it emptied.
The digest is keyed (HMAC under the store's text subkey over the text's SHA-256), so the
store file alone cannot confirm a guess at erased text; rows from before December 2026
carried a plain SHA-256, re-keyed once as the store opens (analytics.records.vouching).

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
    AUDIT_TEXT,
    KeyMissing,
    create_key,
    derive_key,
    load_key,
)
from analytics.records.pending import note_audit_row

if TYPE_CHECKING:
    from analytics.records.store import Store

# Cases are recorded on the trail under this record type (as the register writes them).
CASE_RECORD_TYPE = "incident"
CASE_OPENED = "case opened"
CASE_FILE_MADE = "case file made"
CASE_ANONYMISED = "case anonymised"
CHAIN_KEYED = "audit chain keyed"
TAIL_RESTARTED = "audit tail restarted"
# Shown in place of free text erased at disposal (its digest stays in the chain).
ERASED = "(erased at disposal)"

ROW_COLUMNS = (
    "id, previous_id, occurred_at, actor, action, record_type, record_id, "
    "reason, detail, reason_digest, detail_digest, chain, erased_rows, vouched"
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
    # A disposal's row: the ids of the rows whose text it erased, as JSON.
    erased_rows: str | None = None
    # The keyed digest of the records the row's write vouched for (analytics.records.vouching).
    vouched: str | None = None


class ChainKeys(NamedTuple):
    """The subkeys a row is written with: its chain link, and its text's digests."""

    chain: bytes
    text: bytes

    @classmethod
    def of(cls, key: bytes) -> ChainKeys:
        return cls(derive_key(key, AUDIT_CHAIN), derive_key(key, AUDIT_TEXT))


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
    erased_rows: Sequence[int] | None = None,
) -> None:
    """Append one audit row through the writer's cursor, so it commits with the write; now
    is when it happened, as the caller's clock says. erased_rows: the rows whose text this
    write erased (a disposal), kept in the chain.

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
    keys = _keys_for_writing(db_path, trail_is_empty=previous_id is None)
    row = new_row(
        keys, row_id, previous_id, now, actor, action, record_type, record_id, reason, detail,
        erased_rows=erased_rows,
    )  # fmt: skip
    chain = append_row(cursor, keys.chain, row, previous_chain or "")
    note_pending_tail(db_path, transaction, row_id, chain, trail_was_empty=previous_id is None)
    note_audit_row(db_path.resolve(), transaction, row_id, record_type, row.record_id)


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
) -> list[int]:
    """Empty the free text (reason, detail) of every audit row about one record, inside the
    caller's transaction (disposal). The digests stay, so the chain still holds. Returns
    the ids of the rows that had text to erase, for the disposal's own row to list."""
    rows = cursor.execute(
        """
        UPDATE audit_log SET reason = NULL, detail = NULL
        WHERE record_type = ? AND record_id = ? AND (reason IS NOT NULL OR detail IS NOT NULL)
        RETURNING id
        """,
        [record_type, str(record_id)],
    ).fetchall()
    return sorted(row_id for (row_id,) in rows)


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


def _keys_for_writing(db_path: Path, *, trail_is_empty: bool) -> ChainKeys:
    try:
        return ChainKeys.of(load_key(db_path))
    except KeyMissing:
        # Only a trail that has never had a row gets a new key: any other could then be
        # re-chained by whoever removed the key file.
        if not trail_is_empty or audit_tail_path(db_path).exists():
            raise
    with contextlib.suppress(FileExistsError):  # another process made it meanwhile
        create_key(db_path)
    return ChainKeys.of(load_key(db_path))


# ---------------------------------------------------------------------------- the chain


def new_row(
    keys: ChainKeys, row_id, previous_id, now, actor, action, record_type, record_id, reason,
    detail, *, erased_rows: Sequence[int] | None = None,
) -> AuditRow:  # fmt: skip
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
        reason_digest=text_digest(keys.text, reason),
        detail_digest=text_digest(keys.text, detail),
        chain=None,
        erased_rows=None if erased_rows is None else json.dumps(sorted(erased_rows)),
    )


def append_row(
    cursor: duckdb.DuckDBPyConnection, key: bytes, row: AuditRow, previous_chain: str
) -> str:
    """Insert the row chained to previous_chain under key; returns its chain value."""
    chain = keyed_link(key, previous_chain, row)
    cursor.execute(
        f"INSERT INTO audit_log ({ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row._replace(chain=chain)),
    )
    return chain


# Marks a keyed digest; a digest without it is a plain SHA-256 from before December 2026.
KEYED_DIGEST = "hmac:"


def plain_digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def keyed_digest(text_key: bytes, plain: str | None) -> str | None:
    """A plain digest keyed: a row's text digest as the chain now covers it. Keyed over the
    plain digest, not the text, so a row whose text was erased can be re-keyed too."""
    if plain is None or plain.startswith(KEYED_DIGEST):
        return plain
    return KEYED_DIGEST + hmac.digest(text_key, plain.encode("ascii"), "sha256").hex()


def text_digest(text_key: bytes, text: str | None) -> str | None:
    """The keyed digest of a row's free text, as written into the chain."""
    return keyed_digest(text_key, plain_digest(text))


def text_matches(text_key: bytes, text: str | None, digest: str | None) -> bool:
    """Whether text is what the row's digest was made from (erased text is judged apart)."""
    if text is None:
        return True
    if digest is not None and digest.startswith(KEYED_DIGEST):
        return hmac.compare_digest(text_digest(text_key, text), digest)
    return plain_digest(text) == digest


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
    # Rows from before these were kept encode as they always did.
    if row.erased_rows is not None or row.vouched is not None:
        fields.append({"erased": row.erased_rows, "vouched": row.vouched})
    return _COMPACT_JSON.encode(fields).encode("utf-8")


_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def has_erased_text(row: AuditRow) -> bool:
    """Whether the row's text is missing where it once had some (its digest remains)."""
    return (row.reason is None and row.reason_digest is not None) or (
        row.detail is None and row.detail_digest is not None
    )


def erased_rows_listed(rows: Sequence[AuditRow]) -> set[int]:
    """Every row a disposal's row lists as erased by it."""
    listed: set[int] = set()
    for row in rows:
        if row.erased_rows is None:
            continue
        try:
            ids = json.loads(row.erased_rows)
        except ValueError:
            continue  # not as the app wrote it: the row's own chain value says so
        if isinstance(ids, list):
            listed.update(row_id for row_id in ids if isinstance(row_id, int))
    return listed


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
