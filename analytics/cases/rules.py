"""A case as the policy sees it, and the rules every recorded case must keep.

Forms, step forms and imports all build a Case and pass it through validate_case, so a
rule is written once and holds the same everywhere. A failure names the field (by its
import column) and the rule, and nothing is written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from analytics.problems import Problem, RulesBroken
from analytics.text import CONTROL_CHARACTERS, FREE_TEXT_CONTROL_CHARACTERS, clean_text
from analytics.vocabulary import (
    ABOUT,
    BLOCKABLE_PLATFORM,
    BLOCKING_ACTION,
    CATEGORIES,
    DISCUSSION_OUTCOMES,
    ESCALATED,
    ESCALATION_ACTIONS,
    FIELD_LABELS,
    NO_DISCUSSION,
    OPEN,
    PLATFORMS,
    POSTED_BY,
    SETTLED,
    as_day,
    label_of,
)

MAX_REFERENCE_LENGTH = 40
# No case predates the register: a date before this is a typing slip (0001-01-01 once made
# every page slow), and like a date after today it is refused.
EARLIEST_DATE = date(2000, 1, 1)
MAX_TEXT_LENGTH = 2000
PERSON_REF_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,19}")
URL_PATTERN = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class EscalationStep:
    """One escalation action taken in a case; the same action may recur."""

    action: str
    taken_on: date | None
    note: str | None = None

    @property
    def field_name(self) -> str:
        """The import column that carries this action's date, e.g. "police_on"."""
        return f"{self.action}_on"


@dataclass(frozen=True)
class Case:
    """Everything recorded about one incident, from report to closing."""

    reference: str | None
    reported_on: date | None
    categories: tuple[str, ...] = ()
    posted_on: date | None = None
    platform: str | None = None
    posted_by: str | None = None
    about: tuple[str, ...] = ()
    person_ref: str | None = None
    summary: str | None = None
    evidence_url: str | None = None
    discussion_on: date | None = None
    discussion_outcome: str | None = None
    actions: tuple[EscalationStep, ...] = field(default=())
    content_removed_on: date | None = None
    closed_on: date | None = None
    outcome: str | None = None
    rationale: str | None = None


# Fields that an edit may change; actions are added as steps, never edited in place.
EDITABLE_FIELDS = tuple(f.name for f in dataclasses.fields(Case) if f.name != "actions")

# What kind of value each editable field holds, so a form can offer the right input.
DATE_FIELDS = frozenset(
    {"reported_on", "posted_on", "discussion_on", "content_removed_on", "closed_on"}
)
CODE_FIELDS = MappingProxyType(
    {"platform": PLATFORMS, "posted_by": POSTED_BY, "discussion_outcome": DISCUSSION_OUTCOMES}
)
CODE_LIST_FIELDS = MappingProxyType({"categories": CATEGORIES, "about": ABOUT})
LONG_TEXT_FIELDS = frozenset({"summary", "outcome", "rationale"})


class CaseInvalid(RulesBroken):
    """A case breaks one or more rules."""


def clean_codes(codes: Iterable[str] | None) -> tuple[str, ...]:
    """Codes in the order given, trimmed, each once."""
    cleaned = (code.strip() for code in codes or ())
    return tuple(dict.fromkeys(code for code in cleaned if code))


def step_order(step: EscalationStep) -> tuple[date, int]:
    """Steps in date order and, on the same day, in the policy's order of actions; the
    register reads them back the same way, whatever order they were entered in."""
    codes = list(ESCALATION_ACTIONS)
    position = codes.index(step.action) if step.action in codes else len(codes)
    return (step.taken_on or date.max, position)


def stage_of(case: Case) -> str:
    """Where a case stands under the policy: escalated once any escalation action is taken,
    settled at discussion when it closed without one, open otherwise. The register stores
    it with every write of a case or its actions, so figures need not join the actions."""
    if case.actions:
        return ESCALATED
    if case.closed_on is not None:
        return SETTLED
    return OPEN


