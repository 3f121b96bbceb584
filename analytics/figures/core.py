"""The governors' figures for a scope, exact, gathered in DuckDB: the one place they are built.

Figures holds every count a governor can be given for one scope (a period and filters);
a Release is what one audience is given at once: the figures of a scope and the headline
figures of the periods shown beside it. The Overview, `summary`, the termly report, frozen
snapshots and the review pack all take a Release; what each audience may see of it is
decided by analytics.figures.disclosure. Adding a figure is a query in analytics/sql and a
field here, with its cells and relations below.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from analytics.figures.interval_audit import CellKey, Constraint, at_most, sum_of
from analytics.figures.scope import Scope, previous_period
from analytics.records import Store
from analytics.sql import load_query
from analytics.terms import Period, Term, TermCalendar
from analytics.vocabulary import (
    ALL_CASES,
    BLOCKABLE_PLATFORM,
    BLOCKING_ACTION,
    CATEGORIES,
    ESCALATED,
    ESCALATION_ACTIONS,
    HEADLINE,
    OPEN,
    PLATFORM_NOT_RECORDED,
    PLATFORMS,
    STAGES,
    UNCLOSED_AGES,
)

# Unclosed cases are counted twice over: by calendar days and by school days since report.
AGE_MEASURES = ("calendar_days", "school_days")
# The medians, in calendar days from the report: to content removal, and to closing.
MEDIANS = ("median_days_to_removal", "median_days_to_close")


@dataclass(frozen=True)
class Headline:
    """Cases in a period, and in each stage, under the same filters as the release."""

    period: Period
    counts: Mapping[str, int]  # HEADLINE keys


@dataclass(frozen=True)
class Figures:
    """Every exact figure governors are given for one scope."""

    scope: Scope
    headline: Headline
    by_category: Mapping[str, Mapping[str, int]]  # category -> stage -> cases
    by_action: Mapping[str, int]  # cases that took each action at least once
    by_platform: Mapping[str, int]  # every platform, and PLATFORM_NOT_RECORDED
    repeat_cases: int
    content_removed: int
    closed: int
    unclosed_by_age: Mapping[str, Mapping[str, int]]  # age -> AGE_MEASURES -> cases
    medians: Mapping[str, float | None]  # MEDIANS; None where no case has the date

    @property
    def unclosed(self) -> int:
        return self.headline.counts[ALL_CASES] - self.closed


@dataclass(frozen=True)
class Release:
    """The figures of a scope and, beside them, the headlines of other periods (named)."""

    figures: Figures
    beside: Mapping[str, Headline] = field(default_factory=dict)
    # The day the figures were counted: a reader knows no case is reported after it.
    as_of: date | None = None

    @property
    def headlines(self) -> dict[str, Headline]:
        """Every headline of the release by name, the scope's own as "this"."""
        return {"this": self.figures.headline, **self.beside}


# ------------------------------------------------------------------------------ gathering


def gather_figures(store: Store, scope: Scope, calendar: TermCalendar, *, today: date) -> Figures:
    """Every figure of a scope, each from its own query."""
    params = scope.params()
    removal = store.read_rows(load_query("removal_and_closing"), params)[0]
    content_removed, closed, median_removal, median_close = removal
    by_platform = _counts(
        store.read_rows(load_query("cases_by_platform"), params | {"codes": list(PLATFORMS)})
    )
    headline = count_headline(store, scope)
    by_platform[PLATFORM_NOT_RECORDED] = headline.counts[ALL_CASES] - sum(by_platform.values())
    by_category: dict[str, dict[str, int]] = {code: {} for code in CATEGORIES}
    for category, stage, cases in store.read_rows(
        load_query("stages_by_category"),
        params | {"codes": list(CATEGORIES), "stages": list(STAGES)},
    ):
        by_category[category][stage] = int(cases)
    return Figures(
        scope=scope,
        headline=headline,
        by_category=by_category,
        by_action=_counts(
            store.read_rows(
                load_query("cases_by_action"), params | {"codes": list(ESCALATION_ACTIONS)}
            )
        ),
        by_platform=by_platform,
        repeat_cases=int(store.read_value(load_query("repeat_cases"), params)),
        content_removed=int(content_removed),
        closed=int(closed),
        unclosed_by_age=count_unclosed_by_age(store, scope, calendar, today=today),
        medians=dict(
            zip(
                MEDIANS,
                (_number_or_none(median_removal), _number_or_none(median_close)),
                strict=True,
            )
        ),
    )


