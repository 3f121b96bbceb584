"""Records that vouch for themselves: the trail holds a keyed digest of what each write left.

As a transaction commits (Store.transaction's step before COMMIT), every record its audit
rows are about, and every record a bulk write names (note_records), is read back as it now
stands, and its state's digest, HMAC-SHA256 under the store's record subkey, is written
on the transaction's newest audit row: one line per record in audit_vouches, and the keyed
digest of those lines in the row's own `vouched` field, inside the chain. A removed record
is vouched for as absent. verify_records (run by analytics.records.audit_verify) reads every
record as it stands now and names each one whose digest is not the one the trail last
vouched for, or that the trail never vouched for: an edit made to the store file outside
the app, which cannot recompute a digest without the key.

Counters the app moves without a row on the trail each time (failed sign-ins, an
account's lock) are sealed instead: counter_seals holds the keyed digest of each one's
value, written with every change. A counter can be set back to a value the app sealed
before, in the same place, but to no other.

Only the parts of a record listed in RECORD_KINDS are covered, so that a column added later
does not make every record look changed: a migration adding one must add it here too.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import pandas as pd

from analytics.records.audit import (
    CASE_ANONYMISED,
    CASE_RECORD_TYPE,
    ROW_COLUMNS,
    AuditRow,
    ChainKeys,
    command_line_actor,
    has_erased_text,
    keyed_digest,
    keyed_link,
    record_audit,
)
from analytics.records.audit_tail import note_pending_tail, resolved_path, write_newest_tail
from analytics.records.keys import RECORD_STATE, derive_key, load_key
from analytics.records.pending import (
    note_counter,
    note_records,
    note_records_selected,
    note_vouching_as_found,
    take_touched,
    transaction_of,
)

if TYPE_CHECKING:
    from analytics.records.store import Store

log = logging.getLogger(__name__)

ACCOUNT_RECORD_TYPE = "account"
SETTING_RECORD_TYPE = "setting"
POLICY_RECORD_TYPE = "policy"
SNAPSHOT_RECORD_TYPE = "report_snapshot"
SIGN_IN_FAILURES = "sign-in failures"
ACCOUNT_LOCK = "account lock"
RECORDS_VOUCHED = "records vouched"
# A refused sign-in's row on the trail, the first of its username's minute, which the
# count of that minute goes with (analytics.access.signing_in).
SIGN_IN_FAILED = "sign-in failed"
COUNTED_WITH_IT = "every failure this minute is counted with it"


class RecordKind(NamedTuple):
    """How one kind of record reads as its state: select gives (record_id, state) for the
    records whose ids are in the relation wanted(id); every lists every record's id."""

    select: str
    every: str
    key_type: str = "INTEGER"


# How many records' states are read in one query as a write commits: few enough that the
# commit of a large import, whose rows DuckDB still holds in memory, stays within its cap.
STATES_AT_ONCE = 500

