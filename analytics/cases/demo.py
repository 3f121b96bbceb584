"""Demonstration cases: realistic, synthetic, marked as such, and removable in one go."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from analytics.cases.evidence import erase_demo_evidence
from analytics.cases.register import record_cases
from analytics.cases.rules import Case, EscalationStep
from analytics.records import (
    CASE_RECORD_TYPE,
    Store,
    note_records_changed,
    note_records_selected_changed,
    record_audit,
)
from analytics.vocabulary import (
    BLOCKABLE_PLATFORM,
    CATEGORIES,
    ESCALATED,
    OPEN,
    PLATFORMS,
    SETTLED,
)

DEMO_REFERENCE_PREFIX = "DEMO-"
ACADEMIC_YEARS_OF_HISTORY = 4
REPEAT_SHARE = 0.2
_BATCH_SIZE = 50_000

# Relative frequencies: most posts are complaints or negative comments, few are threats.
_CATEGORY_WEIGHTS = {
    "complaints": 30,
    "offensive_comments": 22,
    "naming_children": 14,
    "allegations": 10,
    "defamatory": 8,
    "cyber_bullying": 8,
    "racist": 4,
    "threats_of_violence": 4,
}
_PLATFORM_WEIGHTS = {
    "facebook": 40,
    "whatsapp": 22,
    "x_twitter": 8,
    "instagram": 8,
    "tiktok": 8,
    "snapchat": 4,
    "youtube": 2,
    "school_website_or_forum": 5,
    "other": 3,
}
_POSTED_BY_WEIGHTS = {"parent": 75, "carer": 10, "relative": 10, "other_associated": 5}
_ABOUT_BY_CATEGORY = {
    "complaints": ("school", "staff"),
    "offensive_comments": ("staff", "other"),
    "naming_children": ("pupil",),
    "allegations": ("staff", "governor"),
    "defamatory": ("school", "staff"),
    "cyber_bullying": ("pupil", "staff"),
    "racist": ("pupil", "staff", "other"),
    "threats_of_violence": ("staff", "school"),
}
# Posts the policy says call for the police, whatever the parent says.
_POLICE_CATEGORIES = {"threats_of_violence", "racist"}


class DemoRefused(RuntimeError):
    """Raised when demonstration data would mix with, or duplicate, cases already held."""


def first_day_of_history(today: date) -> date:
    """1 September, ACADEMIC_YEARS_OF_HISTORY academic years before the current one ends."""
    current_year_start = today.year if today.month >= 9 else today.year - 1
    return date(current_year_start - (ACADEMIC_YEARS_OF_HISTORY - 1), 9, 1)


def generate_demo_cases(count: int, *, seed: int = 1, today: date) -> Iterator[Case]:
    """count realistic synthetic cases reported between first_day_of_history and today."""
    rng = random.Random(seed)
    start = first_day_of_history(today)
    span_days = (today - start).days
    people_so_far = 0
    # Cases reach a real register in date order (and are numbered so); DuckDB can then
    # skip whole blocks of cases outside the period a figure asks about.
    report_dates = sorted(_draw_report_date(rng, start, span_days) for _ in range(count))
    for number, reported_on in enumerate(report_dates, start=1):
        # About one case in five is by someone with an earlier case (a "repeat case").
        if people_so_far and rng.random() < REPEAT_SHARE:
            person = rng.randrange(people_so_far)
        else:
            person, people_so_far = people_so_far, people_so_far + 1
        yield _demo_case(rng, number, reported_on, today, person_ref=f"P-{person:07d}")


def load_demo_data(store: Store, count: int, *, actor: str, seed: int = 1, now: datetime) -> int:
    """Fill an empty store, at now, with count demonstration cases reported up to now's
    date; refuses a store that holds any."""
    if count < 1:
        raise DemoRefused("the number of demonstration cases must be at least 1")
    with store.transaction() as cursor:
        real, demo = cursor.execute(
            "SELECT count(*) FILTER (WHERE NOT is_demo), count(*) FILTER (WHERE is_demo) "
            "FROM incidents"
        ).fetchall()[0]
        if real:
            raise DemoRefused(
                f"the store holds {real} real case(s); demonstration data is only for an "
                "empty store"
            )
        if demo:
            raise DemoRefused(
                f"the store already holds {demo} demonstration case(s); remove them first"
            )
        cases = generate_demo_cases(count, seed=seed, today=now.date())
        for batch in _batches(cases, _BATCH_SIZE):
            record_cases(cursor, batch, is_demo=True)
        note_records_selected_changed(
            cursor, CASE_RECORD_TYPE, "SELECT id FROM incidents WHERE is_demo"
        )
        record_audit(
            cursor, actor, "demo data loaded", now=now, detail=f"{count} cases, seed {seed}"
        )
    return count


def remove_demo_data(store: Store, *, actor: str, now: datetime) -> int:
    """Remove every demonstration case and its steps; returns how many cases went."""
    with store.transaction() as cursor:
        demonstration = cursor.execute("SELECT id FROM incidents WHERE is_demo").fetchall()
        removed = len(demonstration)
        note_records_changed(cursor, CASE_RECORD_TYPE, [case_id for (case_id,) in demonstration])
        cursor.execute(
            "DELETE FROM escalation_actions WHERE incident_id IN "
            "(SELECT id FROM incidents WHERE is_demo)"
        )
        erase_demo_evidence(cursor)
        cursor.execute("DELETE FROM incidents WHERE is_demo")
        record_audit(cursor, actor, "demo data removed", now=now, detail=f"{removed} cases")
    return removed


def _draw_report_date(rng: random.Random, start: date, span_days: int) -> date:
    while True:
        day = start + timedelta(days=rng.randint(0, span_days))
        # Fewer reports in the summer holiday and at weekends, as in a real school.
        if day.month == 8 and rng.random() < 0.7:
            continue
        if day.weekday() >= 5 and rng.random() < 0.5:
            continue
        return day


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _demo_case(
    rng: random.Random, number: int, reported_on: date, today: date, person_ref: str
) -> Case:
    def after(day: date, most: int) -> date:
        return min(today, day + timedelta(days=rng.randint(0, most)))

    categories = [_pick(rng, _CATEGORY_WEIGHTS)]
    if rng.random() < 0.25:
        categories.append(_pick(rng, _CATEGORY_WEIGHTS))
    categories = list(dict.fromkeys(categories))
    platform = _pick(rng, _PLATFORM_WEIGHTS)
    about = tuple(dict.fromkeys(rng.choice(_ABOUT_BY_CATEGORY[c]) for c in categories))
    age_days = (today - reported_on).days
    needs_police = bool(_POLICE_CATEGORIES & set(categories))

    if age_days < 21 and rng.random() < 0.6:
        path = OPEN
    else:
        roll = rng.random()
        path = SETTLED if roll < 0.70 else ESCALATED if roll < 0.92 else OPEN
    if needs_police and path == SETTLED:
        path = ESCALATED

    discussion_outcome, discussion_on = None, None
    if path == SETTLED:
        discussion_outcome = "removed" if rng.random() < 0.85 else "no_response"
    elif path == ESCALATED:
        discussion_outcome = "not_held" if needs_police else rng.choice(["refused", "no_response"])
    elif rng.random() < 0.5:
        discussion_outcome = rng.choice(["refused", "no_response", "removed"])
    if discussion_outcome not in (None, "not_held"):
        discussion_on = after(reported_on, 5)

    actions = _demo_actions(rng, path, platform, needs_police, discussion_on or reported_on, after)
    last_step = max([reported_on, discussion_on or reported_on, *(a.taken_on for a in actions)])

    content_removed_on = None
    if discussion_outcome == "removed":
        content_removed_on = discussion_on
    elif path == ESCALATED and rng.random() < 0.7:
        content_removed_on = after(last_step, 7)
    last_step = max(last_step, content_removed_on or last_step)

    closed_on = outcome = rationale = None
    if path == SETTLED or (path == ESCALATED and rng.random() < 0.85 and age_days > 30):
        closed_on = after(last_step, 7)
        if path == SETTLED:
            outcome = "Content came down after the school spoke with the parent."
            rationale = "Resolved at the policy's first step: discussion and a request to remove."
        else:
            outcome = "Escalation steps taken; no further posts."
            rationale = "Closed after the escalation steps the policy allows."

    return Case(
        reference=f"{DEMO_REFERENCE_PREFIX}{number:07d}",
        reported_on=reported_on,
        categories=tuple(categories),
        posted_on=reported_on - timedelta(days=rng.randint(0, 3)),
        platform=platform,
        posted_by=_pick(rng, _POSTED_BY_WEIGHTS),
        about=about,
        person_ref=person_ref,
        summary=(
            f"Demonstration case: {CATEGORIES[categories[0]].lower()} on {PLATFORMS[platform]}."
        ),
        discussion_on=discussion_on,
        discussion_outcome=discussion_outcome,
        actions=actions,
        content_removed_on=content_removed_on,
        closed_on=closed_on,
        outcome=outcome,
        rationale=rationale,
    )


def _demo_actions(
    rng, path, platform, needs_police, first_day, after
) -> tuple[EscalationStep, ...]:
    if path != ESCALATED:
        return ()
    chosen = []
    if needs_police:
        chosen.append("police")
    if rng.random() < 0.7:
        chosen.append("written_warning")
    if rng.random() < 0.3:
        chosen.append("provider_removal_request")
    if platform == BLOCKABLE_PLATFORM and rng.random() < 0.5:
        chosen.append("access_blocked")
    if rng.random() < 0.15:
        chosen.append("legal_advice")
    if rng.random() < 0.05 and not needs_police:
        chosen.append("police")
    if rng.random() < 0.03:
        chosen.append("legal_action")
    if not chosen:
        chosen.append("written_warning")
    steps, day = [], first_day
    for action in chosen:
        day = after(day, 10)
        steps.append(EscalationStep(action, day))
    return tuple(steps)


def _batches(cases: Iterator[Case], size: int) -> Iterator[Sequence[Case]]:
    batch: list[Case] = []
    for case in cases:
        batch.append(case)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
