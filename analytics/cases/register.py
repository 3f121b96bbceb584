"""The incident register: logging a case, recording each step, and reading cases back.

Every write loads the case inside the write transaction, applies the change, checks the
whole case against the rules, writes, and appends to the audit trail, all or nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.cases.rules import (
    CODE_LIST_FIELDS,
    DATE_FIELDS,
    EDITABLE_FIELDS,
    Case,
    CaseInvalid,
    EscalationStep,
    clean_step,
    ensure_valid,
    normalise,
    stage_of,
)
from analytics.problems import Problem
from analytics.records import (
    Store,
    find_case_id_in,
    person_pseudonym,
    pseudonym_key_of,
    record_audit,
)

# The register's lookup of a case by its reference is the records' (the audit trail's filter
# shares it); the cases package offers it as its own.
from analytics.records import find_case_id as find_case_id
from analytics.sql import load_query
from analytics.terms import Period
from analytics.vocabulary import (
    CATEGORIES,
    DISCUSSION_OUTCOMES,
    ESCALATION_ACTIONS,
    FIELD_LABELS,
    PLATFORMS,
    STATUSES,
    label_of,
)

# The incidents columns a Case maps onto, in one place for inserts, updates and reads.
CASE_COLUMNS = (
    "reference",
    "reported_on",
    "posted_on",
    "platform",
    "categories",
    "posted_by",
    "about",
    "person_ref",
    "summary",
    "evidence_url",
    "discussion_on",
    "discussion_outcome",
    "content_removed_on",
    "closed_on",
    "outcome",
    "rationale",
)


def _arrow_type(column: str) -> pa.DataType:
    if column in DATE_FIELDS:
        return pa.date32()
    if column in CODE_LIST_FIELDS:
        return pa.list_(pa.string())
    return pa.string()


# Cases travel into DuckDB as Arrow tables with exact types, whatever the values.
_CASE_SCHEMA = pa.schema(
    [(column, _arrow_type(column)) for column in CASE_COLUMNS]
    + [("stage", pa.string()), ("person_key", pa.uint64())]
)

_ACTION_SCHEMA = pa.schema(
    [
        ("reference", pa.string()),
        ("action", pa.string()),
        ("taken_on", pa.date32()),
        ("note", pa.string()),
    ]
)


class CaseNotFound(LookupError):
    """Raised when no case has the id asked for."""


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to show; an empty tuple or None means "any"."""

    categories: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    reported_from: date | None = None
    reported_to: date | None = None
    statuses: tuple[str, ...] = ()
    person_ref: str | None = None  # exactly as recorded, spaces at the ends aside

    def as_params(self) -> dict[str, Any]:
        return {
            "categories": list(self.categories) or None,
            "platforms": list(self.platforms) or None,
            "stages": list(self.stages) or None,
            "statuses": list(self.statuses) or None,
            "person_ref": (self.person_ref or "").strip() or None,
            "reported_from": self.reported_from,
            "reported_to": self.reported_to,
        }

    def within(self, period: Period | None) -> CaseFilter:
        """The cases this filter matches that were also reported in period (a term and
        dates together: the cases reported in both); all of them if period is None."""
        if period is None:
            return self
        return dataclasses.replace(
            self,
            reported_from=max(filter(None, [self.reported_from, period.start])),
            reported_to=min(filter(None, [self.reported_to, period.end])),
        )


# ---------------------------------------------------------------------------- writes


def record_case(store: Store, case: Case, *, actor: str, now: datetime) -> int:
    """Log one new case (with any steps it already has) at now, and return its id."""
    case = ensure_valid(case, now.date())
    with store.transaction() as cursor:
        _ensure_new_reference(cursor, case.reference)
        _insert_cases(cursor, [case], is_demo=False)
        incident_id = find_case_id_in(cursor, case.reference)
        record_audit(cursor, actor, "case logged", "incident", incident_id, now=now)
    return incident_id


