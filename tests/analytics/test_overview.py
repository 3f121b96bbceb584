"""Every governors' figure against a hand-built store whose answers were worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases import Case, EscalationStep
from analytics.overview import (
    Scope,
    count_by_action,
    count_by_category,
    count_by_platform,
    count_earlier_cases,
    count_headline,
    count_repeat_cases,
    count_stages_by_category,
    count_stages_by_term,
    count_unclosed_by_age,
    measure_removal_and_closing,
    previous_period,
    summarise,
)
from analytics.register import record_case
from analytics.terms import Period, TermCalendar, parse_term, read_terms_csv
from tests.conftest import TODAY

CALENDAR = TermCalendar()
AUTUMN_2025 = CALENDAR.reporting_period(parse_term("Autumn 2025"))
SPRING_2026 = CALENDAR.reporting_period(parse_term("Spring 2026"))
D = date


def settled(ref, reported, categories, platform, person, removed_on, closed_on):
    return Case(
        ref, reported, categories, platform=platform, person_ref=person,
        discussion_on=removed_on, discussion_outcome="removed", content_removed_on=removed_on,
        closed_on=closed_on, outcome="Removed", rationale="Settled at discussion",
    )  # fmt: skip


# The cases, and what each contributes (TODAY is 2026-03-15):
# fmt: off
HAND_BUILT = [
    # Summer 2025. P2's first case.
    settled("E", D(2025, 8, 31), ("complaints",), "facebook", "P2", D(2025, 9, 1), D(2025, 9, 2)),
    # Autumn 2025. A: two categories, settled; removal 1 day, close 2 days. P1's first case.
    settled("A", D(2025, 9, 10), ("complaints", "offensive_comments"), "facebook", "P1",
            D(2025, 9, 11), D(2025, 9, 12)),
    # B: escalated (police at once) and then closed after 20 days; P1 again: a repeat case.
    Case("B", D(2025, 10, 1), ("racist",), platform="facebook", person_ref="P1",
         discussion_outcome="not_held", actions=(EscalationStep("police", D(2025, 10, 1)),),
         closed_on=D(2025, 10, 21), outcome="Police advised", rationale="Racial element"),
    # C: escalated, still open; the same action twice counts as one case; removal 25 days.
    # P2 had case E in the summer, outside this term: still a repeat case.
    Case("C", D(2025, 11, 5), ("complaints",), platform="whatsapp", person_ref="P2",
         discussion_on=D(2025, 11, 6), discussion_outcome="refused",
         actions=(EscalationStep("written_warning", D(2025, 11, 10)),
                  EscalationStep("written_warning", D(2025, 11, 20)),
                  EscalationStep("provider_removal_request", D(2025, 11, 21))),
         content_removed_on=D(2025, 11, 30)),
    # D: open, no person reference, the last day but one of the calendar year.
    Case("D", D(2025, 12, 30), ("naming_children",), platform="instagram"),
    # Spring 2026: three open cases of different ages.
    Case("F", D(2026, 1, 5), ("complaints", "racist"), platform="tiktok", person_ref="P1"),
    Case("H", D(2026, 2, 10), ("defamatory",), platform="x_twitter"),
    Case("G", D(2026, 3, 5), ("cyber_bullying",), platform="snapchat"),
]
# fmt: on


@pytest.fixture
def hand_built(store):
    for case in HAND_BUILT:
        record_case(store, case, actor="test", today=TODAY)
    return store


def counts(frame) -> dict[str, int]:
    code, cases = frame.columns
    return {k: v for k, v in zip(frame[code], frame[cases], strict=True) if v}


def test_headline_figures_for_a_term(hand_built):
    headline = count_headline(hand_built, Scope(AUTUMN_2025)).iloc[0].to_dict()
    assert headline == {"incidents": 4, "settled_at_discussion": 1, "escalated": 2, "open": 1}


def test_a_case_counts_once_under_each_of_its_categories(hand_built):
    by_category = count_by_category(hand_built, Scope(AUTUMN_2025))
    assert list(by_category["category"])[:2] == ["naming_children", "allegations"]
    assert len(by_category) == 8
    assert counts(by_category) == {
        "complaints": 2, "offensive_comments": 1, "racist": 1, "naming_children": 1,
    }  # fmt: skip


def test_actions_count_cases_not_steps(hand_built):
    by_action = count_by_action(hand_built, Scope(AUTUMN_2025))
    assert len(by_action) == 6
    assert counts(by_action) == {"police": 1, "written_warning": 1, "provider_removal_request": 1}


def test_platforms(hand_built):
    by_platform = count_by_platform(hand_built, Scope(AUTUMN_2025))
    assert len(by_platform) == 9
    assert counts(by_platform) == {"facebook": 2, "whatsapp": 1, "instagram": 1}


def test_repeat_cases_look_back_before_the_period(hand_built):
    assert count_repeat_cases(hand_built, Scope(AUTUMN_2025)) == 2  # B and C
    assert count_repeat_cases(hand_built, Scope(SPRING_2026)) == 1  # F (P1)
    summer = CALENDAR.reporting_period(parse_term("Summer 2025"))
    assert count_repeat_cases(hand_built, Scope(summer)) == 0  # E is P2's first


def test_content_removal_and_medians(hand_built):
    removal = measure_removal_and_closing(hand_built, Scope(AUTUMN_2025)).iloc[0].to_dict()
    assert removal == {
        "content_removed": 2, "median_days_to_removal": 13.0, "median_days_to_close": 11.0,
    }  # fmt: skip


def test_an_empty_period_gives_zeros_and_no_medians(hand_built):
    empty = CALENDAR.reporting_period(parse_term("Autumn 2024"))
    summary = summarise(hand_built, Scope(empty))
    assert summary["incidents"] == summary["open"] == summary["repeat_cases"] == 0
    assert set(summary["by_category"].values()) == {0}
    assert summary["median_days_to_removal"] is None
    assert summary["median_days_to_close"] is None


def test_filters_by_category_and_platform(hand_built):
    complaints = Scope(AUTUMN_2025, categories=("complaints",))
    assert count_headline(hand_built, complaints).iloc[0].to_dict() == {
        "incidents": 2, "settled_at_discussion": 1, "escalated": 1, "open": 0,
    }  # fmt: skip
    # The other categories of a matching case still count: A is also offensive.
    assert counts(count_by_category(hand_built, complaints)) == {
        "complaints": 2, "offensive_comments": 1,
    }  # fmt: skip
    facebook = Scope(AUTUMN_2025, platforms=("facebook",))
    assert count_headline(hand_built, facebook).iloc[0]["incidents"] == 2
    both = Scope(AUTUMN_2025, categories=("racist",), platforms=("facebook", "tiktok"))
    assert count_headline(hand_built, both).iloc[0]["incidents"] == 1


def test_an_academic_year_and_a_date_range_include_both_ends(hand_built):
    year = CALENDAR.academic_year_period(2025)
    assert count_headline(hand_built, Scope(year)).iloc[0]["incidents"] == 7
    both_ends = Period(D(2025, 9, 10), D(2025, 10, 1), "range")
    assert count_headline(hand_built, Scope(both_ends)).iloc[0]["incidents"] == 2


def test_stages_for_each_of_the_last_six_terms(hand_built):
    trend = count_stages_by_term(hand_built, Scope(SPRING_2026), CALENDAR)
    assert trend["period"].unique().tolist() == [
        "Summer 2024", "Autumn 2024", "Spring 2025", "Summer 2025", "Autumn 2025", "Spring 2026",
    ]  # fmt: skip
    table = trend.pivot(index="period", columns="stage", values="cases")
    assert table.loc["Summer 2025"].to_dict() == {
        "escalated": 0,
        "open": 0,
        "settled_at_discussion": 1,
    }
    assert table.loc["Autumn 2025"].to_dict() == {
        "escalated": 2,
        "open": 1,
        "settled_at_discussion": 1,
    }
    assert table.loc["Spring 2026"].to_dict() == {
        "escalated": 0,
        "open": 3,
        "settled_at_discussion": 0,
    }
    assert table.loc["Autumn 2024"].sum() == 0


def test_unclosed_cases_by_age_in_calendar_and_school_days(hand_built):
    ages = count_unclosed_by_age(hand_built, Scope(SPRING_2026), CALENDAR, today=TODAY)
    # G: 10 days (6 school days); H: 33 days (23 school days); F: 69 days.
    assert ages.values.tolist() == [
        ["under 2 weeks", 1, 1], ["2 to 6 weeks", 1, 1], ["over 6 weeks", 1, 1],
    ]  # fmt: skip
    autumn = count_unclosed_by_age(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    assert autumn["calendar_days"].tolist() == [0, 0, 2]  # C (escalated, unclosed) and D


def test_school_days_leave_out_weekends_and_holidays(store):
    calendar = read_terms_csv(
        "academic_year,term,first_day,last_day\n"
        "2025/26,Autumn,2025-09-03,2025-12-19\n2025/26,Spring,2026-01-05,2026-03-27\n"
    )
    today = D(2026, 1, 9)
    for ref, reported in [("K", D(2025, 12, 12)), ("L", D(2025, 12, 19))]:
        record_case(store, Case(ref, reported, ("complaints",)), actor="test", today=today)
    period = Period(D(2025, 12, 1), today, "range")
    ages = count_unclosed_by_age(store, Scope(period), calendar, today=today)
    # K: 28 calendar days, 10 school days (15-19 Dec, 5-9 Jan); L: 21 days, 5 school days.
    assert ages.values.tolist() == [
        ["under 2 weeks", 0, 1], ["2 to 6 weeks", 2, 1], ["over 6 weeks", 0, 0],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (SPRING_2026, AUTUMN_2025),
        (CALENDAR.academic_year_period(2025), CALENDAR.academic_year_period(2024)),
        (Period(D(2026, 1, 1), D(2026, 1, 10), "r"),
         Period(D(2025, 12, 22), D(2025, 12, 31), "22 Dec 2025 to 31 Dec 2025")),
    ],
)  # fmt: skip
def test_the_previous_period_is_the_same_length(period, previous):
    assert previous_period(period, CALENDAR) == previous


def test_summary_has_every_code_and_the_hand_worked_figures(hand_built):
    summary = summarise(hand_built, Scope(AUTUMN_2025))
    assert summary["from"] == "2025-09-01" and summary["to"] == "2025-12-31"
    assert (summary["incidents"], summary["settled_at_discussion"], summary["escalated"]) == (
        4,
        1,
        2,
    )
    assert list(summary["by_category"]) == [
        "naming_children", "allegations", "cyber_bullying", "complaints", "defamatory",
        "offensive_comments", "racist", "threats_of_violence",
    ]  # fmt: skip
    assert len(summary["by_action"]) == 6 and len(summary["by_platform"]) == 9
    assert summary["by_action"]["written_warning"] == 1
    assert (summary["repeat_cases"], summary["content_removed"]) == (2, 2)
    assert summary["median_days_to_removal"] == 13.0


def test_stages_by_category_count_a_case_in_each_of_its_categories(hand_built):
    frame = count_stages_by_category(hand_built, Scope(AUTUMN_2025)).set_index("category")
    assert frame.loc["complaints"].to_dict() == {
        "settled_at_discussion": 1, "escalated": 1, "open": 0,
    }  # fmt: skip
    assert frame.loc["offensive_comments"].to_dict() == {
        "settled_at_discussion": 1, "escalated": 0, "open": 0,
    }  # fmt: skip
    assert frame.loc["naming_children", "open"] == 1
    assert len(frame) == 8


def test_earlier_cases_are_counted_before_a_day(hand_built):
    assert count_earlier_cases(hand_built, D(2025, 8, 31)) == 0
    assert count_earlier_cases(hand_built, D(2025, 9, 1)) == 1
