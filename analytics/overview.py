"""The governors' figures: each computed in DuckDB by one function returning a small DataFrame.

The overview page and `python -m analytics summary` call the same functions, so they agree.
Cases count in a period by their reported date, both ends of the period included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from analytics.sql import load_query
from analytics.store import Store
from analytics.terms import (
    Period,
    Term,
    TermCalendar,
    TermsInvalid,
    parse_academic_year,
    parse_term,
)
from analytics.vocabulary import CATEGORIES, ESCALATION_ACTIONS, PLATFORMS

HEADLINE_FIGURES = ("incidents", "settled_at_discussion", "escalated", "open")
TREND_TERMS = 6


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


def count_headline(store: Store, scope: Scope) -> pd.DataFrame:
    """One row: incidents, settled_at_discussion, escalated, open."""
    return store.read(load_query("headline"), scope.params())


def count_by_category(store: Store, scope: Scope) -> pd.DataFrame:
    """category, cases: every category, a case counted once under each of its categories."""
    return store.read(load_query("cases_by_category"), scope.params() | {"codes": list(CATEGORIES)})


def count_stages_by_category(store: Store, scope: Scope) -> pd.DataFrame:
    """category, settled_at_discussion, escalated, open: every category."""
    params = scope.params() | {"codes": list(CATEGORIES)}
    return store.read(load_query("stages_by_category"), params)


def count_earlier_cases(store: Store, before: date) -> int:
    """How many cases were reported before a day (is there an earlier term to compare?)."""
    return int(store.read_value("SELECT count(*) FROM incidents WHERE reported_on < ?", [before]))


def count_by_action(store: Store, scope: Scope) -> pd.DataFrame:
    """action, cases: every escalation action, with the cases that took it at least once."""
    params = scope.params() | {"codes": list(ESCALATION_ACTIONS)}
    return store.read(load_query("cases_by_action"), params)


def count_by_platform(store: Store, scope: Scope) -> pd.DataFrame:
    """platform, cases: every platform."""
    return store.read(load_query("cases_by_platform"), scope.params() | {"codes": list(PLATFORMS)})


def count_repeat_cases(store: Store, scope: Scope) -> int:
    """Cases whose person reference already had an earlier case (at any time)."""
    return int(store.read_value(load_query("repeat_cases"), scope.params()))


def measure_removal_and_closing(store: Store, scope: Scope) -> pd.DataFrame:
    """One row: content_removed, median_days_to_removal, median_days_to_close."""
    return store.read(load_query("removal_and_closing"), scope.params())


def count_stages_by_term(
    store: Store, scope: Scope, calendar: TermCalendar, *, terms: int = TREND_TERMS
) -> pd.DataFrame:
    """period, stage, cases: for the terms ending with the scope's last term, oldest first."""
    last_term = calendar.term_of(scope.period.end)
    periods = [calendar.reporting_period(t) for t in calendar.terms_up_to(last_term, terms)]
    params = {
        "labels": [p.label for p in periods],
        "starts": [p.start for p in periods],
        "ends": [p.end for p in periods],
        "categories": scope.params()["categories"],
        "platforms": scope.params()["platforms"],
    }
    return store.read(load_query("stages_by_period"), params)


def count_unclosed_by_age(
    store: Store, scope: Scope, calendar: TermCalendar, *, today: date
) -> pd.DataFrame:
    """age, calendar_days, school_days: cases not yet closed, by how long they have run."""
    first_term, last_term = calendar.term_of(scope.period.start), calendar.term_of(today)
    terms = [first_term]
    while terms[-1] < last_term:
        terms.append(terms[-1].next())
    params = scope.params() | {
        "today": today,
        "term_firsts": [calendar.first_day(term) for term in terms],
        "term_lasts": [calendar.last_day(term) for term in terms],
    }
    return store.read(load_query("unclosed_by_age"), params)


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
    return Period(start, end, f"{start:%-d %b %Y} to {end:%-d %b %Y}")


PERIOD_KINDS = {"term": "A term", "year": "An academic year", "range": "Dates"}


@dataclass(frozen=True)
class OverviewFigures:
    """Every figure the overview page shows for one scope, each from its own query."""

    headline: pd.Series
    headline_before: pd.Series
    by_category: pd.DataFrame
    stages_by_term: pd.DataFrame
    by_action: pd.DataFrame
    by_platform: pd.DataFrame
    removal: pd.Series
    repeat_cases: int
    unclosed_by_age: pd.DataFrame


def gather_overview(
    store: Store, scope: Scope, calendar: TermCalendar, *, today: date
) -> OverviewFigures:
    """The overview's figures for a scope, against the period before it."""
    earlier = scope.with_period(previous_period(scope.period, calendar))
    return OverviewFigures(
        headline=count_headline(store, scope).iloc[0],
        headline_before=count_headline(store, earlier).iloc[0],
        by_category=count_by_category(store, scope),
        stages_by_term=count_stages_by_term(store, scope, calendar),
        by_action=count_by_action(store, scope),
        by_platform=count_by_platform(store, scope),
        removal=measure_removal_and_closing(store, scope).iloc[0],
        repeat_cases=count_repeat_cases(store, scope),
        unclosed_by_age=count_unclosed_by_age(store, scope, calendar, today=today),
    )


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
            return Period(start, end, f"{start:%-d %b %Y} to {end:%-d %b %Y}")
        if kind == "term" and term:
            return calendar.reporting_period(parse_term(term))
    except TermsInvalid:
        pass
    return calendar.reporting_period(calendar.term_of(today))


def describe_period(period: Period) -> str:
    """ "Autumn 2025 (1 Sep 2025 to 31 Dec 2025)"."""
    span = f"{period.start:%-d %b %Y} to {period.end:%-d %b %Y}"
    return period.label if period.label == span else f"{period.label} ({span})"


def summarise(store: Store, scope: Scope) -> dict[str, Any]:
    """Every figure of a scope as plain values, in the shape `summary` prints as JSON."""
    headline = count_headline(store, scope).iloc[0]
    removal = measure_removal_and_closing(store, scope).iloc[0]
    return {
        "from": scope.period.start.isoformat(),
        "to": scope.period.end.isoformat(),
        **{name: int(headline[name]) for name in HEADLINE_FIGURES},
        "by_category": as_counts(count_by_category(store, scope)),
        "by_action": as_counts(count_by_action(store, scope)),
        "by_platform": as_counts(count_by_platform(store, scope)),
        "repeat_cases": count_repeat_cases(store, scope),
        "content_removed": int(removal["content_removed"]),
        "median_days_to_removal": _number_or_none(removal["median_days_to_removal"]),
        "median_days_to_close": _number_or_none(removal["median_days_to_close"]),
    }


def as_counts(frame: pd.DataFrame) -> dict[str, int]:
    """A (code, count) frame as {code: count}, in the frame's order."""
    codes, cases = frame.columns
    return {code: int(count) for code, count in zip(frame[codes], frame[cases], strict=True)}


def _number_or_none(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)