def record_cases(
    cursor: duckdb.DuckDBPyConnection, cases: Sequence[Case], *, is_demo: bool = False
) -> None:
    """Insert already-validated cases inside the caller's transaction (imports, demo)."""
    _insert_cases(cursor, cases, is_demo=is_demo)


def record_discussion(
    store: Store,
    incident_id: int,
    held_on: date | None,
    outcome: str | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Record the discussion with the parent, the policy's first step."""

    def add_discussion(case: Case) -> Case:
        if case.discussion_outcome is not None:
            raise CaseInvalid(
                [Problem("discussion_outcome", "is already recorded; edit it with a reason")]
            )
        return dataclasses.replace(case, discussion_on=held_on, discussion_outcome=outcome)

    _change_case(store, incident_id, add_discussion, actor, "discussion recorded", now)


def record_escalation(
    store: Store,
    incident_id: int,
    step: EscalationStep,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Record one escalation action; the same action may be recorded again later."""
    with store.transaction() as cursor:
        case = load_case_in(cursor, incident_id)
        _ensure_not_anonymised(cursor, incident_id)
        added = clean_step(step)
        escalated = ensure_valid(
            dataclasses.replace(case, actions=(*case.actions, added)), now.date()
        )
        cursor.execute(
            "INSERT INTO escalation_actions (incident_id, action, taken_on, note) "
            "VALUES (?, ?, ?, ?)",
            [incident_id, added.action, added.taken_on, added.note],
        )
        cursor.execute(
            "UPDATE incidents SET stage = ? WHERE id = ?", [stage_of(escalated), incident_id]
        )
        record_audit(
            cursor, actor, "escalation recorded", "incident", incident_id, now=now,
            detail=added.action,
        )  # fmt: skip


def record_removal(
    store: Store,
    incident_id: int,
    removed_on: date | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Record the date the content came down."""

    def add_removal(case: Case) -> Case:
        if case.content_removed_on is not None:
            raise CaseInvalid(
                [Problem("content_removed_on", "is already recorded; edit it with a reason")]
            )
        if removed_on is None:
            raise CaseInvalid([Problem("content_removed_on", "is required")])
        return dataclasses.replace(case, content_removed_on=removed_on)

    _change_case(store, incident_id, add_removal, actor, "removal recorded", now)


def record_closing(
    store: Store,
    incident_id: int,
    closed_on: date | None,
    outcome: str | None,
    rationale: str | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Close a case with its date, outcome and rationale."""

    def close(case: Case) -> Case:
        if case.closed_on is not None:
            raise CaseInvalid([Problem("closed_on", "the case is already closed")])
        if closed_on is None:
            raise CaseInvalid([Problem("closed_on", "is required to close a case")])
        return dataclasses.replace(case, closed_on=closed_on, outcome=outcome, rationale=rationale)

    _change_case(store, incident_id, close, actor, "case closed", now)


def record_edit(
    store: Store,
    incident_id: int,
    changes: Mapping[str, Any],
    reason: str | None,
    *,
    actor: str,
    now: datetime,
) -> list[str]:
    """Change recorded fields, for a stated reason; returns the fields that changed.

    The audit trail keeps the reason and the names of the fields, not their values.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise CaseInvalid([Problem(name, "cannot be edited") for name in unknown])
    reason = (reason or "").strip()
    changed_fields: list[str] = []

    def edit(case: Case) -> Case:
        edited = normalise(dataclasses.replace(case, **changes))
        changed_fields.extend(
            name for name in EDITABLE_FIELDS if getattr(edited, name) != getattr(case, name)
        )
        if not changed_fields:
            raise CaseInvalid([Problem("reason", "nothing was changed, so nothing was saved")])
        if not reason:
            raise CaseInvalid([Problem("reason", "is required to change a recorded field")])
        return edited

    _change_case(
        store,
        incident_id,
        edit,
        actor,
        "case edited",
        now,
        reason=reason,
        detail=lambda: ", ".join(changed_fields),
    )
    return changed_fields


def _change_case(store, incident_id, change, actor, audit_action, now, reason=None, detail=None):
    """Load a case, apply change, validate the whole result on now's date, write it, audit it."""
    with store.transaction() as cursor:
        case = load_case_in(cursor, incident_id)
        _ensure_not_anonymised(cursor, incident_id)
        changed = ensure_valid(change(case), now.date())
        if changed.reference != case.reference:
            _ensure_new_reference(cursor, changed.reference)
        row = _case_row(changed, pseudonym_key_of(cursor))
        cursor.execute(load_query("update_case"), {"id": incident_id, **row})
        record_audit(
            cursor,
            actor,
            audit_action,
            "incident",
            incident_id,
            now=now,
            reason=reason,
            detail=detail() if detail else None,
        )


def _ensure_not_anonymised(cursor: duckdb.DuckDBPyConnection, incident_id: int) -> None:
    ((anonymised_at,),) = cursor.execute(
        "SELECT anonymised_at FROM incidents WHERE id = ?", [incident_id]
    ).fetchall()
    if anonymised_at is not None:
        raise CaseInvalid([Problem("reference", "the case was anonymised and cannot change")])


def _ensure_new_reference(cursor: duckdb.DuckDBPyConnection, reference: str) -> None:
    if find_case_id_in(cursor, reference) is not None:
        raise CaseInvalid([Problem("reference", f"'{reference}' is already used by another case")])


def _case_row(case: Case, pseudonym_key: bytes) -> dict[str, Any]:
    """A case as an incidents row: its columns, the stage its steps put it in, and its
    person's pseudonym."""
    row = {name: getattr(case, name) for name in CASE_COLUMNS}
    row["categories"] = list(case.categories)
    row["about"] = list(case.about)
    row["stage"] = stage_of(case)
    row["person_key"] = person_pseudonym(pseudonym_key, case.person_ref)
    return row


def _insert_cases(cursor: duckdb.DuckDBPyConnection, cases: Sequence[Case], *, is_demo: bool):
    """Insert cases and their actions as two set-based statements (fast for large imports)."""
    if not cases:
        return
    key = pseudonym_key_of(cursor)
    new_cases = pa.Table.from_pylist(  # noqa: F841 (read by name in the SQL)
        [_case_row(case, key) for case in cases], schema=_CASE_SCHEMA
    )
    new_actions = pa.Table.from_pylist(  # noqa: F841 (read by name in the SQL)
        [
            {
                "reference": case.reference,
                "action": step.action,
                "taken_on": step.taken_on,
                "note": step.note,
            }
            for case in cases
            for step in case.actions
        ],
        schema=_ACTION_SCHEMA,
    )
    # DuckDB finds new_cases and new_actions, local Arrow tables, by name. (A registered
    # view would keep each chunk of a large import alive until its transaction commits.)
    cursor.execute(load_query("insert_cases"), {"is_demo": is_demo})
    cursor.execute(load_query("insert_actions_by_reference"))


# ----------------------------------------------------------------------------- reads


def load_case(store: Store, incident_id: int) -> Case:
    """One case with its escalation actions in date order."""
    with store.cursor() as cursor:
        return load_case_in(cursor, incident_id)


def load_case_in(cursor: duckdb.DuckDBPyConnection, incident_id: int) -> Case:
    """One case, read through the given cursor (inside a write transaction, say)."""
    rows = cursor.execute(load_query("case"), [incident_id]).fetchall()
    if not rows:
        raise CaseNotFound(f"no case with id {incident_id}")
    row = rows[0]
    values = dict(zip(CASE_COLUMNS, row, strict=True))
    values["categories"] = tuple(values["categories"])
    values["about"] = tuple(values["about"])
    actions = tuple(
        EscalationStep(action, taken_on, note)
        for action, taken_on, note in cursor.execute(
            load_query("case_actions"), {"id": incident_id, "codes": list(ESCALATION_ACTIONS)}
        ).fetchall()
    )
    return Case(**values, actions=actions)


def load_case_list(
    store: Store, case_filter: CaseFilter, *, today: date, row_limit: int = 500
) -> pd.DataFrame:
    """Cases matching the filter, newest first, at most row_limit of them.

    The column matching_cases holds how many cases match in all.
    """
    params = case_filter.as_params() | {"today": today, "row_limit": row_limit}
    return store.read(load_query("case_list"), params)


def load_status(store: Store, incident_id: int) -> str:
    """The status of one case, as the case list shows it (a code of STATUSES)."""
    status = store.read_value(
        "SELECT case_status(stage, closed_on, discussion_on) FROM incidents WHERE id = ?",
        [incident_id],
    )
    if status is None:
        raise CaseNotFound(f"no case with id {incident_id}")
    return status


def load_stage(store: Store, incident_id: int) -> str:
    """The stage of one case: open, settled_at_discussion or escalated."""
    stage = store.read_value("SELECT stage FROM incidents WHERE id = ?", [incident_id])
    if stage is None:
        raise CaseNotFound(f"no case with id {incident_id}")
    return stage


def count_cases(store: Store, *, demo: bool | None = None) -> int:
    """How many cases the store holds: all, only demonstration ones, or only real ones."""
    return store.read_value(
        "SELECT count(*) FROM incidents WHERE $demo IS NULL OR is_demo = $demo", {"demo": demo}
    )


def describe_timeline(case: Case) -> pd.DataFrame:
    """Every step of a case in date order, as (date, step, detail) rows."""
    steps: list[tuple[date, int, str, str]] = []
    if case.posted_on is not None:
        steps.append((case.posted_on, 0, "Posted", label_of(PLATFORMS, case.platform)))
    steps.append(
        (
            case.reported_on,
            1,
            "Reported to the school",
            ", ".join(label_of(CATEGORIES, code) for code in case.categories),
        )
    )
    if case.discussion_outcome is not None:
        held = case.discussion_on or case.reported_on
        steps.append(
            (
                held,
                2,
                "Discussion with the parent",
                label_of(DISCUSSION_OUTCOMES, case.discussion_outcome),
            )
        )
    for step in case.actions:
        detail = label_of(ESCALATION_ACTIONS, step.action)
        steps.append(
            (step.taken_on, 3, "Escalation", f"{detail}: {step.note}" if step.note else detail)
        )
    if case.content_removed_on is not None:
        steps.append((case.content_removed_on, 4, "Content removed", ""))
    if case.closed_on is not None:
        steps.append((case.closed_on, 5, "Closed", case.outcome or ""))
    steps.sort(key=lambda step: (step[0], step[1]))
    return pd.DataFrame(
        [(on, what, detail) for on, _, what, detail in steps], columns=["date", "step", "detail"]
    )


def load_edit_history(store: Store, incident_id: int) -> pd.DataFrame:
    """The edits of one case from the audit trail, as people read them: when, who, which
    fields (by their labels), why."""
    edits = store.read(load_query("case_edits"), [str(incident_id)])
    return pd.DataFrame(
        {
            "When": edits["occurred_at"],
            "Who": edits["actor"],
            "Fields changed": edits["fields"].map(describe_fields),
            "Reason": edits["reason"],
        }
    )


def describe_fields(fields: str | None) -> str:
    """A list of field names as the audit trail keeps them ("summary,platform"), in words."""
    names = [name.strip() for name in (fields or "").split(",") if name.strip()]
    return ", ".join(FIELD_LABELS.get(name, name) for name in names)


def describe_case_list(cases: pd.DataFrame) -> pd.DataFrame:
    """The case list as people read it: labels instead of codes, plain column names."""
    return pd.DataFrame(
        {
            "Reference": cases["reference"],
            "Status": cases["status"].map(lambda code: label_of(STATUSES, code)),
            "Reported": cases["reported_on"].dt.date,
            "Platform": cases["platform"].map(lambda code: label_of(PLATFORMS, code)),
            "Categories": cases["categories"].map(
                lambda codes: ", ".join(label_of(CATEGORIES, code) for code in codes)
            ),
            "Days open": cases["days_open"],
            "Closed": cases["closed_on"].dt.date,
        }
    )
