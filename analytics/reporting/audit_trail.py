"""The audit trail as people read it, on the Audit trail page and in its CSV.

The trail keeps what the app wrote: record types and ids, and in some details the codes
of the moment (a role, a report's version, the fields of an edit). People read a case by
its reference, an account by its username, a setting, a role or a version by its label,
and a moment as 25/11/2026 14:05:09. The stored rows, and so the chain, stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pandas as pd

from analytics.access import ROLES
from analytics.cases import describe_fields
from analytics.records import (
    CASE_RECORD_TYPE,
    describe_actor,
)
from analytics.text import protect_from_formulas
from analytics.vocabulary import (
    DOCUMENT_FORMATS,
    ESCALATION_ACTIONS,
    FIELD_LABELS,
    REPORT_MODES,
    as_moment,
)

COLUMNS = ("When", "Who", "What", "About", "Reason", "Detail")
NO_LONGER_HELD = "no longer in the register"

_WORD = re.compile(r"[a-z_]+")


def _labelled(vocabulary: Mapping[str, str]) -> Callable[[str], str]:
    """Each whole word of a detail the app wrote that is a code of this vocabulary, as its
    label; every other word as it was."""
    return lambda detail: _WORD.sub(lambda word: vocabulary.get(word[0], word[0]), detail)


# The details the app writes with codes in them, by action; every other detail is words.
_DETAIL_IN_WORDS: dict[str, Callable[[str], str]] = {
    "account created": _labelled(ROLES),
    "role changed": _labelled(ROLES),
    "escalation recorded": _labelled(ESCALATION_ACTIONS),
    "case edited": describe_fields,
    "report downloaded": _labelled(REPORT_MODES | DOCUMENT_FORMATS),
    "report frozen": _labelled(REPORT_MODES),
    "review pack downloaded": _labelled(DOCUMENT_FORMATS),
}


def describe_audit_trail(trail: pd.DataFrame) -> pd.DataFrame:
    """Rows of load_audit_trail as people read them: When, Who, What, About, Reason, Detail."""
    return pd.DataFrame(
        {
            "When": trail["occurred_at"],
            "Who": trail["actor"].map(describe_actor),
            "What": trail["action"].str.capitalize(),
            "About": [_about(row) for row in trail.itertuples()],
            "Reason": trail["reason"],
            "Detail": [
                _DETAIL_IN_WORDS.get(action, str)(detail) if isinstance(detail, str) else detail
                for action, detail in zip(trail["action"], trail["detail"], strict=True)
            ],
        },
        columns=list(COLUMNS),
    )


def _about(row) -> str:
    """The record a row is about, by the name people know it by."""
    kind, record_id = row.record_type, row.record_id
    if kind is None or pd.isna(kind):
        return ""
    if kind == CASE_RECORD_TYPE:
        return f"Case {_or_gone(row.case_reference)}"
    if kind == "account":
        return f"Account {_or_gone(row.account_username)}"
    if kind == "policy":
        return f"Policy: {_or_gone(row.policy_title)}"
    if kind == "setting":
        return f"Setting: {FIELD_LABELS.get(record_id, record_id)}"
    if kind == "report":
        return f"Report for {record_id}"
    if kind in ("report_snapshot", "snapshot"):  # frozen, and downloaded
        return f"Frozen report {record_id}"
    return f"{kind} {record_id}"


def _or_gone(name) -> str:
    return NO_LONGER_HELD if name is None or pd.isna(name) else name


def audit_trail_csv(trail: pd.DataFrame) -> str:
    """Rows of load_audit_trail as CSV, as the page shows them, every cell safe to open in
    a spreadsheet: a username such as "=HYPERLINK(...)" from a failed sign-in stays text."""
    described = describe_audit_trail(trail)
    described["When"] = described["When"].map(as_moment)

    def cell(value) -> str:
        return protect_from_formulas("" if pd.isna(value) else str(value))

    return described.map(cell).to_csv(index=False)
