"""The person pseudonym: a keyed one-way number for a person reference, so repeat cases are
counted without comparing the references themselves.

It is the first 64 bits of HMAC-SHA256 under the store's pseudonym key, which lives in the
key file beside the store (analytics.records.keys), never in the store: a copy of the store alone
cannot turn a reference into its pseudonym, nor test guesses against them. Disposal
removes a case's pseudonym, marking first every case that was a repeat through it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics.records.audit import CASE_RECORD_TYPE, record_audit
from analytics.records.keys import PSEUDONYM, derived_key
from analytics.records.pending import note_records
from analytics.records.store import Store
from analytics.records.vouching import SETTING_RECORD_TYPE
from analytics.sql import load_query


def person_pseudonym(key: bytes, person_ref: str | None) -> int | None:
    """The pseudonym of one person reference (None for none)."""
    if person_ref is None:
        return None
    digest = hmac.new(key, person_ref.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def pseudonym_key_of(cursor: duckdb.DuckDBPyConnection) -> bytes:
    """The pseudonym key of the store this cursor writes to (found from its file)."""
    ((path,),) = cursor.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return derived_key(Path(path), PSEUDONYM)


# Before a case loses its person pseudonym (at disposal), the repeats it made are marked
# kept, so past terms' figures do not change: bind $id to the case.
KEEP_REPEATS_OF_DISPOSED = load_query("keep_repeats_of_disposed")


# Stores from before the keyed pseudonym counted repeats on md5(reference || salt), the
# salt in the store itself: anyone with the file could test guesses against it.
_OLD_SALT_SETTING = "person_key_salt"


def rekey_person_pseudonyms(store: Store, *, now: datetime) -> int:
    """Once, on a store from before keyed pseudonyms: every case's pseudonym made again
    under the key file's pseudonym key, and the old salt removed. A case anonymised before
    then loses its old pseudonym as disposal now removes it, its repeat figures kept.
    Returns how many cases were rekeyed (0 when there was nothing to do)."""
    if not store.read_value("SELECT count(*) FROM settings WHERE name = ?", [_OLD_SALT_SETTING]):
        return 0
    key = derived_key(store.path, PSEUDONYM)
    with store.transaction() as cursor:
        disposed = cursor.execute(
            "SELECT id FROM incidents WHERE person_ref IS NULL AND person_key IS NOT NULL"
        ).fetchall()
        for (incident_id,) in disposed:
            cursor.execute(KEEP_REPEATS_OF_DISPOSED, {"id": incident_id})
        cursor.execute(
            "UPDATE incidents SET person_key = NULL "
            "WHERE person_ref IS NULL AND person_key IS NOT NULL"
        )
        people = cursor.execute(
            "SELECT DISTINCT person_ref FROM incidents WHERE person_ref IS NOT NULL"
        ).fetchall()
        rekeyed = pa.table(
            {
                "person_ref": [ref for (ref,) in people],
                "person_key": pa.array(
                    [person_pseudonym(key, ref) for (ref,) in people], type=pa.uint64()
                ),
            }
        )
        cursor.register("rekeyed", rekeyed)
        cursor.execute(
            "UPDATE incidents SET person_key = rekeyed.person_key FROM rekeyed "
            "WHERE incidents.person_ref = rekeyed.person_ref"
        )
        cursor.unregister("rekeyed")
        ((count,),) = cursor.execute(
            "SELECT count(*) FROM incidents WHERE person_ref IS NOT NULL"
        ).fetchall()
        cursor.execute("DELETE FROM settings WHERE name = ?", [_OLD_SALT_SETTING])
        every_case = cursor.execute("SELECT id FROM incidents").fetchall()
        note_records(cursor, CASE_RECORD_TYPE, [case_id for (case_id,) in every_case])
        note_records(cursor, SETTING_RECORD_TYPE, [_OLD_SALT_SETTING])
        record_audit(
            cursor, "system", "person pseudonyms keyed", now=now,
            detail=f"{count} cases; {len(disposed)} anonymised cases unlinked",
        )  # fmt: skip
    return count
