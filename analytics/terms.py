"""UK school terms: which term a date belongs to, and each term's reporting period.

Term dates differ by local authority and academy, so they are data: a CSV file at
data/terms.csv or $DASHBOARD_TERMS. A term the file does not list takes the default
calendar (Autumn 1 Sep-31 Dec, Spring 1 Jan-31 Mar, Summer 1 Apr-31 Aug). A term's
reporting period runs from its first day to the day before the next term starts, so every
date belongs to exactly one term and a holiday counts with the term before it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from analytics.paths import DATA_FOLDER

TERM_NAMES = ("Autumn", "Spring", "Summer")
DEFAULT_TERMS_PATH = DATA_FOLDER / "terms.csv"
TERMS_PATH_VARIABLE = "DASHBOARD_TERMS"
TERMS_COLUMNS = ("academic_year", "term", "first_day", "last_day")

# (month, day) of each term's first and last day in the default calendar.
_DEFAULT_DATES = {
    "Autumn": ((9, 1), (12, 31)),
    "Spring": ((1, 1), (3, 31)),
    "Summer": ((4, 1), (8, 31)),
}
_TERM_NAME_PATTERN = re.compile(r"\s*(autumn|spring|summer)\s+(\d{4})\s*", re.IGNORECASE)
_ACADEMIC_YEAR_PATTERN = re.compile(r"\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*")


@dataclass(frozen=True, order=True)
class Term:
    """One term of an academic year; 2024/25 is Autumn 2024, Spring 2025 and Summer 2025."""

    academic_year_start: int
    index: int  # 0 Autumn, 1 Spring, 2 Summer

    @property
    def name(self) -> str:
        return TERM_NAMES[self.index]

    @property
    def calendar_year(self) -> int:
        return self.academic_year_start + (0 if self.index == 0 else 1)

    @property
    def label(self) -> str:
        """The term as people write it, e.g. "Autumn 2024"."""
        return f"{self.name} {self.calendar_year}"

    @property
    def academic_year(self) -> str:
        return academic_year_label(self.academic_year_start)

    def next(self) -> Term:
        if self.index == 2:
            return Term(self.academic_year_start + 1, 0)
        return Term(self.academic_year_start, self.index + 1)

    def previous(self) -> Term:
        if self.index == 0:
            return Term(self.academic_year_start - 1, 2)
        return Term(self.academic_year_start, self.index - 1)

    def years_later(self, years: int) -> Term:
        return Term(self.academic_year_start + years, self.index)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, with a name for people."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class TermsInvalid(ValueError):
    """The terms file or a term name cannot be read; the message names the line and rule."""


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_term(text: str) -> Term:
    """A term from its name, e.g. "Autumn 2024" (any capitalisation)."""
    match = _TERM_NAME_PATTERN.fullmatch(text or "")
    if not match:
        raise TermsInvalid(f"'{text}' is not a term; write it like 'Autumn 2024'")
    index = [name.lower() for name in TERM_NAMES].index(match.group(1).lower())
    calendar_year = int(match.group(2))
    return Term(calendar_year if index == 0 else calendar_year - 1, index)


def parse_academic_year(text: str) -> int:
    """The starting calendar year of an academic year written like "2024/25"."""
    match = _ACADEMIC_YEAR_PATTERN.fullmatch(text or "")
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if end % 100 == (start + 1) % 100:
            return start
    raise TermsInvalid(f"'{text}' is not an academic year; write it like '2024/25'")


class TermCalendar:
    """Term dates from a file where it has them, the default calendar elsewhere."""

    def __init__(self, dates: dict[Term, tuple[date, date]] | None = None) -> None:
        self._dates = dict(dates or {})

    def first_day(self, term: Term) -> date:
        if term in self._dates:
            return self._dates[term][0]
        (month, day), _ = _DEFAULT_DATES[term.name]
        return date(term.calendar_year, month, day)

    def last_day(self, term: Term) -> date:
        """The term's own last day (its review deadline), holidays not included."""
        if term in self._dates:
            return self._dates[term][1]
        _, (month, day) = _DEFAULT_DATES[term.name]
        return date(term.calendar_year, month, day)

    def reporting_period(self, term: Term) -> Period:
        """First day to the day before the next term's first day."""
        end = self.first_day(term.next()) - timedelta(days=1)
        return Period(self.first_day(term), end, term.label)

    def term_of(self, day: date) -> Term:
        """The one term whose reporting period holds the day."""
        # The default calendar's term is at most one term away from the answer.
        guess = _default_term_of(day)
        for term in (guess.next(), guess, guess.previous(), guess.previous().previous()):
            if self.first_day(term) <= day:
                return term
        raise TermsInvalid(f"no term holds {day.isoformat()}")  # only for a broken file

    def academic_year_period(self, start_year: int) -> Period:
        autumn = Term(start_year, 0)
        end = self.first_day(Term(start_year + 1, 0)) - timedelta(days=1)
        return Period(self.first_day(autumn), end, academic_year_label(start_year))

    def terms_up_to(self, last: Term, count: int) -> list[Term]:
        """count terms ending with last, oldest first."""
        terms = [last]
        while len(terms) < count:
            terms.insert(0, terms[0].previous())
        return terms

    def is_term_time(self, day: date) -> bool:
        """A weekday between a term's first and last day (holidays are not)."""
        term = self.term_of(day)
        return day.weekday() < 5 and self.first_day(term) <= day <= self.last_day(term)


