"""The policy register: seeding, review status on both sides of each boundary, reviews, packs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from analytics.cases.register import record_case
from analytics.cases.rules import Case, EscalationStep
from analytics.policies.register import (
    PolicyInvalid,
    build_review_pack,
    describe_overdue,
    load_policy_statuses,
    load_policy_text,
    load_review_history,
    proposed_review_term,
    record_policy,
    record_review,
    review_pack_csv,
    review_status,
    seed_policies,
    unused_actions,
)
from analytics.terms import TermCalendar, parse_term, read_terms_csv
from analytics.vocabulary import POLICY_STATUSES
from tests.conftest import PINNED_NOW, at_ten

CALENDAR = TermCalendar()
SEEDED_TITLE = "Policy on parental use of social networking and internet sites"


@pytest.fixture
def seeded(store):
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    return store


def only_policy(store, as_of=date(2026, 11, 24), calendar=CALENDAR):
    (status,) = load_policy_statuses(store, calendar, as_of)
    return status


def test_the_schools_policy_is_seeded_once_with_its_text(seeded):
    assert seed_policies(seeded, CALENDAR, now=PINNED_NOW) == 0
    policy = only_policy(seeded)
    assert policy.title == SEEDED_TITLE
    assert (policy.approved_on, policy.approved_by) == (date(2021, 10, 4), "Full Governing Body")
    assert policy.review_term.label == "Autumn 2024"
    assert policy.governs_incidents
    assert "To be reviewed Autumn 2024" in load_policy_text(seeded, policy.policy_id)


def test_the_seeded_policy_is_overdue_on_24_november_2026(seeded):
    policy = only_policy(seeded)
    assert policy.review_due == date(2024, 12, 31)
    assert (policy.status, policy.days_overdue) == ("overdue", 693)
    assert describe_overdue(policy.review_due, date(2026, 11, 24)) == (
        "overdue since 31 Dec 2024: 1 year 11 months"
    )


def test_the_review_is_due_by_the_last_day_of_the_term_in_the_schools_calendar(seeded):
    county = read_terms_csv(
        "academic_year,term,first_day,last_day\n2024/25,Autumn,2024-09-04,2024-12-20\n"
    )
    assert only_policy(seeded, calendar=county).review_due == date(2024, 12, 20)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (date(2024, 12, 31), "due_soon"),  # the due day itself is not yet overdue
        (date(2025, 1, 1), "overdue"),
        (date(2024, 10, 2), "due_soon"),  # 90 days before
        (date(2024, 10, 1), "in_date"),  # 91 days before
    ],
)
def test_review_status_on_both_sides_of_each_boundary(as_of, status):
    assert review_status(date(2024, 12, 31), as_of) == status


def test_every_review_status_is_one_the_vocabulary_declares():
    due = date(2024, 12, 31)
    seen = {review_status(due, due + timedelta(days=days)) for days in range(-200, 10)}
    assert seen == set(POLICY_STATUSES)


@pytest.mark.parametrize(
    ("as_of", "text"),
    [
        (date(2025, 1, 1), "overdue since 31 Dec 2024: 1 day"),
        (date(2025, 1, 30), "overdue since 31 Dec 2024: 30 days"),
        (date(2025, 12, 31), "overdue since 31 Dec 2024: 1 year"),
        (date(2025, 3, 3), "overdue since 31 Dec 2024: 2 months"),
    ],
)
def test_how_long_overdue_is_said_plainly(as_of, text):
    assert describe_overdue(date(2024, 12, 31), as_of) == text


def test_a_review_is_recorded_and_the_history_kept(seeded):
    policy = only_policy(seeded)
    record_review(
        seeded, policy.policy_id, date(2026, 11, 20), "Full Governing Body", "Autumn 2029",
        actor="head", calendar=CALENDAR, now=datetime(2026, 11, 24, 10),
    )  # fmt: skip
    renewed = only_policy(seeded)
    assert (renewed.approved_on, renewed.review_term.label) == (date(2026, 11, 20), "Autumn 2029")
    assert renewed.status == "in_date"
    history = load_review_history(seeded, policy.policy_id)
    assert history["Next review"].tolist() == ["Autumn 2029", "Autumn 2024"]
    assert seeded.read_value("SELECT count(*) FROM audit_log WHERE action = 'policy reviewed'") == 1


def test_the_proposed_next_review_is_the_same_term_three_years_on():
    assert proposed_review_term(date(2021, 10, 4), CALENDAR) == parse_term("Autumn 2024")
    assert proposed_review_term(date(2026, 2, 1), CALENDAR) == parse_term("Spring 2029")


def test_a_bad_review_names_each_field_and_writes_nothing(seeded):
    policy = only_policy(seeded)
    with pytest.raises(PolicyInvalid) as raised:
        record_review(
            seeded, policy.policy_id, date(2026, 12, 1), " ", "Winter 2029",
            actor="head", calendar=CALENDAR, now=datetime(2026, 11, 24, 10),
        )  # fmt: skip
    assert [p.field for p in raised.value.problems] == [
        "approved_on",
        "approved_by",
        "next_review_term",
    ]
    with pytest.raises(PolicyInvalid, match="must be a term after"):
        record_review(
            seeded, policy.policy_id, date(2026, 11, 1), "FGB", "Autumn 2026",
            actor="head", calendar=CALENDAR, now=datetime(2026, 11, 24, 10),
        )  # fmt: skip
    assert len(load_review_history(seeded, policy.policy_id)) == 1


def test_other_policies_can_join_the_register(seeded):
    record_policy(
        seeded, "Complaints policy", "Text", date(2025, 3, 1), "Full Governing Body", "Spring 2028",
        actor="head", calendar=CALENDAR, now=datetime(2026, 11, 24, 10),
    )  # fmt: skip
    statuses = load_policy_statuses(seeded, CALENDAR, date(2026, 11, 24))
    assert [s.title for s in statuses] == ["Complaints policy", SEEDED_TITLE]
    assert statuses[0].status == "in_date" and not statuses[0].governs_incidents
    with pytest.raises(PolicyInvalid, match="already in the register"):
        record_policy(
            seeded, "Complaints policy", "", date(2025, 3, 1), "FGB", "Spring 2028",
            actor="head", calendar=CALENDAR, now=datetime(2026, 11, 24, 10),
        )  # fmt: skip


def test_the_review_pack_counts_what_happened_since_the_last_approval(seeded):
    today = date(2026, 11, 24)
    before = Case("OLD", date(2021, 9, 1), ("racist",))
    escalated = Case(
        "X1", date(2023, 5, 2), ("complaints", "defamatory"), person_ref="P9",
        discussion_on=date(2023, 5, 3), discussion_outcome="refused",
        actions=(EscalationStep("written_warning", date(2023, 5, 4)),),
        content_removed_on=date(2023, 5, 12),
    )  # fmt: skip
    repeat = Case("X2", date(2024, 1, 8), ("complaints",), person_ref="P9")
    for case in (before, escalated, repeat):
        record_case(seeded, case, actor="test", now=at_ten(today))
    period, pack = build_review_pack(
        seeded, only_policy(seeded), CALENDAR, today=today, audience="exact", threshold=5
    )
    assert (period.start, period.end) == (date(2021, 10, 4), today)
    values = {(s, i): v for s, i, v in pack.itertuples(index=False)}
    assert values[("Cases", "Incidents")] == "2"
    assert values[("Cases per category", "Complaints about the school or staff")] == "2"
    assert values[("Cases per category", "Racist comments")] == "0"  # OLD predates the approval
    assert values[("Escalation actions (cases)", "Written warning requesting removal")] == "1"
    assert values[("Repeat cases", "Cases by someone with an earlier case")] == "1"
    assert values[("Content removal", "Median days from report to removal")] == "10"
    assert "Police contacted" in unused_actions(pack)
    assert "Written warning requesting removal" not in unused_actions(pack)
    assert len(unused_actions(pack)) == 5
    assert review_pack_csv(pack).splitlines()[1] == "Cases,Incidents,2"


def test_seeding_skips_a_missing_file(store, tmp_path):
    assert seed_policies(store, CALENDAR, tmp_path / "none.csv", now=PINNED_NOW) == 0
    assert store.read_value("SELECT count(*) FROM policies") == 0
