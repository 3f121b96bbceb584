"""A case file: one PDF of a case, for the police, legal advice or a platform's abuse team.

It holds the case's facts as recorded, what the policy calls them in its own words, the
dated timeline of every step with who recorded it (from the audit trail), and each item
of evidence with its SHA-256 (images drawn, PDFs listed); analytics.reporting.casefile_pdf
draws it. "Confidential" is printed on every page, and making one is on the audit trail,
naming the evidence it carried.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from analytics.cases import (
    CaseInvalid,
    load_case,
    load_case_timeline,
    load_display_names,
    load_evidence_list,
)
from analytics.policies import describe_governing_policy
from analytics.problems import Problem
from analytics.records import (
    SCHOOL_NAME,
    Store,
    load_setting,
    record_case_file_made,
)
from analytics.reporting.casefile_pdf import CaseFileContents, render_case_file


def build_case_file(store: Store, incident_id: int, *, actor: str, now: datetime) -> bytes:
    """The case file as PDF bytes, made for actor at now and audited. CaseNotFound if there
    is no such case; CaseInvalid if it was anonymised (its text and evidence are gone)."""
    today = now.date()
    case = load_case(store, incident_id)
    is_demo, anonymised_at, stage = store.read_rows(
        "SELECT is_demo, anonymised_at, stage FROM incidents WHERE id = ?", [incident_id]
    )[0]
    if anonymised_at is not None:
        raise CaseInvalid(
            [Problem("reference", "the case was anonymised: no case file can be made of it")]
        )
    evidence = load_evidence_list(store, incident_id)
    contents = CaseFileContents(
        case=case,
        stage=stage,
        demonstration=is_demo,
        school=load_setting(store, SCHOOL_NAME),
        policy=describe_governing_policy(store),
        timeline=load_case_timeline(store, incident_id),
        evidence=evidence,
        names=load_display_names(store),
        made_on=today,
    )
    content = render_case_file(contents, lambda evidence_id: _content_of(store, evidence_id))
    record_case_file_made(store, actor, incident_id, [item.id for item in evidence], now=now)
    return content


def case_file_name(reference: str, today: date) -> str:
    """A file name for the download, from the reference and the day."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", reference).strip("-") or "case"
    return f"case-file-{slug}-{today.isoformat()}.pdf"


def _content_of(store: Store, evidence_id: int) -> bytes:
    """An item's content, for drawing: the case file's own audit row covers this read."""
    return bytes(store.read_value("SELECT content FROM evidence WHERE id = ?", [evidence_id]))
