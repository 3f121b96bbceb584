"""Keying the audit trail as the store opens: a new store's key, an old unkeyed trail re-chained.

A trail from before keyed chaining is keyed once, by prepare_audit_chain when the store is
opened, only if it has no key file and no tail file and its old unkeyed chain verifies
whole; the new key is staged beside the store until the re-chained trail commits, and the
trail records "audit chain keyed". A trail whose old chain is broken is not keyed: keying it
would bless the damage.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analytics.records.audit import (
    CHAIN_KEYED,
    LEGACY_SELECT,
    AuditRow,
    ChainKeys,
    append_row,
    command_line_actor,
    first_legacy_break,
    keyed_link,
    new_row,
    text_digest,
)
from analytics.records.audit_tail import audit_tail_path, resolved_path, write_newest_tail
from analytics.records.audit_verify import first_break, load_audit_rows
from analytics.records.keys import (
    KeyMissing,
    create_key,
    key_path,
    load_key,
)

if TYPE_CHECKING:
    from analytics.records.store import Store


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
    db_path = resolved_path(store.path)
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
    if first_legacy_break(store.read_rows(LEGACY_SELECT)) is not None:
        return "key missing"
    _key_legacy_trail(store, db_path, now)
    return "keyed"


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
    keys = ChainKeys.of(new_key)
    chain_key = keys.chain
    with store.transaction() as cursor:
        legacy = cursor.execute(LEGACY_SELECT).fetchall()
        if first_legacy_break(legacy) is not None:
            raise RuntimeError("The audit trail changed while it was being keyed.")
        rechained, previous_id, previous_chain = [], None, ""
        for row_id, *fields, _ in legacy:
            reason, detail = fields[5], fields[6]
            row = AuditRow(
                row_id, previous_id, *fields,
                text_digest(keys.text, reason), text_digest(keys.text, detail), None,
            )  # fmt: skip
            previous_chain = keyed_link(chain_key, previous_chain, row)
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
        row = new_row(
            keys, row_id, previous_id, now, command_line_actor(), CHAIN_KEYED, None, None,
            None, why,
        )  # fmt: skip
        append_row(cursor, chain_key, row, previous_chain)
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
    rows = load_audit_rows(store.read_rows)
    if len(candidate) != 32 or not rows or first_break(ChainKeys.of(candidate), rows):
        staged.unlink(missing_ok=True)
        return False
    with contextlib.suppress(FileExistsError):
        os.link(staged, key_path(db_path))  # never over an existing key file
    staged.unlink(missing_ok=True)
    write_newest_tail(store)
    return True
