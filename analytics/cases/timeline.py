"""A case's timeline: every step in date order, with who recorded it and when (the audit trail)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.cases.evidence import EvidenceItem, load_evidence_list
from analytics.cases.register import describe_fields, load_case
from analytics.cases.rules import Case
from analytics.records import (
    CASE_RECORD_TYPE,
    SERVER_ACTOR_PREFIX,
    Store,
    describe_actor,
)
from analytics.vocabulary import (
    CATEGORIES,
    DISCUSSION_OUTCOMES,
    ESCALATION_ACTIONS,
    PLATFORMS,
    label_of,
)

NOT_ON_THE_TRAIL = "Not on the audit trail"
TIMELINE_COLUMNS = ("date", "step", "detail", "recorded_by", "recorded_on")

# Audit actions that record a step of a case (analytics.cases.register, analytics.cases.retention).
_STEP_ACTIONS = (
    "case logged", "discussion recorded", "escalation recorded", "removal recorded",
    "case closed", "case edited", "legal hold placed", "legal hold lifted",
)  # fmt: skip
# Steps on one day in the order the policy takes them; audited acts after.
_ORDER = {
    "posted": 0, "reported": 1, "discussion": 2, "escalation": 3, "removed": 4, "closed": 5,
    "evidence": 6, "edited": 7, "hold": 8,
}  # fmt: skip


@dataclass(frozen=True)
class _Recorded:
    """Who put a step on the register, and on which day."""

    actor: str
    on: date


def load_case_timeline(store: Store, incident_id: int) -> pd.DataFrame:
    """Every step of a case in date order with who recorded it and when, as rows of
    (date, step, detail, recorded_by, recorded_on). Steps logged with the case (or imported)
    are by whoever logged it; a step the trail does not name says so.

    CaseNotFound if there is no such case.
    """
    case = load_case(store, incident_id)
    audit = store.read_rows(
        """
        SELECT action, actor, CAST(occurred_at AS DATE), detail, reason
        FROM audit_log
        WHERE record_type = ? AND record_id = ? AND list_contains(?, action)
        ORDER BY id
        """,
        [CASE_RECORD_TYPE, str(incident_id), list(_STEP_ACTIONS)],
    )
    actions = store.read_rows(
        "SELECT action, taken_on, note FROM escalation_actions WHERE incident_id = ? ORDER BY id",
        [incident_id],
    )
    names = load_display_names(store)
    steps = sorted(
        _steps(case, audit, actions, load_evidence_list(store, incident_id)),
        key=lambda step: (step[0], _ORDER[step[1]]),
    )
    return pd.DataFrame(
        [
            (
                on,
                what,
                detail,
                describe_recorder(recorded.actor, names) if recorded else NOT_ON_THE_TRAIL,
                recorded.on if recorded else None,
            )
            for on, _, what, detail, recorded in steps
        ],
        columns=list(TIMELINE_COLUMNS),
    )


def describe_case_timeline(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline as people read it on the case page: plain column names."""
    return timeline.rename(
        columns={
            "date": "Date", "step": "Step", "detail": "Detail",
            "recorded_by": "Recorded by", "recorded_on": "Recorded on",
        }
    )  # fmt: skip


def load_display_names(store: Store) -> dict[str, str]:
    """Each account's name by its username, for describe_recorder."""
    return dict(store.read_rows("SELECT username, display_name FROM accounts"))


def describe_recorder(actor: str, names: dict[str, str]) -> str:
    """A person as the timeline names them: "Name (username)", or the server's user."""
    if actor.startswith(SERVER_ACTOR_PREFIX):
        return describe_actor(actor)
    name = names.get(actor)
    return f"{name} ({actor})" if name and name != actor else actor


def _steps(case: Case, audit, actions, evidence: list[EvidenceItem]) -> Iterator[tuple]:
    """(date, kind, step, detail, recorded) for every step, in no particular order."""
    by_action: dict[str, list[tuple]] = defaultdict(list)
    for action, actor, on, detail, reason in audit:
        by_action[action].append((_Recorded(actor, on), detail, reason))
    logged = by_action["case logged"][0][0] if by_action["case logged"] else None

    def first(action: str) -> _Recorded | None:
        return by_action[action][0][0] if by_action[action] else logged

    if case.posted_on is not None:
        yield case.posted_on, "posted", "Posted", label_of(PLATFORMS, case.platform), logged
    categories = ", ".join(label_of(CATEGORIES, code) for code in case.categories)
    yield case.reported_on, "reported", "Reported to the school", categories, logged
    if case.discussion_outcome is not None:
        recorded = first("discussion recorded")
        held = case.discussion_on or (recorded.on if recorded else case.reported_on)
        outcome = label_of(DISCUSSION_OUTCOMES, case.discussion_outcome)
        yield held, "discussion", "Discussion with the parent", outcome, recorded
    yield from _escalation_steps(actions, by_action["escalation recorded"], logged)
    if case.content_removed_on is not None:
        yield case.content_removed_on, "removed", "Content removed", "", first("removal recorded")
    if case.closed_on is not None:
        yield case.closed_on, "closed", "Closed", case.outcome or "", first("case closed")
    for number, item in enumerate(evidence, start=1):
        recorded = _Recorded(item.added_by, item.added_at.date())
        detail = f"Item {number}: {item.file_name} ({item.type_label})"
        yield recorded.on, "evidence", "Evidence added", detail, recorded
    for recorded, fields, reason in by_action["case edited"]:
        yield recorded.on, "edited", "Record corrected", _edit_detail(fields, reason), recorded
    for action in ("legal hold placed", "legal hold lifted"):
        for recorded, _, reason in by_action[action]:
            yield recorded.on, "hold", action.capitalize(), reason or "", recorded


def _escalation_steps(actions, audited, logged) -> Iterator[tuple]:
    """Each escalation action with who recorded it. The trail names an action recorded
    later by its code; those recorded with the case when it was logged (or imported) come
    first in the table, so the last rows of each action pair with its audit rows in order."""
    audited_by_code: dict[str, list[_Recorded]] = defaultdict(list)
    for recorded, code, _ in audited:
        audited_by_code[code].append(recorded)
    seen: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for code, _, _ in actions:
        totals[code] += 1
    for code, taken_on, note in actions:
        with_case = totals[code] - len(audited_by_code[code])
        index = seen[code]
        seen[code] += 1
        recorded = logged if index < with_case else audited_by_code[code][index - with_case]
        label = label_of(ESCALATION_ACTIONS, code)
        detail = f"{label}: {note}" if note else label
        yield taken_on, "escalation", "Escalation", detail, recorded


def _edit_detail(fields: str | None, reason: str | None) -> str:
    text = f"Changed: {describe_fields(fields)}" if fields else "Changed"
    return f"{text}. Reason: {reason}" if reason else text