# Each kind of record the trail vouches for. A case is its register entry with its steps
# and its evidence's SHA-256; an account is its name, role, active flag and credentials.
# Each part read is named, so that a column added later changes no record's digest.
RECORD_KINDS: dict[str, RecordKind] = {
    CASE_RECORD_TYPE: RecordKind(
        # A case is there if its entry or any step or evidence item of its id is: steps
        # planted under an id before the app uses it are part of that case, not hidden.
        """
        , steps AS (
            SELECT incident_id, list({action: action, taken_on: taken_on, note: note,
                                      recorded_at: recorded_at} ORDER BY id) AS steps
            FROM escalation_actions WHERE incident_id IN (SELECT id FROM wanted)
            GROUP BY incident_id
        ), items AS (
            SELECT incident_id, list({id: id, sha256: sha256, content: sha256(content),
                                      thumbnail: sha256(thumbnail), file_name: file_name,
                                      media_type: media_type, note: note,
                                      original_sha256: original_sha256, size: size_bytes,
                                      original_size: original_size_bytes, added_by: added_by,
                                      added_at: added_at} ORDER BY id) AS items
            FROM evidence WHERE incident_id IN (SELECT id FROM wanted)
            GROUP BY incident_id
        )
        SELECT w.id::VARCHAR, to_json({
            reference: i.reference, reported_on: i.reported_on, posted_on: i.posted_on,
            platform: i.platform, categories: i.categories, posted_by: i.posted_by,
            about: i.about, person_ref: i.person_ref, person_key: i.person_key,
            summary: i.summary, evidence_url: i.evidence_url, discussion_on: i.discussion_on,
            discussion_outcome: i.discussion_outcome, content_removed_on: i.content_removed_on,
            closed_on: i.closed_on, outcome: i.outcome, rationale: i.rationale,
            is_demo: i.is_demo, legal_hold: i.legal_hold, anonymised_at: i.anonymised_at,
            stage: i.stage, repeat_kept: i.repeat_kept, recorded_at: i.recorded_at,
            steps: s.steps, evidence: e.items
        })::VARCHAR
        FROM (SELECT DISTINCT id FROM wanted) w
        LEFT JOIN incidents i ON i.id = w.id
        LEFT JOIN steps s ON s.incident_id = w.id
        LEFT JOIN items e ON e.incident_id = w.id
        WHERE i.id IS NOT NULL OR s.steps IS NOT NULL OR e.items IS NOT NULL
        """,
        "SELECT id FROM incidents UNION SELECT incident_id FROM escalation_actions "
        "UNION SELECT incident_id FROM evidence",
    ),
    ACCOUNT_RECORD_TYPE: RecordKind(
        """
        SELECT a.id::VARCHAR, to_json({
            username: a.username, display_name: a.display_name, email: a.email,
            role: a.role, password_hash: a.password_hash, active: a.active,
            must_change_password: a.must_change_password, created_at: a.created_at,
            second_factor: (SELECT {secret: f.secret, confirmed_at: f.confirmed_at,
                                    last_time_step: f.last_time_step}
                            FROM second_factors f WHERE f.account_id = a.id),
            recovery_codes: (SELECT list({code: r.code_hash, used_at: r.used_at}
                                         ORDER BY r.code_hash)
                             FROM recovery_codes r WHERE r.account_id = a.id)
        })::VARCHAR
        FROM accounts a WHERE a.id IN (SELECT id FROM wanted)
        """,
        "SELECT id FROM accounts",
    ),
    SETTING_RECORD_TYPE: RecordKind(
        """
        SELECT name, to_json({value: value, updated_at: updated_at})::VARCHAR FROM settings
        WHERE name IN (SELECT id FROM wanted)
        """,
        "SELECT name FROM settings",
        "VARCHAR",
    ),
    POLICY_RECORD_TYPE: RecordKind(
        """
        , reviews AS (
            SELECT policy_id, list({approved_on: approved_on, approved_by: approved_by,
                                    next_review_term: next_review_term,
                                    recorded_at: recorded_at} ORDER BY id) AS reviews
            FROM policy_reviews WHERE policy_id IN (SELECT id FROM wanted)
            GROUP BY policy_id
        )
        SELECT w.id::VARCHAR, to_json({
            title: p.title, body: p.body, governs_incidents: p.governs_incidents,
            recorded_at: p.recorded_at, reviews: r.reviews
        })::VARCHAR
        FROM (SELECT DISTINCT id FROM wanted) w
        LEFT JOIN policies p ON p.id = w.id
        LEFT JOIN reviews r ON r.policy_id = w.id
        WHERE p.id IS NOT NULL OR r.reviews IS NOT NULL
        """,
        "SELECT id FROM policies UNION SELECT policy_id FROM policy_reviews",
    ),
    SNAPSHOT_RECORD_TYPE: RecordKind(
        """
        SELECT id::VARCHAR, to_json({
            meeting_on: meeting_on, term: term, mode: mode, threshold: threshold,
            figures: figures, pdf: sha256(pdf), docx: sha256(docx), csv: sha256(csv),
            frozen_at: frozen_at, frozen_by: frozen_by
        })::VARCHAR
        FROM report_snapshots WHERE id IN (SELECT id FROM wanted)
        """,
        "SELECT id FROM report_snapshots",
    ),
}

# A failed sign-in's record id: the username and the minute it was counted in.
_FAILURE_ID = "username || ' ' || strftime(minute, '%Y-%m-%d %H:%M')"

