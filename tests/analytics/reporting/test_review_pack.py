"""A policy's review pack as its audience may take it: the policy's table, the school, and
the marking every page carries (demonstration data named first)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases.demo import load_demo_data
from analytics.cases.register import record_case
from analytics.figures.disclosure import EXACT, PROTECTED
from analytics.policies.register import build_review_pack, load_policy_statuses, seed_policies
from analytics.records.settings import SCHOOL_NAME, record_setting
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.reporting.review_pack import REVIEW_PACK_FORMATS, gather_review_pack
from analytics.terms import TermCalendar
from tests.conftest import PINNED_NOW, at_ten, make_case

CALENDAR = TermCalendar()
TODAY = date(2026, 11, 24)


@pytest.fixture
def policy(store):
    """The seeded policy incidents are handled under, with two cases since its approval."""
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    for reference in ("2026-001", "2026-002"):
        record_case(store, make_case(reference=reference), actor="head", now=at_ten(TODAY))
    (governing,) = load_policy_statuses(store, CALENDAR, TODAY)
    return governing


def pack_for(store, policy, audience: str, threshold: int = 5):
    return gather_review_pack(
        store, policy, CALENDAR, today=TODAY, audience=audience, threshold=threshold
    )


def test_the_pack_holds_the_policys_table_for_its_audience(store, policy):
    for audience in (EXACT, PROTECTED):
        period, table = build_review_pack(
            store, policy, CALENDAR, today=TODAY, audience=audience, threshold=5
        )
        pack = pack_for(store, policy, audience)
        assert pack.table.equals(table)
        assert (pack.policy_title, pack.period_label, pack.made_on) == (
            policy.title,
            period.label,
            TODAY,
        )
    assert incidents_printed(pack_for(store, policy, EXACT)) == "2"
    assert incidents_printed(pack_for(store, policy, PROTECTED)) == "<5"  # under the threshold


def incidents_printed(pack) -> str:
    table = pack.table.set_index(["Section", "Item"])
    return table.loc[("Cases", "Incidents"), "Value"]


def test_a_governors_pack_is_marked_for_circulation_and_the_staffs_confidential(store, policy):
    assert pack_for(store, policy, PROTECTED).marking == "For circulation · 24 November 2026"
    assert pack_for(store, policy, EXACT).marking == "Confidential (closed item) · 24 November 2026"


def test_the_pack_names_the_school_as_it_is_set(store, policy):
    assert pack_for(store, policy, EXACT).school == "All Saints' CE Primary School"
    record_setting(store, SCHOOL_NAME, "St Anne’s Primary", actor="head", now=PINNED_NOW)
    assert pack_for(store, policy, EXACT).school == "St Anne’s Primary"


def test_a_pack_made_while_demonstration_cases_are_held_says_so_first(store):
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    load_demo_data(store, 20, seed=3, actor="head", now=at_ten(TODAY))
    (policy,) = load_policy_statuses(store, CALENDAR, TODAY)
    marking = pack_for(store, policy, PROTECTED).marking
    assert marking == f"{DEMONSTRATION_MARK} · For circulation · 24 November 2026"


def test_every_format_of_the_pack_has_its_media_type():
    assert set(REVIEW_PACK_FORMATS) == {"csv", "pdf", "docx"}
    assert REVIEW_PACK_FORMATS["pdf"] == "application/pdf"
