"""The one disclosure rule: what each audience is shown of a release, cell by cell.

The headteacher and staff see exact figures. Governors, and everything marked for
circulation, see protected figures: a count from 1 to threshold-1 is shown as "<threshold"
(zeros too where that alone would leave fewer than three possible values), and further
cells are hidden ("*") until the interval audit finds that no hidden cell can be narrowed
to fewer than three values by every figure of the release, every relation between them
(analytics.figures.core.relations_of) and every earlier release of the same scope. A
median is shown only over at least threshold cases. docs/disclosure.md states the rule.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics.figures.core import (
    Release,
    atoms_of,
    cells_of,
    headline_cell,
    relations_of,
)
from analytics.figures.interval_audit import (
    HIDDEN_MARK,
    MIN_POSSIBLE_VALUES,
    CellKey,
    Constraint,
    Contradiction,
    Known,
    Protection,
    at_most,
    check_threshold,
    protect,
)
from analytics.records import (
    DEFAULTS,
    SUPPRESSION_THRESHOLD,
)
from analytics.terms import Period
from analytics.vocabulary import (
    ALL_CASES,
    AUDIENCES,
    ESCALATED,
    ESCALATION_ACTIONS,
    OPEN,
    SETTLED,
)

log = logging.getLogger(__name__)

EXACT, PROTECTED = AUDIENCES  # the two audiences, in vocabulary order
DEFAULT_THRESHOLD = int(DEFAULTS[SUPPRESSION_THRESHOLD])
SMALL, COMPLEMENTARY = "small", "complementary"
COMPLEMENTARY_MARK = HIDDEN_MARK

# Figures that only grow as a term's late cases arrive and cases escalate: an earlier
# release of the same scope bounds them from below.
_NEVER_FALL = (ALL_CASES, ESCALATED)


@dataclass(frozen=True)
class Shown:
    """One cell as an audience sees it: the count, or a marker and what a reader can tell."""

    value: int | None  # None when hidden
    hidden: str | None = None  # SMALL or COMPLEMENTARY
    low: int = 0  # the least and greatest the cell can be, from everything published
    high: int | None = None
    threshold: int = DEFAULT_THRESHOLD

    @property
    def text(self) -> str:
        """As printed in a table: "12", "<5" or "*"."""
        if self.value is not None:
            return str(self.value)
        return f"<{self.threshold}" if self.hidden == SMALL else COMPLEMENTARY_MARK

    @property
    def short(self) -> str:
        """On its own, as a metric, short enough for one: "12", "Fewer than 5", "37–40",
        "3 or more"."""
        if self.value is not None:
            return str(self.value)
        if self.hidden == SMALL:
            return f"Fewer than {self.threshold}"
        if self.high is None:
            return f"{self.low} or more" if self.low else "Not shown"
        return f"{self.low}–{self.high}"

    def words(self, noun: str, plural: str | None = None) -> str:
        """In a sentence: "12 cases", "1 case", "fewer than 5 cases", "between 3 and 9 cases"."""
        plural = f"{noun}s" if plural is None else plural
        if self.value is not None:
            return f"{self.value} {noun if self.value == 1 else plural}"
        if self.hidden == SMALL:
            return f"fewer than {self.threshold} {plural}"
        if self.high is None:
            return f"at least {self.low} {plural}" if self.low else f"an unknown number of {plural}"
        return f"between {self.low} and {self.high} {plural}"

    @property
    def chartable(self) -> bool:
        """A chart may draw it: it is shown exactly."""
        return self.value is not None


@dataclass(frozen=True)
class Disclosed:
    """A release as one audience sees it: every cell, and the medians shown."""

    audience: str
    threshold: int
    cells: Mapping[CellKey, Shown]
    medians: Mapping[str, float | None]  # None: not shown (no case has the date, or too few)
    medians_withheld: frozenset[str] = field(default_factory=frozenset)
    periods: Mapping[str, Period] = field(default_factory=dict)  # each headline's, by name

    def __getitem__(self, key: CellKey) -> Shown:
        return self.cells[key]

    def headline(self, name: str, figure: str) -> Shown:
        """A headline figure of the named period ("this", "before", ...)."""
        return self.cells[headline_cell(self.periods[name], figure)]

    @property
    def any_hidden(self) -> bool:
        return any(cell.hidden for cell in self.cells.values())

    def hidden_among(self, keys: Sequence[CellKey]) -> set[str]:
        """Which kinds of hiding (SMALL, COMPLEMENTARY) the given cells use."""
        return {self.cells[key].hidden for key in keys if self.cells[key].hidden}


@dataclass(frozen=True)
class Published:
    """Cells of an earlier release as its audience was shown them, for later audits."""

    known: Mapping[CellKey, Known]
    texts: Mapping[CellKey, str]


@dataclass(frozen=True)
class EarlierRelease:
    """A release an audience was given before (a frozen circulated report): its exact
    figures, for the relations among its cells, and what it told its readers."""

    release: Release
    published: Published


def disclose(
    release: Release,
    audience: str,
    threshold: int,
    *,
    earlier: Sequence[EarlierRelease] = (),
) -> Disclosed:
    """Every cell of the release as audience may see it, given the earlier releases (frozen
    circulated reports) a reader may hold beside it."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
    check_threshold(threshold)
    values = cells_of(release)
    medians = dict(release.figures.medians)
    periods = {name: headline.period for name, headline in release.headlines.items()}
    if audience == EXACT:
        return Disclosed(
            audience,
            threshold,
            {key: Shown(v, low=v, high=v, threshold=threshold) for key, v in values.items()},
            medians,
            periods=periods,
        )
    release = as_protected(release)
    values = cells_of(release)
    unknown = set(unknowns_of(release))
    held, constraints = what_a_reader_holds(release, earlier)
    try:
        protection = protect(
            values,
            constraints,
            threshold,
            fixed={key: known for key, known in held.items() if key not in unknown},
            cost=_cost_of_hiding(release),
            # "How many incidents?" is the first question: a total is hidden only where
            # nothing else protects the counts beside it.
            last_resort=[key for key in values if key[0] == "headline" and key[-1] == ALL_CASES],
            unknowns=[key for key in held if key in unknown],
        )
    except (RuntimeError, Contradiction) as cause:
        # No pattern of hiding passes the audit (earlier releases already say too much), or
        # the figures contradict an earlier release (a case's date edited into another
        # term since a report was frozen): nothing of this release is shown at all, rather
        # than anything unsafe or a page that fails.
        log.warning("Every figure of a protected release is hidden: %s", cause)
        protection = Protection(
            small=frozenset(),
            complementary=frozenset(values),
            intervals=dict.fromkeys(values, (0, None)),
            zeros_hidden=True,
            threshold=threshold,
        )
    cells = {}
    for key, value in values.items():
        if key in protection.small:
            low, high = protection.intervals[key]
            cells[key] = Shown(None, SMALL, low, high, threshold)
        elif key in protection.complementary:
            low, high = protection.intervals[key]
            cells[key] = Shown(None, COMPLEMENTARY, low, high, threshold)
        else:
            cells[key] = Shown(value, low=value, high=value, threshold=threshold)
    # A median is shown over at least threshold cases, and only where the reader can already
    # tell exactly how many from what is shown: its being shown or not then tells nothing
    # more. Whole days: a half would tell that the count is even.
    withheld = set()
    for name, counted in _median_bases(cells, release).items():
        if counted is None or counted < threshold:
            withheld.add(name)
            medians[name] = None
        elif medians[name] is not None:
            medians[name] = float(math.floor(medians[name] + 0.5))
    return Disclosed(audience, threshold, cells, medians, frozenset(withheld), periods)


