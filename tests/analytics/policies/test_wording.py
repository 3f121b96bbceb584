"""The policy's own words: quoted exactly, and the governing policy named as approved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from analytics.paths import PROJECT_ROOT
from analytics.policies.register import load_policy_statuses, record_review, seed_policies
from analytics.policies.wording import (
    DEFAULT_POLICY_TITLE,
    POLICY_ACTION_WORDS,
    POLICY_CATEGORY_WORDS,
    POLICY_FIRST_STEP,
    POLICY_PARENT,
    describe_governing_policy,
)
from analytics.terms import TermCalendar
from analytics.vocabulary import CATEGORIES, ESCALATION_ACTIONS
from tests.conftest import NOW, PINNED_NOW, TODAY

POLICY_TEXT = PROJECT_ROOT / "data" / "policies" / "parental-social-networking-policy.txt"
CALENDAR = TermCalendar()


def test_the_policys_words_are_quoted_exactly_for_every_code():
    policy = " ".join(Path(POLICY_TEXT).read_text(encoding="utf-8").split())
    assert set(POLICY_CATEGORY_WORDS) == set(CATEGORIES)
    assert set(POLICY_ACTION_WORDS) == set(ESCALATION_ACTIONS)
    for words in [*POLICY_CATEGORY_WORDS.values(), *POLICY_ACTION_WORDS.values()]:
        assert words.removesuffix(" [the school]") in policy, words


def test_the_first_step_and_who_is_a_parent_are_the_policys_own_sentences():
    policy = " ".join(Path(POLICY_TEXT).read_text(encoding="utf-8").split()).lower()
    assert POLICY_FIRST_STEP.lower() in policy
    assert POLICY_PARENT.lower() in policy


def test_the_governing_policy_is_named_with_its_latest_approval(store):
    assert describe_governing_policy(store) == f'"{DEFAULT_POLICY_TITLE}"'  # none registered
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    assert describe_governing_policy(store) == (
        f'"{DEFAULT_POLICY_TITLE}", approved by the Full Governing Body on 04/10/2021'
    )
    (policy,) = load_policy_statuses(store, CALENDAR, TODAY)
    record_review(
        store, policy.policy_id, date(2025, 3, 3), "Resources Committee", "Spring 2028",
        actor="head", calendar=CALENDAR, now=NOW,
    )  # fmt: skip
    assert describe_governing_policy(store).endswith(
        "approved by the Resources Committee on 03/03/2025"
    )
