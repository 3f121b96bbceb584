"""School terms: a date's term, reporting periods, names, and the edges of a terms file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.terms import (
    Period,
    Term,
    TermCalendar,
    TermsInvalid,
    load_term_calendar,
    parse_academic_year,
    parse_term,
    read_terms_csv,
)

DEFAULT = TermCalendar()

# A county's real-looking 2024/25 dates, with Spring 2025 left out (a gap).
TERMS_WITH_A_GAP = """academic_year,term,first_day,last_day
2024/25,Autumn,2024-09-04,2024-12-20
2024/25,Summer,2025-04-22,2025-07-22
2025/26,Autumn,2025-09-03,2025-12-19
"""


@pytest.fixture
def county() -> TermCalendar:
    return read_terms_csv(TERMS_WITH_A_GAP)


def test_academic_year_2024_25_is_autumn_2024_spring_and_summer_2025():
    autumn = Term(2024, 0)
    assert [autumn.label, autumn.next().label, autumn.next().next().label] == [
        "Autumn 2024", "Spring 2025", "Summer 2025",
    ]  # fmt: skip
    assert {t.academic_year for t in (autumn, autumn.next(), autumn.next().next())} == {"2024/25"}


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Autumn 2024", Term(2024, 0)),
        ("spring 2025", Term(2024, 1)),
        (" SUMMER 2025 ", Term(2024, 2)),
    ],
)
def test_term_names_are_read(text, term):
    assert parse_term(text) == term
    assert str(term) == text.strip().capitalize()


@pytest.mark.parametrize("text", ["Autumn", "Winter 2024", "2024 Autumn", "Autumn 24", ""])
def test_a_bad_term_name_says_how_to_write_it(text):
    with pytest.raises(TermsInvalid, match="write it like 'Autumn 2024'"):
        parse_term(text)


def test_academic_years_are_read():
    assert parse_academic_year("2024/25") == 2024
    assert parse_academic_year("1999/2000") == 1999
    with pytest.raises(TermsInvalid):
        parse_academic_year("2024/26")


def test_previous_term_and_the_same_term_a_year_earlier():
    assert parse_term("Spring 2025").previous() == parse_term("Autumn 2024")
    assert parse_term("Autumn 2024").previous() == parse_term("Summer 2024")
    assert parse_term("Summer 2025").next() == parse_term("Autumn 2025")
    assert parse_term("Spring 2025").years_later(-1) == parse_term("Spring 2024")


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (date(2024, 9, 1), "Autumn 2024"),  # first day
        (date(2024, 12, 31), "Autumn 2024"),  # last day, and the turn of the year
        (date(2025, 1, 1), "Spring 2025"),
        (date(2025, 3, 31), "Spring 2025"),
        (date(2025, 4, 1), "Summer 2025"),
        (date(2025, 8, 31), "Summer 2025"),
        (date(2025, 9, 1), "Autumn 2025"),
    ],
)
def test_default_calendar_edges(day, term):
    assert DEFAULT.term_of(day).label == term


def test_default_reporting_periods_cover_every_day_once():
    autumn = DEFAULT.reporting_period(parse_term("Autumn 2024"))
    assert autumn == Period(date(2024, 9, 1), date(2024, 12, 31), "Autumn 2024")
    day, term = date(2023, 9, 1), parse_term("Autumn 2023")
    while day < date(2026, 9, 1):
        period = DEFAULT.reporting_period(term)
        assert period.start == day
        assert all(DEFAULT.term_of(d) == term for d in (period.start, period.end))
        day, term = period.end + timedelta(days=1), term.next()


def test_a_holiday_counts_with_the_term_before_it(county):
    # Christmas holiday after Autumn 2024 ended on 20 December.
    assert county.term_of(date(2024, 12, 21)).label == "Autumn 2024"
    # Summer holiday: Summer 2025 ended 22 July; Autumn 2025 starts 3 September.
    assert county.term_of(date(2025, 8, 30)).label == "Summer 2025"
    assert county.term_of(date(2025, 9, 2)).label == "Summer 2025"
    assert county.term_of(date(2025, 9, 3)).label == "Autumn 2025"
    assert county.reporting_period(parse_term("Summer 2025")) == Period(
        date(2025, 4, 22), date(2025, 9, 2), "Summer 2025"
    )


def test_the_first_and_last_days_of_a_listed_term(county):
    autumn = parse_term("Autumn 2024")
    assert county.first_day(autumn) == date(2024, 9, 4)
    assert county.last_day(autumn) == date(2024, 12, 20)
    # Before Autumn 2024's first day the date is still in the (default) Summer 2024.
    assert county.term_of(date(2024, 9, 3)).label == "Summer 2024"


def test_a_term_missing_from_the_file_takes_the_default_dates(county):
    spring = parse_term("Spring 2025")
    assert (county.first_day(spring), county.last_day(spring)) == (
        date(2025, 1, 1),
        date(2025, 3, 31),
    )
    # Spring's reporting period runs to the day before the listed Summer term starts.
    assert county.reporting_period(spring).end == date(2025, 4, 21)
    assert county.term_of(date(2025, 4, 21)).label == "Spring 2025"


def test_a_listed_autumn_may_start_before_the_default_summer_ends():
    calendar = read_terms_csv(
        "academic_year,term,first_day,last_day\n2024/25,Autumn,2024-08-29,2024-12-20\n"
    )
    assert calendar.term_of(date(2024, 8, 30)).label == "Autumn 2024"
    assert calendar.term_of(date(2024, 8, 28)).label == "Summer 2024"


def test_academic_year_period_runs_to_the_day_before_the_next_autumn(county):
    assert county.academic_year_period(2024) == Period(
        date(2024, 9, 4), date(2025, 9, 2), "2024/25"
    )
    assert DEFAULT.academic_year_period(2025) == Period(
        date(2025, 9, 1), date(2026, 8, 31), "2025/26"
    )


def test_term_time_excludes_weekends_and_holidays(county):
    assert county.is_term_time(date(2024, 12, 20))  # a Friday, last day of term
    assert not county.is_term_time(date(2024, 12, 23))  # a Monday in the holiday
    assert not county.is_term_time(date(2024, 12, 21))  # a Saturday


def test_the_last_six_terms_end_with_the_given_one():
    terms = DEFAULT.terms_up_to(parse_term("Spring 2026"), 6)
    assert [t.label for t in terms] == [
        "Summer 2024", "Autumn 2024", "Spring 2025", "Summer 2025", "Autumn 2025", "Spring 2026",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("academic_year,term,first_day\n", "needs the column(s) last_day"),
        ("academic_year,term,first_day,last_day\n2024/25,Winter,2024-09-01,2024-12-20\n",
         "line 2: term 'Winter' must be one of Autumn, Spring, Summer"),
        ("academic_year,term,first_day,last_day\n2024/25,Autumn,04/09/2024,2024-12-20\n",
         "line 2: '04/09/2024' is not a date"),
        ("academic_year,term,first_day,last_day\n2024/25,Autumn,2024-12-20,2024-09-04\n",
         "line 2: last_day is before first_day"),
        ("academic_year,term,first_day,last_day\n2024/25,Autumn,2024-09-04,2024-12-20\n"
         "2024/25,Autumn,2024-09-05,2024-12-20\n", "line 3: Autumn 2024 is listed twice"),
        ("academic_year,term,first_day,last_day\n2024/25,Autumn,2024-09-04,2025-01-08\n"
         "2024/25,Spring,2025-01-06,2025-04-04\n", "Autumn 2024 ends on 2025-01-08, not before"),
        ("academic_year,term,first_day,last_day\n2024/25,Spring,2025-05-06,2025-06-04\n",
         "Spring 2025 starts on 2025-05-06, out of order"),
    ],
)  # fmt: skip
def test_a_bad_terms_file_names_the_line_and_rule(text, message):
    with pytest.raises(TermsInvalid) as raised:
        read_terms_csv(text)
    assert message in str(raised.value)


def test_the_terms_file_comes_from_the_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "terms.csv"
    path.write_text(TERMS_WITH_A_GAP, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_TERMS", str(path))
    assert load_term_calendar().first_day(parse_term("Autumn 2024")) == date(2024, 9, 4)
    monkeypatch.setenv("DASHBOARD_TERMS", str(tmp_path / "none.csv"))
    assert load_term_calendar().first_day(parse_term("Autumn 2024")) == date(2024, 9, 1)