COUNTER_KINDS: dict[str, RecordKind] = {
    SIGN_IN_FAILURES: RecordKind(
        f"""
        SELECT {_FAILURE_ID}, to_json({{attempts: attempts}})::VARCHAR
        FROM sign_in_failures WHERE {_FAILURE_ID} IN (SELECT id FROM wanted)
        """,
        f"SELECT {_FAILURE_ID} FROM sign_in_failures",
        "VARCHAR",
    ),
    ACCOUNT_LOCK: RecordKind(
        """
        SELECT a.id::VARCHAR, to_json({
            failed_sign_ins: a.failed_sign_ins, locked_until: a.locked_until,
            failed_codes: (SELECT f.failed_codes FROM second_factors f
                           WHERE f.account_id = a.id)
        })::VARCHAR
        FROM accounts a WHERE a.id IN (SELECT id FROM wanted)
        """,
        "SELECT id FROM accounts",
    ),
}


def note_counter_change(cursor: duckdb.DuckDBPyConnection, kind: str, record_id) -> None:
    """A write moved this counter (a kind of COUNTER_KINDS): it is sealed as it commits."""
    note_counter(cursor, kind, record_id)


def note_records_changed(
    cursor: duckdb.DuckDBPyConnection, record_type: str, record_ids: Iterable
) -> None:
    """A bulk write changed or removed these records without a row about each: the trail
    vouches for each one's state on the transaction's newest row."""
    note_records(cursor, record_type, record_ids)


def note_records_selected_changed(
    cursor: duckdb.DuckDBPyConnection, record_type: str, select_ids: str, params=None
) -> None:
    """note_records_changed for the ids a query selects (one column, named parameters) as
    the transaction commits: an import's cases, never brought into Python."""
    note_records_selected(cursor, record_type, select_ids, params)


# ---------------------------------------------------------------------------- digests


def state_digest(state_key: bytes, kind: str, record_id: str, state: str | None) -> str | None:
    """The keyed digest of one record's state; None for a record that is not there."""
    if state is None:
        return None
    message = json.dumps([kind, record_id, state], ensure_ascii=False, separators=(",", ":"))
    return hmac.digest(state_key, message.encode("utf-8"), "sha256").hex()


class LinesDigest:
    """The keyed digest of one row's vouch lines, bound to the row, fed in order of kind
    and id (a large import's lines never all in memory at once)."""

    def __init__(self, state_key: bytes, audit_id: int) -> None:
        self._hmac = hmac.new(state_key, b"lines" + json.dumps(audit_id).encode(), "sha256")

    def update(self, lines: Iterable[tuple[str, str, str | None]]) -> None:
        for line in lines:
            self._hmac.update(json.dumps(list(line), separators=(",", ":")).encode() + b"\n")

    def hexdigest(self) -> str:
        return self._hmac.hexdigest()


def lines_digest(
    state_key: bytes, audit_id: int, lines: Iterable[tuple[str, str, str | None]]
) -> str:
    """The keyed digest of one row's vouch lines, bound to the row."""
    digest = LinesDigest(state_key, audit_id)
    digest.update(sorted(lines, key=lambda line: line[:2]))
    return digest.hexdigest()