def count_headline(store: Store, scope: Scope) -> Headline:
    """Cases in scope, and in each stage."""
    stages = _counts(
        store.read_rows(load_query("cases_by_stage"), scope.params() | {"stages": list(STAGES)})
    )
    return Headline(scope.period, {ALL_CASES: sum(stages.values()), **stages})


def count_headlines_by_term(
    store: Store, scope: Scope, periods: list[Period]
) -> dict[str, Headline]:
    """The headline of each period (terms, say) under the scope's filters, in one query."""
    params = {
        "labels": [p.label for p in periods],
        "starts": [p.start for p in periods],
        "ends": [p.end for p in periods],
        "categories": scope.params()["categories"],
        "platforms": scope.params()["platforms"],
        "stages": list(STAGES),
    }
    stages: dict[str, dict[str, int]] = {p.label: {} for p in periods}
    for label, stage, cases in store.read_rows(load_query("stages_by_period"), params):
        stages[label][stage] = int(cases)
    return {
        p.label: Headline(p, {ALL_CASES: sum(stages[p.label].values()), **stages[p.label]})
        for p in periods
    }


def count_unclosed_by_age(
    store: Store, scope: Scope, calendar: TermCalendar, *, today: date
) -> dict[str, dict[str, int]]:
    """Cases not yet closed on today, by how long they have run, in both measures."""
    first_term, last_term = calendar.term_of(scope.period.start), calendar.term_of(today)
    terms = [first_term]
    while terms[-1] < last_term:
        terms.append(terms[-1].next())
    params = scope.params() | {
        "today": today,
        "term_firsts": [calendar.first_day(term) for term in terms],
        "term_lasts": [calendar.last_day(term) for term in terms],
        "ages": list(UNCLOSED_AGES),
    }
    return {
        age: {"calendar_days": int(calendar_days), "school_days": int(school_days)}
        for age, calendar_days, school_days in store.read_rows(
            load_query("unclosed_by_age"), params
        )
    }


# ---------------------------------------------------------------------- cells and relations


def headline_cell(period: Period, figure: str) -> CellKey:
    """A headline figure's cell, keyed by its period, so one period is one cell everywhere."""
    return ("headline", f"{period.start.isoformat()}/{period.end.isoformat()}", figure)


def cells_of(release: Release) -> dict[CellKey, int]:
    """Every count of the release as a cell, keyed as the disclosure rule and audit see it."""
    figures = release.figures
    cells: dict[CellKey, int] = {}
    for headline in release.headlines.values():
        for figure, count in headline.counts.items():
            cells[headline_cell(headline.period, figure)] = count
    for category, stages in figures.by_category.items():
        cells[("category", category, ALL_CASES)] = sum(stages.values())
        for stage, count in stages.items():
            cells[("category", category, stage)] = count
    cells |= {("action", code): count for code, count in figures.by_action.items()}
    cells |= {("platform", code): count for code, count in figures.by_platform.items()}
    cells[("repeat_cases",)] = figures.repeat_cases
    cells[("content_removed",)] = figures.content_removed
    for age, measures in figures.unclosed_by_age.items():
        for measure, count in measures.items():
            cells[("unclosed", age, measure)] = count
    cells[("unclosed", "all", "total")] = figures.unclosed
    return cells