def clean_step(step: EscalationStep) -> EscalationStep:
    """An escalation step as stored: its code trimmed, an empty note as None."""
    return dataclasses.replace(step, action=step.action.strip(), note=clean_text(step.note))


def normalise(case: Case) -> Case:
    """The case as it will be stored: text trimmed, empty text as None, codes deduplicated."""
    return dataclasses.replace(
        case,
        reference=clean_text(case.reference),
        categories=clean_codes(case.categories),
        platform=clean_text(case.platform),
        posted_by=clean_text(case.posted_by),
        about=clean_codes(case.about),
        person_ref=clean_text(case.person_ref),
        summary=clean_text(case.summary),
        evidence_url=clean_text(case.evidence_url),
        discussion_outcome=clean_text(case.discussion_outcome),
        actions=tuple(sorted((clean_step(step) for step in case.actions), key=step_order)),
        outcome=clean_text(case.outcome),
        rationale=clean_text(case.rationale),
    )


def validate_case(case: Case, today: date) -> list[Problem]:
    """Every rule the case breaks, in field order; an empty list means it may be stored."""
    return [
        *_identity_problems(case),
        *_code_problems(case),
        *_text_problems(case),
        *_date_problems(case, today),
        *_discussion_problems(case),
        *_escalation_problems(case),
        *_closing_problems(case),
    ]


def ensure_valid(case: Case, today: date) -> Case:
    """The normalised case, or CaseInvalid naming every broken rule."""
    case = normalise(case)
    problems = validate_case(case, today)
    if problems:
        raise CaseInvalid(problems)
    return case


def _identity_problems(case: Case) -> Iterable[Problem]:
    if case.reference is None:
        yield Problem("reference", f"is required (1 to {MAX_REFERENCE_LENGTH} characters)")
    else:
        if len(case.reference) > MAX_REFERENCE_LENGTH:
            yield Problem(
                "reference",
                f"must be 1 to {MAX_REFERENCE_LENGTH} characters (it has {len(case.reference)})",
            )
        if _has_control_characters(case.reference):
            yield Problem("reference", "must not contain line breaks or control characters")
    if case.reported_on is None:
        yield Problem("reported_on", "is required (the date the school was told of the post)")
    if not case.categories:
        yield Problem("categories", "at least one category is required")
    if case.person_ref is not None and not PERSON_REF_PATTERN.fullmatch(case.person_ref):
        yield Problem(
            "person_ref",
            "must be a code the school assigns, never a name: 1 to 20 letters, digits, "
            "'-', '_' or '/', with no spaces",
        )
    if case.evidence_url is not None and not URL_PATTERN.fullmatch(case.evidence_url):
        yield Problem("evidence_url", "must be a web address starting with http:// or https://")


def _code_problems(case: Case) -> Iterable[Problem]:
    yield from _unknown_codes("platform", [case.platform], PLATFORMS)
    yield from _unknown_codes("categories", case.categories, CATEGORIES)
    yield from _unknown_codes("posted_by", [case.posted_by], POSTED_BY)
    yield from _unknown_codes("about", case.about, ABOUT)
    yield from _unknown_codes("discussion_outcome", [case.discussion_outcome], DISCUSSION_OUTCOMES)
    yield from _unknown_codes("action", [step.action for step in case.actions], ESCALATION_ACTIONS)


def _unknown_codes(
    field_name: str, codes: Iterable[str | None], vocabulary: Mapping[str, str]
) -> Iterable[Problem]:
    for code in codes:
        if code is not None and code not in vocabulary:
            yield Problem(
                field_name,
                f"'{code}' is not a known code; allowed codes: {', '.join(vocabulary)}",
            )