def as_protected(release: Release) -> Release:
    """The release as protected audiences are given it: cases not yet closed in all, not by
    age. A reader who knows the day, the term dates and each term's open and escalated
    cases could tell from the ages which term the unclosed cases came from."""
    return dataclasses.replace(
        release, figures=dataclasses.replace(release.figures, unclosed_by_age={})
    )


def what_a_reader_holds(
    release: Release, earlier: Sequence[EarlierRelease] = ()
) -> tuple[dict[CellKey, Known], list[Constraint]]:
    """Everything a reader of the release already holds besides it (earlier releases), what
    they know only exists (the counts of stretches of days, `atoms_of`), and every relation
    they can use.

    Of an earlier release, the cells that bear on this one are those that can only have
    grown since (a period's incidents and escalated cases, and for the same scope each
    action's cases), each known as narrowly as that release's own audit allowed: its
    hidden cells' published intervals already hold all its other cells could tell."""
    held: dict[CellKey, Known] = dict.fromkeys(unknowns_of(release), Known(0, None))
    constraints = list(relations_of(release))
    for number, before in enumerate(earlier):

        def then(key: CellKey, number: int = number) -> CellKey:
            return ("earlier", str(number), *key)

        for key in _grown_since(release, before):
            held[then(key)] = before.published.known[key]
            constraints.append(at_most(then(key), key))
    return held, constraints