def relations_of(release: Release) -> list[Constraint]:
    """Every relation between the release's cells that any reader knows or can assume."""
    figures = release.figures
    this = figures.headline.period
    relations = [
        sum_of(headline_cell(h.period, ALL_CASES), [headline_cell(h.period, s) for s in STAGES])
        for h in _distinct_headlines(release)
    ]
    relations += _period_relations(release)
    # Categories: each row adds up; each is part of the headline; every case has a category,
    # and under a category filter, one of the chosen ones.
    in_filter = figures.scope.categories or tuple(CATEGORIES)
    for figure in HEADLINE:
        column = [("category", category, figure) for category in CATEGORIES]
        relations += [at_most(cell, headline_cell(this, figure)) for cell in column]
        relations.append(
            at_most(
                headline_cell(this, figure),
                [("category", category, figure) for category in in_filter],
            )
        )
    relations += [
        sum_of(("category", category, ALL_CASES), [("category", category, s) for s in STAGES])
        for category in CATEGORIES
    ]
    # Every escalated case took at least one action, and only escalated cases take any.
    escalated = headline_cell(this, ESCALATED)
    relations += [at_most(("action", code), escalated) for code in ESCALATION_ACTIONS]
    relations.append(at_most(escalated, [("action", code) for code in ESCALATION_ACTIONS]))
    # Each case is on one platform or none recorded; under a platform filter, on a chosen one.
    platforms = [("platform", code) for code in figures.by_platform]
    relations.append(sum_of(headline_cell(this, ALL_CASES), platforms))
    if figures.scope.platforms:
        outside = [cell for cell in platforms if cell[1] not in figures.scope.platforms]
        relations.append(Constraint(tuple((cell, 1) for cell in outside), upper=0))
    # Open cases are all unclosed; settled ones are all closed; escalated ones may be either.
    total = ("unclosed", "all", "total")
    if figures.unclosed_by_age:
        for measure in AGE_MEASURES:
            ages = [("unclosed", age, measure) for age in figures.unclosed_by_age]
            relations.append(sum_of(total, ages))
    relations.append(at_most(headline_cell(this, OPEN), total))
    relations.append(at_most(total, [headline_cell(this, OPEN), escalated]))
    # Access can be blocked only where the comments were made on the school's own site.
    relations.append(at_most(("action", BLOCKING_ACTION), ("platform", BLOCKABLE_PLATFORM)))
    relations.append(at_most(("repeat_cases",), headline_cell(this, ALL_CASES)))
    relations.append(at_most(("content_removed",), headline_cell(this, ALL_CASES)))
    return relations


def _distinct_headlines(release: Release) -> list[Headline]:
    return list({h.period: h for h in release.headlines.values()}.values())


def atoms_of(release: Release) -> dict[CellKey, tuple[date, date]]:
    """The stretches of days the release's periods are made of: every boundary of every
    period cuts the calendar, and each piece inside some period is an atom. A reader knows
    each period's figures are the sums of its atoms' (unknown) figures, which says all that
    nesting, tiling and overlapping periods can tell together."""
    periods = [h.period for h in _distinct_headlines(release)]
    cuts = {p.start for p in periods} | {p.end + timedelta(days=1) for p in periods}
    if release.as_of is not None:
        cuts.add(release.as_of + timedelta(days=1))  # the days still to come hold no case
    cuts = sorted(cuts)
    atoms = {}
    for start, after in itertools.pairwise(cuts):
        end = after - timedelta(days=1)
        if any(p.start <= start and end <= p.end for p in periods):
            for figure in HEADLINE:
                atoms[_atom_cell(start, end, figure)] = (start, end)
    return atoms


def _atom_cell(start: date, end: date, figure: str) -> CellKey:
    return ("atom", f"{start.isoformat()}/{end.isoformat()}", figure)


def _period_relations(release: Release) -> list[Constraint]:
    """Each period's figures are the sums of its atoms', and each atom's stages add up."""
    spans = sorted(set(atoms_of(release).values()))
    relations = [
        sum_of(_atom_cell(*span, ALL_CASES), [_atom_cell(*span, stage) for stage in STAGES])
        for span in spans
    ]
    # No case can be reported after the day the figures were counted.
    relations += [
        Constraint(((_atom_cell(*span, ALL_CASES), 1),), upper=0)
        for span in spans
        if release.as_of is not None and span[0] > release.as_of
    ]
    for headline in _distinct_headlines(release):
        period = headline.period
        inside = [span for span in spans if period.start <= span[0] and span[1] <= period.end]
        for figure in HEADLINE:
            relations.append(
                sum_of(
                    headline_cell(period, figure), [_atom_cell(*span, figure) for span in inside]
                )
            )
    return relations


# --------------------------------------------------------------------------- plain values