def _text_problems(case: Case) -> Iterable[Problem]:
    long_texts = [
        ("summary", case.summary),
        ("outcome", case.outcome),
        ("rationale", case.rationale),
        *(("note", step.note) for step in case.actions),
    ]
    for field_name, text in long_texts:
        if text is not None and len(text) > MAX_TEXT_LENGTH:
            yield Problem(
                field_name,
                f"must be at most {MAX_TEXT_LENGTH:,} characters (it has {len(text):,})",
            )
    free_texts = [*long_texts, ("person_ref", case.person_ref), ("evidence_url", case.evidence_url)]
    for field_name, text in free_texts:
        if text is not None and FREE_TEXT_CONTROL_CHARACTERS.search(text):
            yield Problem(field_name, "must not contain control characters (line breaks are fine)")


def _step_dates(case: Case) -> list[tuple[str, date]]:
    """Every dated step after the report, as (field, date)."""
    steps = [
        ("discussion_on", case.discussion_on),
        *((step.field_name, step.taken_on) for step in case.actions),
        ("content_removed_on", case.content_removed_on),
    ]
    return [(name, on) for name, on in steps if on is not None]


def _date_problems(case: Case, today: date) -> Iterable[Problem]:
    for step in case.actions:
        if step.taken_on is None:
            yield Problem(step.field_name, "is required: the date the action was taken")
    all_dates = [
        ("reported_on", case.reported_on),
        ("posted_on", case.posted_on),
        *_step_dates(case),
        ("closed_on", case.closed_on),
    ]
    # A date before the register began is named once, not again against the other dates.
    too_early = set()
    for name, on in all_dates:
        if on is not None and on > today:
            yield Problem(name, f"must not be after today ({as_day(today)})")
        elif on is not None and on < EARLIEST_DATE:
            yield Problem(name, f"must not be before {as_day(EARLIEST_DATE)}")
            too_early.add(name)
    reported = case.reported_on
    if reported is None or "reported_on" in too_early:
        return
    if case.posted_on is not None and case.posted_on > reported:
        yield Problem("posted_on", f"must be on or before the reported date ({as_day(reported)})")
    for name, on in _step_dates(case):
        if on < reported and name not in too_early:
            yield Problem(name, f"must be on or after the reported date ({as_day(reported)})")
    if case.closed_on is not None and case.closed_on < reported and "closed_on" not in too_early:
        yield Problem("closed_on", f"must be on or after the reported date ({as_day(reported)})")


def _discussion_problems(case: Case) -> Iterable[Problem]:
    outcome, held_on = case.discussion_outcome, case.discussion_on
    if outcome == NO_DISCUSSION and held_on is not None:
        yield Problem("discussion_on", "must be empty when the discussion was not held")
    elif outcome is not None and outcome != NO_DISCUSSION and held_on is None:
        yield Problem(
            "discussion_on",
            f"is required with the discussion outcome '{label_of(DISCUSSION_OUTCOMES, outcome)}'",
        )
    elif outcome is None and held_on is not None:
        yield Problem("discussion_outcome", "is required when a discussion date is given")


def _escalation_problems(case: Case) -> Iterable[Problem]:
    blocked = any(step.action == BLOCKING_ACTION for step in case.actions)
    if blocked and case.platform != BLOCKABLE_PLATFORM:
        yield Problem(
            "access_blocked_on",
            "blocking access is allowed only where the platform is "
            f"'{label_of(PLATFORMS, BLOCKABLE_PLATFORM)}' "
            "(the policy allows blocking only on the school's own site)",
        )


def _closing_problems(case: Case) -> Iterable[Problem]:
    if case.closed_on is None:
        if case.outcome is not None or case.rationale is not None:
            yield Problem("closed_on", "is required when an outcome or rationale is recorded")
        return
    if case.outcome is None:
        yield Problem("outcome", "is required to close a case")
    if case.rationale is None:
        yield Problem("rationale", "is required to close a case")
    later_steps = [(name, on) for name, on in _step_dates(case) if on > case.closed_on]
    if later_steps:
        name, on = max(later_steps, key=lambda step: step[1])
        yield Problem(
            "closed_on",
            f"must be on or after every step (latest: {FIELD_LABELS.get(name, name)} {as_day(on)})",
        )


def _has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
