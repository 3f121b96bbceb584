"""What the governors' figures are counted over: a scope (a period and filters), the period
before it, and the periods a picker offers. The figures themselves are analytics.figures.

Cases count in a period by their reported date, both ends of the period included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from analytics.records import Store
from analytics.terms import (
    Period,
    Term,
    TermCalendar,
    TermsInvalid,
    parse_academic_year,
    parse_term,
)
from analytics.vocabulary import as_short_day


@dataclass(frozen=True)
class Scope:
    """Which cases a figure counts: a period, and optionally some categories or platforms."""

    period: Period
    categories: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "start_on": self.period.start,
            "end_on": self.period.end,
            "categories": list(self.categories) or None,
            "platforms": list(self.platforms) or None,
        }

    def with_period(self, period: Period) -> Scope:
        return replace(self, period=period)


def previous_period(period: Period, calendar: TermCalendar) -> Period:
    """The period just before, of the same kind: the previous term or academic year, or
    for a date range the same number of days ending the day before it starts."""
    term = calendar.term_of(period.start)
    if period == calendar.reporting_period(term):
        return calendar.reporting_period(term.previous())
    year = term.academic_year_start
    if period == calendar.academic_year_period(year):
        return calendar.academic_year_period(year - 1)
    end = period.start - timedelta(days=1)
    start = end - timedelta(days=period.days - 1)
    return Period(start, end, f"{as_short_day(start)} to {as_short_day(end)}")


PERIOD_KINDS = {"term": "A term", "year": "An academic year", "range": "Dates"}


def available_terms(store: Store, calendar: TermCalendar, today: date) -> list[Term]:
    """Terms to offer, newest first: from the earliest case's term, or at least three
    academic years back, to the current term."""
    current = calendar.term_of(today)
    earliest = store.read_value("SELECT min(reported_on) FROM incidents")
    oldest = min(calendar.term_of(earliest) if earliest else current, current.years_later(-3))
    terms = [current]
    while terms[-1] > oldest:
        terms.append(terms[-1].previous())
    return terms


def choose_period(
    kind: str,
    calendar: TermCalendar,
    today: date,
    *,
    term: str | None = None,
    year: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Period:
    """The period a picker describes; anything missing or unreadable falls back to this term."""
    try:
        if kind == "year" and year:
            return calendar.academic_year_period(parse_academic_year(year))
        if kind == "range" and start and end and start <= end:
            return Period(start, end, f"{as_short_day(start)} to {as_short_day(end)}")
        if kind == "term" and term:
            return calendar.reporting_period(parse_term(term))
    except TermsInvalid:
        pass
    return calendar.reporting_period(calendar.term_of(today))


def describe_period(period: Period) -> str:
    """ "Autumn 2025 (1 Sep 2025 to 31 Dec 2025)"."""
    span = f"{as_short_day(period.start)} to {as_short_day(period.end)}"
    return period.label if period.label == span else f"{period.label} ({span})"
