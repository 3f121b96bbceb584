"""Retention: each closed case's disposal date, legal holds, and anonymising cases past it.

Anonymising removes the free text (summary, evidence link, reference text, person
reference, outcome, rationale, action notes) and the person pseudonym, so the case no
longer links to that person's other cases. Every coded field and date stays, and each case
that was a repeat through the removed link is marked so, so past terms' figures do not
change. Frozen reports are stored whole and do not change either.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from analytics.cases.evidence import erase_case_evidence
from analytics.cases.rules import CaseInvalid
from analytics.problems import Problem
from analytics.records import (
    CASE_ANONYMISED,
    CASE_RECORD_TYPE,
    KEEP_REPEATS_OF_DISPOSED,
    RETENTION_YEARS,
    Store,
    erase_audit_text,
    load_setting,
    note_records_changed,
    record_audit,
)
from analytics.sql import load_query

REMOVED = "(removed at disposal)"


def retention_years(store: Store) -> int:
    return int(load_setting(store, RETENTION_YEARS))


def load_cases_due_for_disposal(store: Store, *, today: date) -> pd.DataFrame:
    """Closed cases past their disposal date (closing date plus the retention period),
    not on legal hold and not yet anonymised, oldest first."""
    return store.read(
        load_query("cases_due_for_disposal"), {"years": retention_years(store), "today": today}
    )


def load_cases_on_hold(store: Store) -> pd.DataFrame:
    return store.read(
        "SELECT id, reference, reported_on, closed_on FROM incidents WHERE legal_hold "
        "ORDER BY reported_on, id"
    )


def describe_case_dates(cases: pd.DataFrame) -> pd.DataFrame:
    """Cases due for disposal or on hold as people read them: by reference and dates."""
    described = {
        "Reference": cases["reference"],
        "Reported": cases["reported_on"].dt.date,
        "Closed": cases["closed_on"].dt.date,
    }
    if "disposal_on" in cases:
        described["Disposal due"] = cases["disposal_on"].dt.date
    return pd.DataFrame(described)


def is_on_legal_hold(store: Store, incident_id: int) -> bool:
    return bool(store.read_value("SELECT legal_hold FROM incidents WHERE id = ?", [incident_id]))


def record_legal_hold(
    store: Store, incident_id: int, hold: bool, *, actor: str, reason: str, now: datetime
):
    """Put a case on legal hold (never disposed of) or lift the hold, for a stated reason.
    CaseInvalid, naming the reason, if none is given: nothing is written."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseInvalid([Problem("reason", "is required to place or lift a legal hold")])
    with store.transaction() as cursor:
        cursor.execute("UPDATE incidents SET legal_hold = ? WHERE id = ?", [hold, incident_id])
        record_audit(
            cursor, actor, "legal hold placed" if hold else "legal hold lifted",
            "incident", incident_id, now=now, reason=reason,
        )  # fmt: skip


def anonymise_cases(store: Store, incident_ids: list[int], *, actor: str, now: datetime) -> int:
    """Anonymise, at now, those of the given cases that are due for disposal on now's date;
    returns how many."""
    with store.transaction() as cursor:
        due = {
            row[0]
            for row in cursor.execute(
                load_query("cases_due_for_disposal"),
                {"years": retention_years(store), "today": now.date()},
            ).fetchall()
        }
        chosen = [incident_id for incident_id in incident_ids if incident_id in due]
        for incident_id in chosen:
            # Its repeats keep being counted as repeats: they change with it.
            same_person = cursor.execute(
                "SELECT other.id FROM incidents other JOIN incidents disposed "
                "ON other.person_key = disposed.person_key WHERE disposed.id = ?",
                [incident_id],
            ).fetchall()
            note_records_changed(cursor, CASE_RECORD_TYPE, [other for (other,) in same_person])
            cursor.execute(KEEP_REPEATS_OF_DISPOSED, {"id": incident_id})
            cursor.execute(
                load_query("anonymise_case"), {"id": incident_id, "removed": REMOVED, "now": now}
            )
            cursor.execute(
                "UPDATE escalation_actions SET note = NULL WHERE incident_id = ?", [incident_id]
            )
            erase_case_evidence(cursor, incident_id)
            # Edit and legal-hold reasons about the case; the chain keeps their digests.
            erased = erase_audit_text(cursor, CASE_RECORD_TYPE, incident_id)
            record_audit(
                cursor, actor, CASE_ANONYMISED, CASE_RECORD_TYPE, incident_id, now=now,
                erased_rows=erased,
            )  # fmt: skip
    if chosen:
        # DuckDB does not overwrite the blocks it frees: until the file is written afresh,
        # the removed text could still be read in it.
        store.rewrite()
    return len(chosen)
