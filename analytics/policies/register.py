"""The policy register: each policy, its approvals, and when its next review falls due.

A review date is a term, not a day: a policy is due by the last day of its review term.
It is overdue once that day has passed, due soon within 90 days of it, else in date
(analytics.vocabulary.POLICY_STATUSES).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.figures import (
    Scope,
    disclose_overview,
)
from analytics.paths import DATA_FOLDER
from analytics.problems import Problem, RulesBroken
from analytics.records import (
    Store,
    record_audit,
)
from analytics.sql import load_query
from analytics.terms import Period, Term, TermCalendar, TermsInvalid, parse_term
from analytics.text import protect_from_formulas
from analytics.vocabulary import (
    ALL_CASES,
    CATEGORIES,
    DUE_SOON,
    ESCALATION_ACTIONS,
    HEADLINE,
    IN_DATE,
    OVERDUE,
    POLICY_STATUSES,
    as_short_day,
)

SEED_FILE = DATA_FOLDER / "policies.csv"
DUE_SOON_DAYS = 90
DAYS_PER_MONTH = 365.25 / 12
REVIEW_CYCLE_YEARS = 3
SYSTEM_ACTOR = "system"


class PolicyInvalid(RulesBroken):
    """A policy or review breaks a rule; nothing was written."""


@dataclass(frozen=True)
class PolicyStatus:
    """Where one policy stands on a given day."""

    policy_id: int
    title: str
    approved_on: date
    approved_by: str
    review_term: Term
    review_due: date
    status: str
    days_overdue: int
    governs_incidents: bool

    @property
    def status_label(self) -> str:
        return POLICY_STATUSES[self.status]


def review_status(review_due: date, as_of: date) -> str:
    """OVERDUE, DUE_SOON or IN_DATE for a review due by review_due, seen on as_of."""
    if as_of > review_due:
        return OVERDUE
    if (review_due - as_of).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return IN_DATE


def describe_overdue(review_due: date, as_of: date) -> str:
    """How long a review is overdue, e.g. "overdue since 31 Dec 2024: 1 year 11 months".

    Months are rounded to the nearest whole month; under a month, days are given.
    """
    days = (as_of - review_due).days
    since = f"overdue since {as_short_day(review_due)}"
    if days < 31:
        return f"{since}: {days} day{'s' if days != 1 else ''}"
    years, months = divmod(round(days / DAYS_PER_MONTH), 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return f"{since}: {' '.join(parts)}"


def load_policy_statuses(store: Store, calendar: TermCalendar, as_of: date) -> list[PolicyStatus]:
    """Every policy with its latest approval and review status on as_of, by title."""
    statuses = []
    for row in store.read_rows(load_query("current_policies")):
        policy_id, title, governs, approved_on, approved_by, term_name = row
        term = parse_term(term_name)
        due = calendar.last_day(term)
        statuses.append(
            PolicyStatus(
                policy_id=policy_id,
                title=title,
                approved_on=approved_on,
                approved_by=approved_by,
                review_term=term,
                review_due=due,
                status=review_status(due, as_of),
                days_overdue=max(0, (as_of - due).days),
                governs_incidents=governs,
            )
        )
    return statuses


def describe_policy_statuses(statuses: list[PolicyStatus]) -> pd.DataFrame:
    """The register as people read it."""
    return pd.DataFrame(
        [
            {
                "Policy": s.title,
                "Approved": s.approved_on,
                "By": s.approved_by,
                "Review term": s.review_term.label,
                "Review due": s.review_due,
                "Status": s.status_label,
                "Days overdue": s.days_overdue,
            }
            for s in statuses
        ],
        columns=["Policy", "Approved", "By", "Review term", "Review due", "Status", "Days overdue"],
    )


def load_policy_text(store: Store, policy_id: int) -> str:
    return store.read_value("SELECT coalesce(body, '') FROM policies WHERE id = ?", [policy_id])


def load_review_history(store: Store, policy_id: int) -> pd.DataFrame:
    """Every approval of a policy, newest first."""
    reviews = store.read(
        "SELECT approved_on, approved_by, next_review_term, recorded_at FROM policy_reviews "
        "WHERE policy_id = ? ORDER BY approved_on DESC, id DESC",
        [policy_id],
    )
    return pd.DataFrame(
        {
            "Approved": reviews["approved_on"].dt.date,
            "By": reviews["approved_by"],
            "Next review": reviews["next_review_term"],
            "Recorded": reviews["recorded_at"],
        }
    )


def proposed_review_term(approved_on: date, calendar: TermCalendar) -> Term:
    """The same term three years on from the term of approval."""
    return calendar.term_of(approved_on).years_later(REVIEW_CYCLE_YEARS)


def record_review(
    store: Store,
    policy_id: int,
    approved_on: date | None,
    approved_by: str | None,
    next_review_term: str | None,
    *,
    actor: str,
    calendar: TermCalendar,
    now: datetime,
) -> None:
    """Record, at now, that a policy was reviewed and approved again (on or before now's
    date); earlier approvals are kept."""
    approved_by = (approved_by or "").strip()
    term = _check_approval(approved_on, approved_by, next_review_term, calendar, now.date())
    with store.transaction() as cursor:
        _insert_approval(cursor, policy_id, approved_on, approved_by, term, now)
        record_audit(
            cursor, actor, "policy reviewed", "policy", policy_id, now=now, detail=term.label
        )


def record_policy(
    store: Store,
    title: str | None,
    body: str | None,
    approved_on: date | None,
    approved_by: str | None,
    next_review_term: str | None,
    *,
    actor: str,
    calendar: TermCalendar,
    governs_incidents: bool = False,
    now: datetime,
) -> int:
    """Add a policy to the register, at now, with its current approval (on or before now's
    date); returns its id."""
    return _add_policy(
        store, title, body, approved_on, approved_by, next_review_term, actor=actor,
        calendar=calendar, governs_incidents=governs_incidents, today=now.date(), now=now,
    )  # fmt: skip


def _add_policy(
    store: Store,
    title: str | None,
    body: str | None,
    approved_on: date | None,
    approved_by: str | None,
    next_review_term: str | None,
    *,
    actor: str,
    calendar: TermCalendar,
    governs_incidents: bool,
    today: date,
    now: datetime,
) -> int:
    """record_policy, recorded at now, its approval judged as of today (the seed judges
    none by the day: it may record an approval of any date)."""
    title = (title or "").strip()
    approved_by = (approved_by or "").strip()
    problems = []
    if not 1 <= len(title) <= 200:
        problems.append(Problem("title", "is required (1 to 200 characters)"))
    elif store.read_value("SELECT count(*) FROM policies WHERE title = ?", [title]):
        problems.append(Problem("title", f"'{title}' is already in the register"))
    try:
        term = _check_approval(approved_on, approved_by, next_review_term, calendar, today)
    except PolicyInvalid as invalid:
        problems.extend(invalid.problems)
    if problems:
        raise PolicyInvalid(problems)
    with store.transaction() as cursor:
        ((policy_id,),) = cursor.execute(
            "INSERT INTO policies (title, body, governs_incidents, recorded_at) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            [title, (body or "").strip() or None, governs_incidents, now],
        ).fetchall()
        _insert_approval(cursor, policy_id, approved_on, approved_by, term, now)
        record_audit(cursor, actor, "policy added", "policy", policy_id, now=now, detail=term.label)
    return policy_id


def _insert_approval(
    cursor, policy_id: int, approved_on: date, approved_by: str, term: Term, now: datetime
) -> None:
    cursor.execute(
        "INSERT INTO policy_reviews "
        "(policy_id, approved_on, approved_by, next_review_term, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [policy_id, approved_on, approved_by, term.label, now],
    )


def seed_policies(
    store: Store, calendar: TermCalendar, seed_file: Path = SEED_FILE, *, now: datetime
) -> int:
    """Add, at now, the policies listed in data/policies.csv that the register lacks;
    returns how many."""
    if not seed_file.is_file():
        return 0
    added = 0
    for row in csv.DictReader(io.StringIO(seed_file.read_text(encoding="utf-8-sig"))):
        title = row["title"].strip()
        if store.read_value("SELECT count(*) FROM policies WHERE title = ?", [title]):
            continue
        text_file = (row.get("text_file") or "").strip()
        body = (seed_file.parent / text_file).read_text(encoding="utf-8") if text_file else None
        _add_policy(
            store,
            title,
            body,
            date.fromisoformat(row["approved_on"].strip()),
            row["approved_by"],
            row["review_term"],
            actor=SYSTEM_ACTOR,
            calendar=calendar,
            governs_incidents=row.get("governs_incidents", "").strip().lower() == "true",
            # A seed may record an approval of any date; only its own rules apply.
            today=date.max,
            now=now,
        )
        added += 1
    return added


def build_review_pack(
    store: Store,
    policy: PolicyStatus,
    calendar: TermCalendar,
    *,
    today: date,
    audience: str,
    threshold: int,
) -> tuple[Period, pd.DataFrame]:
    """What happened since the policy was last approved, for the governors reviewing it, as
    the audience may see it (governors: protected, like every figure they are given).

    Returns the period and a table of Section, Item, Value (each value as printed).
    """
    period = Period(policy.approved_on, today, f"since {as_short_day(policy.approved_on)}")
    # The Overview's release for the same dates, so the pack and the page agree cell by cell.
    disclosed = disclose_overview(
        store, Scope(period), calendar, today=today, audience=audience, threshold=threshold
    )
    rows = [
        ("Cases", label, disclosed.headline("this", figure).text)
        for figure, label in HEADLINE.items()
    ]
    rows += [
        ("Cases per category", label, disclosed[("category", code, ALL_CASES)].text)
        for code, label in CATEGORIES.items()
    ]
    rows += [
        ("Escalation actions (cases)", label, disclosed[("action", code)].text)
        for code, label in ESCALATION_ACTIONS.items()
    ]
    rows.append(
        ("Repeat cases", "Cases by someone with an earlier case", disclosed[("repeat_cases",)].text)
    )
    rows.append(
        (
            "Content removal",
            "Cases where the content came down",
            disclosed[("content_removed",)].text,
        )
    )
    median = disclosed.medians["median_days_to_removal"]
    rows.append(
        (
            "Content removal",
            "Median days from report to removal",
            "–" if median is None else f"{median:g}",
        )
    )
    return period, pd.DataFrame(rows, columns=["Section", "Item", "Value"])


def review_pack_csv(pack: pd.DataFrame) -> str:
    """The review pack as CSV, every cell safe to open in a spreadsheet."""
    return pack.map(protect_from_formulas).to_csv(index=False)


def unused_actions(pack: pd.DataFrame) -> list[str]:
    """The escalation actions never used in the pack's period."""
    actions = pack[pack["Section"] == "Escalation actions (cases)"]
    return actions.loc[actions["Value"] == "0", "Item"].tolist()


def _check_approval(approved_on, approved_by, next_review_term, calendar, today) -> Term:
    problems = []
    if approved_on is None:
        problems.append(Problem("approved_on", "is required"))
    elif approved_on > today:
        problems.append(Problem("approved_on", f"must not be after today ({today.isoformat()})"))
    if not 1 <= len(approved_by) <= 200:
        problems.append(Problem("approved_by", "is required (for example: Full Governing Body)"))
    term = None
    try:
        term = parse_term(next_review_term or "")
    except TermsInvalid as error:
        problems.append(Problem("next_review_term", str(error)))
    if term is not None and approved_on is not None and term <= calendar.term_of(approved_on):
        problems.append(
            Problem("next_review_term", "must be a term after the one in which it was approved")
        )
    if problems:
        raise PolicyInvalid(problems)
    return term