def _default_term_of(day: date) -> Term:
    if day.month >= 9:
        return Term(day.year, 0)
    return Term(day.year - 1, 1 if day.month <= 3 else 2)


def read_terms_csv(text: str) -> TermCalendar:
    """A calendar from terms CSV text; TermsInvalid names every bad line."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [name for name in TERMS_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise TermsInvalid(f"line 1: the terms file needs the column(s) {', '.join(missing)}")
    dates: dict[Term, tuple[date, date]] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        try:
            start_year = parse_academic_year(row["academic_year"])
            name = (row["term"] or "").strip().capitalize()
            if name not in TERM_NAMES:
                raise TermsInvalid(f"term '{row['term']}' must be one of {', '.join(TERM_NAMES)}")
            first, last = _read_date(row["first_day"]), _read_date(row["last_day"])
            if last < first:
                raise TermsInvalid("last_day is before first_day")
            term = Term(start_year, TERM_NAMES.index(name))
            if term in dates:
                raise TermsInvalid(f"{term.label} is listed twice")
            dates[term] = (first, last)
        except TermsInvalid as problem:
            problems.append(f"line {line}: {problem}")
    if problems:
        raise TermsInvalid("; ".join(problems))
    calendar = TermCalendar(dates)
    for term in sorted(dates):
        following = term.next()
        # A listed term must end before the next listed term starts ...
        if following in dates and calendar.first_day(following) <= calendar.last_day(term):
            raise TermsInvalid(
                f"{term.label} ends on {calendar.last_day(term)}, not before "
                f"{following.label} starts on {calendar.first_day(following)}"
            )
        # ... and start after the term before it, listed or not, so terms stay in order.
        if (
            not calendar.first_day(term.previous())
            < calendar.first_day(term)
            < (calendar.first_day(following))
        ):
            raise TermsInvalid(
                f"{term.label} starts on {calendar.first_day(term)}, out of order with "
                f"{term.previous().label} and {following.label}"
            )
    return calendar


def terms_path() -> Path:
    configured = os.environ.get(TERMS_PATH_VARIABLE, "").strip()
    return Path(configured) if configured else DEFAULT_TERMS_PATH


def load_term_calendar(path: Path | None = None) -> TermCalendar:
    """The school's calendar from its terms file, or the default calendar if there is none."""
    path = path or terms_path()
    if not path.is_file():
        return TermCalendar()
    return read_terms_csv(path.read_text(encoding="utf-8-sig"))


def _read_date(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise TermsInvalid(f"'{text}' is not a date written as YYYY-MM-DD") from None