def release_to_dict(release: Release) -> dict[str, Any]:
    """The release as plain values (JSON), so a frozen report keeps exactly its figures."""
    figures = release.figures
    return {
        "scope": {
            "period": _period_to_dict(figures.scope.period),
            "categories": list(figures.scope.categories),
            "platforms": list(figures.scope.platforms),
        },
        "headline": dict(figures.headline.counts),
        "beside": {
            name: {"period": _period_to_dict(h.period), "counts": dict(h.counts)}
            for name, h in release.beside.items()
        },
        "by_category": {code: dict(stages) for code, stages in figures.by_category.items()},
        "by_action": dict(figures.by_action),
        "by_platform": dict(figures.by_platform),
        "repeat_cases": figures.repeat_cases,
        "content_removed": figures.content_removed,
        "closed": figures.closed,
        "unclosed_by_age": {age: dict(m) for age, m in figures.unclosed_by_age.items()},
        "medians": dict(figures.medians),
        "as_of": None if release.as_of is None else release.as_of.isoformat(),
    }


def release_from_dict(values: Mapping[str, Any]) -> Release:
    """The release release_to_dict wrote."""
    scope_values = values["scope"]
    period = _period_from_dict(scope_values["period"])
    scope = Scope(period, tuple(scope_values["categories"]), tuple(scope_values["platforms"]))
    figures = Figures(
        scope=scope,
        headline=Headline(period, dict(values["headline"])),
        by_category={code: dict(s) for code, s in values["by_category"].items()},
        by_action=dict(values["by_action"]),
        by_platform=dict(values["by_platform"]),
        repeat_cases=values["repeat_cases"],
        content_removed=values["content_removed"],
        closed=values["closed"],
        unclosed_by_age={age: dict(m) for age, m in values["unclosed_by_age"].items()},
        medians=dict(values["medians"]),
    )
    beside = {
        name: Headline(_period_from_dict(h["period"]), dict(h["counts"]))
        for name, h in values["beside"].items()
    }
    as_of = values.get("as_of")
    return Release(figures, beside, None if as_of is None else date.fromisoformat(as_of))


def _period_to_dict(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label}


def _period_from_dict(values: Mapping[str, str]) -> Period:
    return Period(
        date.fromisoformat(values["from"]), date.fromisoformat(values["to"]), values["label"]
    )


def _counts(rows: list[tuple]) -> dict[str, int]:
    return {code: int(count) for code, count in rows}


def _number_or_none(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN != NaN


# ------------------------------------------------------------------------------- releases

TREND_TERMS = 6  # the Overview's term-by-term chart: this term and the five before


def gather_overview_release(
    store: Store, scope: Scope, calendar: TermCalendar, *, today: date
) -> Release:
    """The Overview's figures: the scope's, the period before it, and six terms' headlines."""
    last_term = calendar.term_of(scope.period.end)
    terms = [calendar.reporting_period(t) for t in calendar.terms_up_to(last_term, TREND_TERMS)]
    before = count_headline(store, scope.with_period(previous_period(scope.period, calendar)))
    # A term still to come holds no case, and everyone knows it: it is left out.
    trend = count_headlines_by_term(store, scope, [t for t in terms if t.start <= today])
    return Release(
        gather_figures(store, scope, calendar, today=today),
        {"before": before, **{trend_name(label): h for label, h in trend.items()}},
        as_of=today,
    )


def trend_name(term_label: str) -> str:
    """The name of a term's headline in the Overview's release."""
    return f"term {term_label}"


def trend_names(release: Release) -> list[str]:
    """The names of the release's term-by-term headlines, oldest first."""
    return [name for name in release.beside if name.startswith("term ")]


def gather_term_release(
    store: Store, calendar: TermCalendar, term: Term, *, today: date
) -> Release:
    """A termly report's figures: the term's, and the previous term's and a year earlier's
    headlines."""
    scope = Scope(calendar.reporting_period(term))
    beside = {
        name: count_headline(store, Scope(calendar.reporting_period(other)))
        for name, other in (("previous", term.previous()), ("year_earlier", term.years_later(-1)))
    }
    return Release(gather_figures(store, scope, calendar, today=today), beside, as_of=today)
