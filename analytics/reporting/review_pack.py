"""A policy's review pack as its audience may take it: the table, and the marking every
page and document of it carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.cases import count_cases
from analytics.policies import (
    PolicyStatus,
    build_review_pack,
)
from analytics.records import (
    SCHOOL_NAME,
    Store,
    load_setting,
)
from analytics.reporting.report import DEMONSTRATION_MARK, MODE_AUDIENCE, MODES
from analytics.terms import TermCalendar
from analytics.vocabulary import as_long_day

REVIEW_PACK_FORMATS = {
    "csv": "text/csv",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ReviewPack:
    policy_title: str
    school: str
    period_label: str
    made_on: date
    marking: str
    table: pd.DataFrame  # section, item, value: each value as printed


def gather_review_pack(
    store: Store,
    policy: PolicyStatus,
    calendar: TermCalendar,
    *,
    today: date,
    audience: str,
    threshold: int,
) -> ReviewPack:
    """The review pack of the policy for the audience (governors: protected figures, marked
    for circulation; the headteacher and staff: exact figures, marked confidential)."""
    period, table = build_review_pack(
        store, policy, calendar, today=today, audience=audience, threshold=threshold
    )
    mode = next(mode for mode, shown_to in MODE_AUDIENCE.items() if shown_to == audience)
    parts = [MODES[mode], as_long_day(today)]
    if count_cases(store, demo=True):
        parts.insert(0, DEMONSTRATION_MARK)
    return ReviewPack(
        policy_title=policy.title,
        school=load_setting(store, SCHOOL_NAME),
        period_label=period.label,
        made_on=today,
        marking=" · ".join(parts),
        table=table,
    )
