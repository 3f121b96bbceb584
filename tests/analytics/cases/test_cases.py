"""Each rule a case must keep, and the message that names its field and rule."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases.rules import (
    Case,
    CaseInvalid,
    EscalationStep,
    ensure_valid,
    normalise,
    validate_case,
)
from analytics.problems import Problem
from analytics.vocabulary import DISCUSSION_OUTCOMES, label_of
from tests.conftest import TODAY, escalated_case, make_case


def problems_of(case: Case) -> list[str]:
    return [str(problem) for problem in validate_case(normalise(case), TODAY)]


def fields_of(case: Case) -> set[str]:
    return {problem.field for problem in validate_case(normalise(case), TODAY)}


def test_a_complete_case_breaks_no_rule():
    assert problems_of(make_case()) == []
    assert problems_of(escalated_case()) == []


def test_only_reference_reported_date_and_a_category_are_required():
    assert problems_of(Case("R1", date(2026, 1, 1), ("racist",))) == []


@pytest.mark.parametrize("reference", [None, "", "   "])
def test_reference_is_required(reference):
    assert problems_of(make_case(reference=reference)) == [
        "reference: is required (1 to 40 characters)"
    ]


def test_reference_is_at_most_40_characters():
    assert problems_of(make_case(reference="R" * 40)) == []
    assert problems_of(make_case(reference="R" * 41)) == [
        "reference: must be 1 to 40 characters (it has 41)"
    ]


def test_reference_has_no_line_breaks():
    assert fields_of(make_case(reference="2026\n001")) == {"reference"}


def test_reported_date_is_required():
    assert fields_of(make_case(reported_on=None, posted_on=None)) == {"reported_on"}


def test_at_least_one_category_is_required():
    assert problems_of(make_case(categories=())) == [
        "categories: at least one category is required"
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"platform": "myspace"}, "platform"),
        ({"categories": ("complaints", "rude")}, "categories"),
        ({"posted_by": "uncle"}, "posted_by"),
        ({"about": ("headteacher",)}, "about"),
        (
            {"discussion_on": date(2026, 1, 13), "discussion_outcome": "agreed"},
            "discussion_outcome",
        ),
        ({"actions": (EscalationStep("shouting", date(2026, 1, 14)),)}, "action"),
    ],
)
def test_an_unknown_code_is_named_with_every_allowed_code(changes, field):
    problems = validate_case(normalise(make_case(**changes)), TODAY)
    assert [problem.field for problem in problems] == [field]
    assert "is not a known code; allowed codes:" in problems[0].rule


def test_unknown_platform_message_lists_the_allowed_codes():
    assert problems_of(make_case(platform="myspace")) == [
        "platform: 'myspace' is not a known code; allowed codes: facebook, x_twitter, "
        "instagram, tiktok, whatsapp, snapchat, youtube, school_website_or_forum, other"
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reported_on": date(2026, 3, 16), "posted_on": None}, "reported_on"),
        ({"posted_on": date(2026, 3, 16)}, "posted_on"),
        ({"discussion_on": date(2026, 3, 16), "discussion_outcome": "removed"}, "discussion_on"),
        ({"content_removed_on": date(2026, 3, 16)}, "content_removed_on"),
        ({"actions": (EscalationStep("police", date(2026, 3, 16)),)}, "police_on"),
    ],
)
def test_no_date_is_after_today(changes, field):
    assert f"{field}: must not be after today (15/03/2026)" in problems_of(make_case(**changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reported_on": date(1, 1, 1), "posted_on": None}, "reported_on"),
        ({"posted_on": date(1999, 12, 31)}, "posted_on"),
        ({"discussion_on": date(1, 1, 1), "discussion_outcome": "removed"}, "discussion_on"),
        ({"actions": (EscalationStep("police", date(1999, 1, 1)),)}, "police_on"),
        ({"content_removed_on": date(1999, 12, 31)}, "content_removed_on"),
    ],
)
def test_no_date_is_before_2000_and_the_field_is_named_once(changes, field):
    # Before the register began: a slip such as 0001-01-01 once made every page slow.
    assert problems_of(make_case(**changes)) == [f"{field}: must not be before 01/01/2000"]


def test_the_first_day_of_2000_is_allowed():
    first = date(2000, 1, 1)
    assert problems_of(make_case(reported_on=first, posted_on=first, discussion_on=first,
                                 discussion_outcome="removed")) == []  # fmt: skip


def test_today_itself_is_allowed():
    assert problems_of(make_case(reported_on=TODAY, content_removed_on=TODAY)) == []


def test_posted_date_is_on_or_before_the_reported_date():
    assert problems_of(make_case(posted_on=date(2026, 1, 12))) == []
    assert problems_of(make_case(posted_on=date(2026, 1, 13))) == [
        "posted_on: must be on or before the reported date (12/01/2026)"
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"discussion_on": date(2026, 1, 11), "discussion_outcome": "refused"}, "discussion_on"),
        ({"content_removed_on": date(2026, 1, 11)}, "content_removed_on"),
        ({"actions": (EscalationStep("legal_advice", date(2026, 1, 11)),)}, "legal_advice_on"),
    ],
)
def test_every_step_is_on_or_after_the_reported_date(changes, field):
    assert problems_of(make_case(**changes)) == [
        f"{field}: must be on or after the reported date (12/01/2026)"
    ]


def test_a_step_on_the_reported_date_is_allowed():
    same_day = date(2026, 1, 12)
    case = make_case(
        discussion_on=same_day,
        discussion_outcome="removed",
        content_removed_on=same_day,
        closed_on=same_day,
        outcome="Removed",
        rationale="Settled",
    )
    assert problems_of(case) == []


def test_closing_date_is_on_or_after_every_step():
    case = escalated_case(closed_on=date(2026, 1, 14), outcome="Done", rationale="Because")
    assert problems_of(case) == [
        "closed_on: must be on or after every step "
        "(latest: Written warning requesting removal (date) 15/01/2026)"
    ]


def test_closing_date_is_on_or_after_the_removal():
    case = make_case(
        content_removed_on=date(2026, 2, 1),
        closed_on=date(2026, 1, 20),
        outcome="Done",
        rationale="Because",
    )
    assert fields_of(case) == {"closed_on"}


@pytest.mark.parametrize("outcome", ["removed", "refused", "no_response"])
def test_a_held_discussion_has_a_date(outcome):
    assert problems_of(make_case(discussion_outcome=outcome)) == [
        "discussion_on: is required with the discussion outcome "
        f"'{label_of(DISCUSSION_OUTCOMES, outcome)}'"
    ]


def test_a_discussion_not_held_has_no_date():
    assert problems_of(make_case(discussion_outcome="not_held")) == []
    assert problems_of(
        make_case(discussion_outcome="not_held", discussion_on=date(2026, 1, 13))
    ) == ["discussion_on: must be empty when the discussion was not held"]


def test_a_discussion_date_needs_an_outcome():
    assert problems_of(make_case(discussion_on=date(2026, 1, 13))) == [
        "discussion_outcome: is required when a discussion date is given"
    ]


def test_access_can_be_blocked_only_on_the_schools_own_site():
    blocked = (EscalationStep("access_blocked", date(2026, 1, 14)),)
    assert problems_of(make_case(platform="school_website_or_forum", actions=blocked)) == []
    assert problems_of(make_case(platform="facebook", actions=blocked)) == [
        "access_blocked_on: blocking access is allowed only where the platform is "
        "'The school's own website or forum' "
        "(the policy allows blocking only on the school's own site)"
    ]
    assert fields_of(make_case(platform=None, actions=blocked)) == {"access_blocked_on"}


def test_the_same_action_may_recur():
    warnings = (
        EscalationStep("written_warning", date(2026, 1, 14)),
        EscalationStep("written_warning", date(2026, 2, 14)),
    )
    assert problems_of(make_case(actions=warnings)) == []


def test_an_action_needs_its_date():
    assert problems_of(make_case(actions=(EscalationStep("police", None),))) == [
        "police_on: is required: the date the action was taken"
    ]


def test_closing_needs_an_outcome_and_a_rationale():
    assert problems_of(make_case(closed_on=date(2026, 2, 1))) == [
        "outcome: is required to close a case",
        "rationale: is required to close a case",
    ]
    assert problems_of(make_case(closed_on=date(2026, 2, 1), outcome="x", rationale="  ")) == [
        "rationale: is required to close a case"
    ]


def test_an_outcome_without_a_closing_date_is_refused():
    assert problems_of(make_case(outcome="Removed", rationale="Settled")) == [
        "closed_on: is required when an outcome or rationale is recorded"
    ]


def test_summary_is_at_most_2000_characters():
    assert problems_of(make_case(summary="s" * 2000)) == []
    assert problems_of(make_case(summary="s" * 2001)) == [
        "summary: must be at most 2,000 characters (it has 2,001)"
    ]


@pytest.mark.parametrize("person_ref", ["Jane Smith", "F 01", "-F01", "F" * 21])
def test_person_reference_is_a_code_never_a_name(person_ref):
    assert fields_of(make_case(person_ref=person_ref)) == {"person_ref"}


@pytest.mark.parametrize("person_ref", ["F-01", "2025/07", "p_9", "A"])
def test_person_reference_codes_are_accepted(person_ref):
    assert problems_of(make_case(person_ref=person_ref)) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "www.example.org", "ftp://x"])
def test_evidence_link_is_a_web_address(url):
    assert fields_of(make_case(evidence_url=url)) == {"evidence_url"}


def test_normalise_trims_text_and_drops_repeated_codes():
    case = normalise(
        make_case(reference="  2026-001 ", summary="  ", categories=(" racist", "racist", ""))
    )
    assert case.reference == "2026-001"
    assert case.summary is None
    assert case.categories == ("racist",)


def test_ensure_valid_raises_with_every_problem():
    with pytest.raises(CaseInvalid) as raised:
        ensure_valid(make_case(reference="", categories=()), TODAY)
    assert raised.value.problems == [
        Problem("reference", "is required (1 to 40 characters)"),
        Problem("categories", "at least one category is required"),
    ]


def test_problem_for_people_uses_the_field_label():
    assert Problem("closed_on", "is required").for_people() == "Closing date: is required"