def current_states(
    read_rows: Callable[..., list[tuple]], kind: RecordKind, record_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """record_id -> state as the store holds it now, for the records named (a few at a
    time, so a large import's commit stays within DuckDB's memory), or for every record of
    the kind."""
    if record_ids is None:
        return dict(read_rows(f"WITH wanted(id) AS ({kind.every}) {kind.select}"))
    wanted = sorted(set(record_ids))
    only_these = (
        f"WITH wanted AS (SELECT CAST(unnest($ids) AS {kind.key_type}) AS id) {kind.select}"
    )
    states: dict[str, str] = {}
    for start in range(0, len(wanted), STATES_AT_ONCE):
        states.update(read_rows(only_these, {"ids": wanted[start : start + STATES_AT_ONCE]}))
    return states


# ---------------------------------------------------------------------------- writing


def vouch_before_commit(store: Store, cursor: duckdb.DuckDBPyConnection) -> None:
    """Store.transaction's step before COMMIT: vouch for the records the transaction
    touched on its newest audit row, and seal the counters it moved."""
    db_path, transaction = transaction_of(cursor)
    touched = take_touched(db_path, transaction)
    if touched is None:
        return
    about = [
        (record_type, record_id)
        for _, record_type, record_id in touched.rows
        if record_type in RECORD_KINDS and record_id is not None
    ]
    for kind in sorted({kind for kind, _ in about}):
        ids = [record_id for each, record_id in about if each == kind]
        touched.records.append((kind, "SELECT unnest($ids)", {"ids": ids}))
    vouching = bool(touched.records)
    if not vouching and not touched.counters:
        return
    if vouching and not touched.rows:
        # A vouch must ride on a row of the trail: a bulk write without one is a mistake.
        raise RuntimeError("records were changed without a row on the audit trail")
    key = load_key(db_path)
    state_key = derive_key(key, RECORD_STATE)
    read_rows = _reader(cursor)
    # A record changed outside the app before this write is not vouched for again, so a
    # later write about it cannot bless the change: verify goes on naming it.
    committed = None if touched.as_found else store.read_rows
    counters = set(touched.counters)
    # An account's write seals its lock too.
    counters |= {
        (ACCOUNT_LOCK, record_id) for kind, record_id in about if kind == ACCOUNT_RECORD_TYPE
    }
    if counters:
        counters = _as_last_vouched(committed, state_key, counters, COUNTER_KINDS, _SEALED)
        _seal_counters(cursor, read_rows, state_key, counters)
    if not vouching:
        return
    row_id = touched.rows[-1][0]
    vouched = LinesDigest(state_key, row_id)
    for kind, wanted in _pending_in_order(cursor, touched.records):
        chunk = {(kind, record_id) for record_id in wanted}
        chunk = _as_last_vouched(committed, state_key, chunk, RECORD_KINDS, _LAST_VOUCHED)
        lines = _vouch_lines(read_rows, state_key, kind, sorted(i for _, i in chunk))
        _write_lines(cursor, row_id, lines)
        vouched.update(lines)
    chain = _rechain_with_vouches(cursor, ChainKeys.of(key), row_id, vouched.hexdigest())
    note_pending_tail(db_path, transaction, row_id, chain, trail_was_empty=False)


def _pending_in_order(cursor, noted) -> Iterator[tuple[str, list[str]]]:
    """The records the transaction named, once each, in order of kind and id, a few at a
    time: (kind, ids), one kind at a time. Read in the writer's transaction, into a table
    of its own connection."""
    selects, params = [], {}
    for number, (kind, select_ids, own) in enumerate(noted):
        # Each query's parameters renamed apart, so that the queries read as one.
        renamed = re.sub(r"\$([a-z_]+)", rf"$q{number}_\1", select_ids)
        params.update({f"q{number}_{name}": value for name, value in own.items()})
        params[f"q{number}_kind"] = kind
        selects.append(
            f"SELECT $q{number}_kind, CAST(noted AS VARCHAR) FROM ({renamed}) AS n(noted)"
        )
    union = " UNION ".join(selects)
    cursor.execute(
        f"""
        CREATE TEMP TABLE pending_in_order AS
        SELECT kind, id, row_number() OVER (ORDER BY kind, id) AS place
        FROM ({union}) AS chosen(kind, id)
        """,
        params,
    )
    try:
        (count,) = cursor.execute("SELECT count(*) FROM pending_in_order").fetchall()[0]
        for start in range(1, count + 1, STATES_AT_ONCE):
            rows = cursor.execute(
                "SELECT kind, id FROM pending_in_order WHERE place BETWEEN ? AND ? ORDER BY place",
                [start, start + STATES_AT_ONCE - 1],
            ).fetchall()
            for kind in sorted({kind for kind, _ in rows}):
                yield kind, [record_id for each, record_id in rows if each == kind]
    finally:
        cursor.execute("DROP TABLE pending_in_order")


_LAST_VOUCHED = """
    SELECT record_id, state_digest FROM audit_vouches
    WHERE record_type = $kind AND record_id IN (SELECT unnest($ids))
        AND audit_id IN (SELECT id FROM audit_log WHERE vouched IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY audit_id DESC) = 1
"""
_SEALED = """
    SELECT record_id, seal FROM counter_seals
    WHERE kind = $kind AND record_id IN (SELECT unnest($ids))
"""


def _as_last_vouched(committed, state_key, records, kinds, last_sql) -> set[tuple[str, str]]:
    """Those of records whose committed state (read outside the writer's transaction) is
    the one the trail last vouched for, or that are new; all of them when committed is None
    (the upgrade, which vouches for records as it finds them)."""
    if committed is None:
        return set(records)
    kept = set()
    for kind in {kind for kind, _ in records}:
        wanted = sorted({record_id for record_kind, record_id in records if record_kind == kind})
        before = current_states(committed, kinds[kind], wanted)
        last: dict[str, str | None] = {}
        for start in range(0, len(wanted), STATES_AT_ONCE):
            chunk = wanted[start : start + STATES_AT_ONCE]
            last.update(committed(last_sql, {"kind": kind, "ids": chunk}))
        for record_id in wanted:
            found = state_digest(state_key, kind, record_id, before.get(record_id))
            if last.get(record_id) == found:
                kept.add((kind, record_id))
    return kept


def _reader(cursor: duckdb.DuckDBPyConnection) -> Callable[..., list[tuple]]:
    return lambda sql, params=None: cursor.execute(sql, params).fetchall()


def _vouch_lines(read_rows, state_key, kind, wanted) -> list[tuple[str, str, str | None]]:
    """The lines for some records of one kind, in order of id, as the write left them."""
    states = current_states(read_rows, RECORD_KINDS[kind], wanted)
    return [
        (kind, record_id, state_digest(state_key, kind, record_id, states.get(record_id)))
        for record_id in wanted
    ]


def _write_lines(cursor, row_id: int, lines) -> None:
    if not lines:
        return
    kinds, ids, digests = (list(column) for column in zip(*lines, strict=True))
    cursor.execute(
        "INSERT INTO audit_vouches SELECT $row, unnest($kinds), unnest($ids), unnest($digests)",
        {"row": row_id, "kinds": kinds, "ids": ids, "digests": digests},
    )


def _rechain_with_vouches(cursor, keys: ChainKeys, row_id: int, vouched: str) -> str:
    """Write the vouched digest into the row: the row is the trail's newest and
    uncommitted, so only its own chain value changes."""
    (row,) = cursor.execute(
        f"SELECT {ROW_COLUMNS} FROM audit_log WHERE id = ?", [row_id]
    ).fetchall()
    row = AuditRow(*row)._replace(vouched=vouched)
    previous = cursor.execute("SELECT chain FROM audit_log WHERE id = ?", [row.previous_id])
    previous_chain = (previous.fetchall() or [("",)])[0][0] or ""
    chain = keyed_link(keys.chain, previous_chain, row)
    cursor.execute(
        "UPDATE audit_log SET vouched = ?, chain = ? WHERE id = ?", [row.vouched, chain, row_id]
    )
    return chain


def _seal_counters(cursor, read_rows, state_key, counters) -> None:
    seals = []
    for kind in sorted({kind for kind, _ in counters}):
        wanted = [record_id for counter_kind, record_id in counters if counter_kind == kind]
        states = current_states(read_rows, COUNTER_KINDS[kind], wanted)
        for record_id in sorted(set(wanted)):
            seal = state_digest(state_key, kind, record_id, states.get(record_id))
            seals.append((kind, record_id, seal))
    frame = pd.DataFrame(seals, columns=["kind", "record_id", "seal"])
    cursor.register("new_seals", frame)
    try:
        cursor.execute(
            "DELETE FROM counter_seals USING new_seals WHERE counter_seals.kind = new_seals.kind "
            "AND counter_seals.record_id = new_seals.record_id"
        )
        cursor.execute("INSERT INTO counter_seals SELECT * FROM new_seals WHERE seal IS NOT NULL")
    finally:
        cursor.unregister("new_seals")


# ---------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class RecordFinding:
    """One record that is not as the trail last vouched for it."""

    kind: str
    record_id: str
    problem: str  # "changed", "never vouched for", "removed", "vouches altered"


def verify_records(read_rows: Callable[..., list[tuple]], key: bytes) -> list[RecordFinding]:
    """Every record and counter whose state now is not the one the trail last vouched for
    (or sealed), and every row whose vouch lines are not the ones its chain covers."""
    state_key = derive_key(key, RECORD_STATE)
    findings = _altered_vouches(read_rows, state_key)
    vouched: dict[tuple[str, str], str | None] = {
        (kind, record_id): digest
        for kind, record_id, digest in read_rows(
            """
            SELECT record_type, record_id, state_digest FROM audit_vouches
            WHERE audit_id IN (SELECT id FROM audit_log WHERE vouched IS NOT NULL)
            QUALIFY row_number() OVER (PARTITION BY record_type, record_id
                                       ORDER BY audit_id DESC) = 1
            """
        )
    }
    for kind, sql in RECORD_KINDS.items():
        findings += _compare(kind, current_states(read_rows, sql), vouched, state_key)
    sealed = {(kind, record_id): seal for kind, record_id, seal in read_rows(
        "SELECT kind, record_id, seal FROM counter_seals"
    )}  # fmt: skip
    failures = current_states(read_rows, COUNTER_KINDS[SIGN_IN_FAILURES])
    for kind, sql in COUNTER_KINDS.items():
        findings += _compare(kind, current_states(read_rows, sql), sealed, state_key)
    # A minute's count removed with its seal: its row on the trail still says it was kept.
    for (record_id,) in read_rows(
        """
        SELECT DISTINCT actor || ' ' || strftime(occurred_at, '%Y-%m-%d %H:%M')
        FROM audit_log WHERE action = $action AND detail LIKE '%' || $counted
        """,
        {"action": SIGN_IN_FAILED, "counted": COUNTED_WITH_IT},
    ):
        if record_id not in failures and (SIGN_IN_FAILURES, record_id) not in sealed:
            findings.append(RecordFinding(SIGN_IN_FAILURES, record_id, "removed"))
    return findings


# How a finding names its record, by kind: what a headteacher would recognise.
_NAMES: dict[str, tuple[str, str | None]] = {
    CASE_RECORD_TYPE: ("case", "SELECT id::VARCHAR, reference FROM incidents"),
    ACCOUNT_RECORD_TYPE: ("account", "SELECT id::VARCHAR, username FROM accounts"),
    ACCOUNT_LOCK: ("the sign-in lock of account", "SELECT id::VARCHAR, username FROM accounts"),
    SETTING_RECORD_TYPE: ("setting", None),
    POLICY_RECORD_TYPE: ("policy", "SELECT id::VARCHAR, title FROM policies"),
    SNAPSHOT_RECORD_TYPE: ("frozen report", "SELECT id::VARCHAR, term FROM report_snapshots"),
    SIGN_IN_FAILURES: ("the failed sign-ins of", None),
    "audit row": ("audit row", None),
}
_PROBLEMS = {
    "changed": "changed",
    "never vouched for": "never vouched for by the trail",
    "removed": "removed",
    "vouches altered": "its record of what it vouched for altered",
}
# Past this many, a verdict counts the rest rather than naming them.
NAMED_AT_MOST = 10


def describe_findings(findings, read_rows: Callable[..., list[tuple]]) -> str:
    """The findings in words, each record by the name people know it by."""
    names: dict[str, dict[str, str]] = {}
    told = []
    for finding in findings[:NAMED_AT_MOST]:
        label, sql = _NAMES.get(finding.kind, (finding.kind, None))
        if sql is not None and finding.kind not in names:
            names[finding.kind] = dict(read_rows(sql))
        name = names.get(finding.kind, {}).get(finding.record_id, finding.record_id)
        told.append(f"{label} {name} ({_PROBLEMS[finding.problem]})")
    more = len(findings) - len(told)
    return "; ".join(told) + (f"; and {more} more" if more else "")


def _compare(kind, states, vouched, state_key) -> list[RecordFinding]:
    findings = []
    for record_id, state in states.items():
        if (kind, record_id) not in vouched:
            findings.append(RecordFinding(kind, record_id, "never vouched for"))
        elif vouched[kind, record_id] != state_digest(state_key, kind, record_id, state):
            findings.append(RecordFinding(kind, record_id, "changed"))
    for (vouched_kind, record_id), digest in vouched.items():
        if vouched_kind == kind and digest is not None and record_id not in states:
            findings.append(RecordFinding(kind, record_id, "removed"))
    return findings


def _altered_vouches(read_rows, state_key) -> list[RecordFinding]:
    """Rows whose vouch lines were added to, removed or changed outside the app."""
    lines: dict[int, list[tuple[str, str, str | None]]] = {}
    for audit_id, kind, record_id, digest in read_rows(
        "SELECT audit_id, record_type, record_id, state_digest FROM audit_vouches"
    ):
        lines.setdefault(audit_id, []).append((kind, record_id, digest))
    findings = []
    for audit_id, vouched in read_rows(
        "SELECT coalesce(r.id, v.audit_id), r.vouched FROM (SELECT DISTINCT audit_id FROM "
        "audit_vouches) v FULL JOIN (SELECT id, vouched FROM audit_log WHERE vouched IS NOT "
        "NULL) r ON r.id = v.audit_id"
    ):
        if vouched is None or lines_digest(state_key, audit_id, lines.get(audit_id, [])) != vouched:
            findings.append(RecordFinding("audit row", str(audit_id), "vouches altered"))
    return findings


# ---------------------------------------------------------------------------- upgrading


def needs_vouching_upgrade(store: Store) -> bool:
    """Whether the store's trail was written before records vouched for themselves: it has
    rows, and none carries what only this app writes (a vouch, an erasure list, the
    upgrade's own row). Read from the chain, which nobody can change without the key, so
    a store cannot be made to look un-upgraded; tried at every opening until it is done (a
    trail that did not verify, a key not yet restored beside a restored store)."""
    return bool(
        store.read_value(
            """
            SELECT count(*) > 0 AND count(*) FILTER (WHERE vouched IS NOT NULL
                OR erased_rows IS NOT NULL OR action = $upgrade) = 0
            FROM audit_log
            """,
            {"upgrade": RECORDS_VOUCHED},
        )
    )


def vouch_existing_records(store: Store, *, now: datetime, trail_verdict) -> bool:
    """Once, as a store from before records vouched for themselves is opened: re-key the
    trail's plain text digests, list the rows earlier disposals erased, and vouch for every
    record and seal every counter as it stands, on one row ("records vouched"). Only a
    trail that verifies whole is upgraded (upgrading would bless damage); returns whether
    it was."""
    if not trail_verdict.whole:
        log.warning("The audit trail of %s was not upgraded: %s", store.path, trail_verdict.message)
        return False
    db_path = resolved_path(store.path)
    keys = ChainKeys.of(load_key(db_path))
    with store.transaction() as cursor:
        rows = [AuditRow(*row) for row in cursor.execute(
            f"SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id"
        ).fetchall()]  # fmt: skip
        _rekey_text_digests(cursor, keys, rows)
        erased = [row.id for row in rows if _erased_at_a_disposal(row, rows)]
        read_rows = _reader(cursor)
        note_vouching_as_found(cursor)
        for kind, sql in RECORD_KINDS.items():
            note_records_selected(cursor, kind, sql.every)
        for kind, sql in COUNTER_KINDS.items():
            for record_id in current_states(read_rows, sql):
                note_counter(cursor, kind, record_id)
        record_audit(
            cursor, command_line_actor(), RECORDS_VOUCHED, now=now, erased_rows=erased,
            detail=f"{len(rows)} earlier rows' text digests keyed; every record vouched for "
            f"as it stood; {len(erased)} rows' text erased by earlier disposals",
        )  # fmt: skip
    # The chain values changed, so the tail is written afresh (the next write would not).
    write_newest_tail(store)
    return True


def _rekey_text_digests(cursor, keys: ChainKeys, rows: list[AuditRow]) -> None:
    rechained, previous_chain = [], ""
    for row in rows:
        row = row._replace(
            reason_digest=keyed_digest(keys.text, row.reason_digest),
            detail_digest=keyed_digest(keys.text, row.detail_digest),
        )
        previous_chain = keyed_link(keys.chain, previous_chain, row)
        rechained.append((row.id, row.reason_digest, row.detail_digest, previous_chain))
    frame = pd.DataFrame(rechained, columns=["id", "reason_digest", "detail_digest", "chain"])
    cursor.register("rechained", frame)
    try:
        # The one rewrite of the chain this upgrade makes, over a trail that verified.
        cursor.execute(
            """
            UPDATE audit_log SET reason_digest = rechained.reason_digest,
                detail_digest = rechained.detail_digest, chain = rechained.chain
            FROM rechained WHERE audit_log.id = rechained.id
            """
        )
    finally:
        cursor.unregister("rechained")


def _erased_at_a_disposal(row: AuditRow, rows: list[AuditRow]) -> bool:
    """Whether the row's missing text was erased by a disposal of its case before the
    trail listed what each disposal erased."""
    if not has_erased_text(row) or row.record_type != CASE_RECORD_TYPE:
        return False
    return any(
        other.action == CASE_ANONYMISED and other.record_id == row.record_id for other in rows
    )
