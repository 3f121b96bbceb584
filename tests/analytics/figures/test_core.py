"""The figures core: every governors' figure against a hand-built store worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases.register import record_case
from analytics.cases.rules import Case, EscalationStep
from analytics.figures.core import (
    atoms_of,
    cells_of,
    count_headline,
    count_unclosed_by_age,
    gather_figures,
    gather_overview_release,
    relations_of,
    release_from_dict,
    release_to_dict,
    trend_names,
)
from analytics.figures.disclosure import disclose
from analytics.figures.interval_audit import Known, audit_intervals
from analytics.figures.scope import Scope
from analytics.terms import Period, TermCalendar, parse_term, read_terms_csv
from tests.conftest import NOW, TODAY, at_ten

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
        record_case(store, case, actor="test", now=NOW)
    return store


def figures_of(store, period, **filters):
    return gather_figures(store, Scope(period, **filters), CALENDAR, today=TODAY)


def nonzero(counts) -> dict[str, int]:
    return {code: n for code, n in counts.items() if n}


def test_headline_figures_for_a_term(hand_built):
    assert figures_of(hand_built, AUTUMN_2025).headline.counts == {
        "incidents": 4, "settled_at_discussion": 1, "escalated": 2, "open": 1,
    }  # fmt: skip


def test_a_case_counts_once_under_each_of_its_categories(hand_built):
    by_category = figures_of(hand_built, AUTUMN_2025).by_category
    assert list(by_category)[:2] == ["naming_children", "allegations"]
    assert len(by_category) == 8
    assert nonzero({code: sum(stages.values()) for code, stages in by_category.items()}) == {
        "complaints": 2, "offensive_comments": 1, "racist": 1, "naming_children": 1,
    }  # fmt: skip


def test_stages_by_category_count_a_case_in_each_of_its_categories(hand_built):
    by_category = figures_of(hand_built, AUTUMN_2025).by_category
    assert by_category["complaints"] == {"settled_at_discussion": 1, "escalated": 1, "open": 0}
    assert by_category["offensive_comments"] == {
        "settled_at_discussion": 1, "escalated": 0, "open": 0,
    }  # fmt: skip
    assert by_category["naming_children"]["open"] == 1


def test_actions_count_cases_not_steps(hand_built):
    by_action = figures_of(hand_built, AUTUMN_2025).by_action
    assert len(by_action) == 6
    assert nonzero(by_action) == {"police": 1, "written_warning": 1, "provider_removal_request": 1}


def test_platforms_and_cases_with_none_recorded(hand_built):
    by_platform = figures_of(hand_built, AUTUMN_2025).by_platform
    assert len(by_platform) == 10
    assert nonzero(by_platform) == {"facebook": 2, "whatsapp": 1, "instagram": 1}
    spring = figures_of(hand_built, SPRING_2026).by_platform
    assert spring["not_recorded"] == 0 and sum(spring.values()) == 3


def test_repeat_cases_look_back_before_the_period(hand_built):
    assert figures_of(hand_built, AUTUMN_2025).repeat_cases == 2  # B and C
    assert figures_of(hand_built, SPRING_2026).repeat_cases == 1  # F (P1)
    summer = CALENDAR.reporting_period(parse_term("Summer 2025"))
    assert figures_of(hand_built, summer).repeat_cases == 0  # E is P2's first


def test_content_removal_closing_and_medians(hand_built):
    figures = figures_of(hand_built, AUTUMN_2025)
    assert (figures.content_removed, figures.closed, figures.unclosed) == (2, 2, 2)
    assert figures.medians == {"median_days_to_removal": 13.0, "median_days_to_close": 11.0}


def test_an_empty_period_gives_zeros_and_no_medians(hand_built):
    empty = CALENDAR.reporting_period(parse_term("Autumn 2024"))
    figures = figures_of(hand_built, empty)
    assert set(figures.headline.counts.values()) == {0}
    assert figures.repeat_cases == figures.content_removed == 0
    assert set(figures.medians.values()) == {None}


def test_filters_by_category_and_platform(hand_built):
    complaints = Scope(AUTUMN_2025, categories=("complaints",))
    assert count_headline(hand_built, complaints).counts == {
        "incidents": 2, "settled_at_discussion": 1, "escalated": 1, "open": 0,
    }  # fmt: skip
    # The other categories of a matching case still count: A is also offensive.
    by_category = figures_of(hand_built, AUTUMN_2025, categories=("complaints",)).by_category
    assert nonzero({code: sum(s.values()) for code, s in by_category.items()}) == {
        "complaints": 2, "offensive_comments": 1,
    }  # fmt: skip
    facebook = Scope(AUTUMN_2025, platforms=("facebook",))
    assert count_headline(hand_built, facebook).counts["incidents"] == 2
    both = Scope(AUTUMN_2025, categories=("racist",), platforms=("facebook", "tiktok"))
    assert count_headline(hand_built, both).counts["incidents"] == 1


def test_an_academic_year_and_a_date_range_include_both_ends(hand_built):
    year = CALENDAR.academic_year_period(2025)
    assert count_headline(hand_built, Scope(year)).counts["incidents"] == 7
    both_ends = Period(D(2025, 9, 10), D(2025, 10, 1), "range")
    assert count_headline(hand_built, Scope(both_ends)).counts["incidents"] == 2


def test_the_overview_release_has_the_period_before_and_six_terms(hand_built):
    release = gather_overview_release(hand_built, Scope(SPRING_2026), CALENDAR, today=TODAY)
    assert release.beside["before"].period == AUTUMN_2025
    assert [release.beside[name].period.label for name in trend_names(release)] == [
        "Summer 2024", "Autumn 2024", "Spring 2025", "Summer 2025", "Autumn 2025", "Spring 2026",
    ]  # fmt: skip
    stages = {name: dict(release.beside[name].counts) for name in trend_names(release)}
    assert stages["term Summer 2025"] == {
        "incidents": 1, "settled_at_discussion": 1, "escalated": 0, "open": 0,
    }  # fmt: skip
    assert stages["term Autumn 2025"] == {
        "incidents": 4, "settled_at_discussion": 1, "escalated": 2, "open": 1,
    }  # fmt: skip
    assert stages["term Spring 2026"] == {
        "incidents": 3, "settled_at_discussion": 0, "escalated": 0, "open": 3,
    }  # fmt: skip


def test_unclosed_cases_by_age_in_calendar_and_school_days(hand_built):
    ages = count_unclosed_by_age(hand_built, Scope(SPRING_2026), CALENDAR, today=TODAY)
    # G: 10 days (6 school days); H: 33 days (23 school days); F: 69 days.
    assert ages == {
        "under_2_weeks": {"calendar_days": 1, "school_days": 1},
        "2_to_6_weeks": {"calendar_days": 1, "school_days": 1},
        "over_6_weeks": {"calendar_days": 1, "school_days": 1},
    }
    autumn = count_unclosed_by_age(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    # C (escalated, unclosed) and D
    assert [m["calendar_days"] for m in autumn.values()] == [0, 0, 2]


def test_school_days_leave_out_weekends_and_holidays(store):
    calendar = read_terms_csv(
        "academic_year,term,first_day,last_day\n"
        "2025/26,Autumn,2025-09-03,2025-12-19\n2025/26,Spring,2026-01-05,2026-03-27\n"
    )
    today = D(2026, 1, 9)
    for ref, reported in [("K", D(2025, 12, 12)), ("L", D(2025, 12, 19))]:
        record_case(store, Case(ref, reported, ("complaints",)), actor="test", now=at_ten(today))
    period = Period(D(2025, 12, 1), today, "range")
    ages = count_unclosed_by_age(store, Scope(period), calendar, today=today)
    # K: 28 calendar days, 10 school days (15-19 Dec, 5-9 Jan); L: 21 days, 5 school days.
    assert [list(m.values()) for m in ages.values()] == [[0, 1], [2, 1], [0, 0]]


def test_a_release_round_trips_through_plain_values(hand_built):
    release = gather_overview_release(hand_built, Scope(SPRING_2026), CALENDAR, today=TODAY)
    assert release_from_dict(release_to_dict(release)) == release


@pytest.mark.parametrize(
    "period",
    [AUTUMN_2025, SPRING_2026, CALENDAR.academic_year_period(2025),
     Period(D(2025, 10, 1), D(2025, 10, 1), "one day")],
)  # fmt: skip
def test_every_relation_holds_for_the_true_figures(hand_built, period):
    """The relations a reader is assumed to know are true of real stores: an exact release
    satisfies them all (the audit of an all-visible release finds no contradiction)."""
    release = gather_overview_release(hand_built, Scope(period), CALENDAR, today=TODAY)
    values = cells_of(release)
    # Each stretch of days the periods cut the calendar into, counted for real.
    for key, (start, end) in atoms_of(release).items():
        values[key] = count_headline(hand_built, Scope(Period(start, end, "atom"))).counts[key[2]]
    for relation in relations_of(release):
        total = sum(coefficient * values[cell] for cell, coefficient in relation.terms)
        assert relation.lower <= total <= relation.upper, relation


def test_one_period_is_one_cell_wherever_it_appears(hand_built):
    """A term's figures and the same term in the trend are the same cell, so they can
    never be shown two ways."""
    release = gather_overview_release(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    cells = cells_of(release)
    headline_cells = [key for key in cells if key[0] == "headline"]
    # Six terms of the trend; this term and the one before are two of them.
    assert len(headline_cells) == 4 * 6
    assert cells[("headline", "2025-09-01/2025-12-31", "incidents")] == 4


def test_a_protected_release_is_consistent_with_the_exact_one(hand_built):
    """Whatever a governor is shown is true: each hidden cell's audited interval holds its
    real value, and no count under the threshold is printed."""
    release = gather_overview_release(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    exact, shown = cells_of(release), disclose(release, "protected", 5)
    known = {}
    for key, cell in shown.cells.items():
        if cell.hidden:
            assert cell.low <= exact[key] and (cell.high is None or exact[key] <= cell.high)
            known[key] = Known(cell.low, cell.high)
        else:
            assert cell.value == exact[key] and not 1 <= cell.value < 5
            known[key] = Known(cell.value, cell.value)
    for key, (low, high) in audit_intervals(known, relations_of(release)).items():
        if key[0] != "atom":  # stretches of days no release prints may be pinned (to 0)
            assert high is None or high - low + 1 >= 3, key
