"""Scopes and periods: the period before, as the Overview compares with it."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.figures.scope import previous_period
from analytics.terms import Period, TermCalendar, parse_term

CALENDAR = TermCalendar()
AUTUMN_2025 = CALENDAR.reporting_period(parse_term("Autumn 2025"))
SPRING_2026 = CALENDAR.reporting_period(parse_term("Spring 2026"))
D = date


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
