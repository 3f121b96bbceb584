"""A store for report tests, with figures worked out by hand.

Autumn 2025 (1 Sep to 31 Dec 2025), the report made on 2026-03-15:
- 12 complaints on Facebook, settled at discussion (removed after 2 days, closed after 3);
- 3 racist comments on WhatsApp, escalated: police the same day, then closed;
- Summer 2025: 6 complaints on Facebook, settled; Autumn 2024: nothing.
Headline, Autumn 2025: 15 incidents = 12 settled + 3 escalated + 0 open.
"""

from __future__ import annotations

from datetime import date, timedelta

from analytics.cases.register import record_case
from analytics.cases.rules import Case, EscalationStep
from tests.conftest import at_ten

REPORT_DAY = date(2026, 3, 15)
# Free text every case carries, which no report may ever print.
PRIVATE = "SECRET"
PRIVATE_SUMMARY = f"{PRIVATE}-SUMMARY: a post naming pupil Jane Doe"
PRIVATE_EVIDENCE = f"https://example.invalid/{PRIVATE}-EVIDENCE"
SCHOOL = "St Mary’s “Café” School, naïve apostrophe's"


def settled_complaint(reference: str, reported: date, person: str) -> Case:
    return Case(
        reference, reported, ("complaints",), platform="facebook", person_ref=person,
        discussion_on=reported + timedelta(days=1), discussion_outcome="removed",
        content_removed_on=reported + timedelta(days=2), closed_on=reported + timedelta(days=3),
        outcome=f"Removed ({PRIVATE}-OUTCOME)", rationale=f"Settled ({PRIVATE}-RATIONALE)",
        summary=PRIVATE_SUMMARY, evidence_url=PRIVATE_EVIDENCE,
    )  # fmt: skip


def escalated_racist(reference: str, reported: date) -> Case:
    return Case(
        reference, reported, ("racist",), platform="whatsapp", discussion_outcome="not_held",
        actions=(EscalationStep("police", reported),), closed_on=reported + timedelta(days=10),
        outcome=f"Police informed ({PRIVATE}-OUTCOME)",
        rationale=f"Racial element ({PRIVATE}-RATIONALE)",
        summary=PRIVATE_SUMMARY, evidence_url=PRIVATE_EVIDENCE, person_ref=f"X-{reference}",
    )  # fmt: skip


def fill_report_store(store) -> None:
    for n in range(6):
        record_case(
            store, settled_complaint(f"S{n}", date(2025, 5, 1 + n), f"Q{n}"), actor="t",
            now=at_ten(REPORT_DAY),
        )  # fmt: skip
    for n in range(12):
        # Q0 and Q1 had cases in the summer: two repeat cases.
        record_case(
            store, settled_complaint(f"A{n}", date(2025, 9, 8 + n), f"Q{n}" if n < 2 else f"R{n}"),
            actor="t", now=at_ten(REPORT_DAY),
        )  # fmt: skip
    for n in range(3):
        record_case(
            store,
            escalated_racist(f"B{n}", date(2025, 11, 3 + n)),
            actor="t",
            now=at_ten(REPORT_DAY),
        )