def _median_bases(cells: Mapping[CellKey, Shown], release: Release) -> dict[str, int | None]:
    """How many cases each median rests on, as a reader can tell from the cells shown (None
    where they cannot tell exactly): content removed; closed = incidents - not yet closed."""
    removed = cells[("content_removed",)].value
    incidents = cells[headline_cell(release.figures.headline.period, ALL_CASES)].value
    unclosed = cells[("unclosed", "all", "total")].value
    closed = None if incidents is None or unclosed is None else incidents - unclosed
    return {"median_days_to_removal": removed, "median_days_to_close": closed}


def unknowns_of(release: Release) -> list[CellKey]:
    """Counts no release prints but the relations name: the stretches of days the periods
    shown cut the calendar into."""
    return list(atoms_of(release))


def published_cells(disclosed: Disclosed, keys: Sequence[CellKey] | None = None) -> Published:
    """What the audience was told of the given cells (all by default), for later audits."""
    keys = list(disclosed.cells) if keys is None else keys
    known = {}
    for key in keys:
        cell = disclosed.cells[key]
        known[key] = Known(cell.low, cell.high) if cell.hidden else Known(cell.value, cell.value)
    return Published(known, {key: disclosed.cells[key].text for key in keys})


def published_to_dict(published: Published) -> list[list]:
    """Published cells as JSON-ready rows: [key parts, low, high, text]."""
    return [
        [list(key), known.low, known.high, published.texts[key]]
        for key, known in published.known.items()
    ]


def published_from_dict(rows: Sequence[Sequence]) -> Published:
    known, texts = {}, {}
    for key, low, high, text in rows:
        known[tuple(key)] = Known(low, high)
        texts[tuple(key)] = text
    return Published(known, texts)


def shown_as_published(published: Published, key: CellKey, threshold: int) -> Shown:
    """A cell as an earlier release printed it (a comparison column reprints it as it was)."""
    known, text = published.known[key], published.texts[key]
    if known.low == known.high:
        return Shown(known.low, low=known.low, high=known.high, threshold=threshold)
    if text.startswith("<"):
        return Shown(None, SMALL, known.low, known.high, int(text[1:]))
    return Shown(None, COMPLEMENTARY, known.low, known.high, threshold)


def _grown_since(release: Release, before: EarlierRelease) -> list[CellKey]:
    """The cells of this release an earlier one also printed that late cases can only have
    made larger: incidents and escalated cases of a period under the same filters, and for
    the same scope each action's cases."""
    then_scope, now_scope = before.release.figures.scope, release.figures.scope
    if (then_scope.categories, then_scope.platforms) != (now_scope.categories, now_scope.platforms):
        return []
    keys = [key for key in cells_of(release) if key[0] == "headline" and key[-1] in _NEVER_FALL]
    if then_scope == now_scope:
        keys += [("action", code) for code in ESCALATION_ACTIONS]
    return [key for key in keys if key in before.published.known]


def _cost_of_hiding(release: Release):
    """How much a reader loses when a cell is hidden, in the order governors ask: how many
    of this term's incidents were settled at discussion and how many escalated, then how
    many are open, then the other headline figures, then each category's total, then the
    cells inside tables. (Each period's total, the dearest of all, is a last resort.)"""
    this = release.figures.headline.period
    dearest = {
        headline_cell(this, SETTLED): 1_000.0,
        headline_cell(this, ESCALATED): 1_000.0,
        headline_cell(this, OPEN): 300.0,
    }

    def cost(key: CellKey) -> float:
        if key in dearest:
            return dearest[key]
        if key[0] == "headline":
            return 100.0
        if key[0] == "category" and key[-1] == ALL_CASES:
            return 30.0
        return 1.0

    return cost


__all__ = [
    "COMPLEMENTARY",
    "EXACT",
    "MIN_POSSIBLE_VALUES",
    "PROTECTED",
    "SMALL",
    "Disclosed",
    "Published",
    "Shown",
    "disclose",
    "published_cells",
]
