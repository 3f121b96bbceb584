"""The interval audit and the protection loop: known attacks, earlier releases, thresholds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.figures.interval_audit import (
    ANY_COUNT,
    MIN_POSSIBLE_VALUES,
    CellKey,
    Constraint,
    Known,
    Protection,
    at_most,
    audit_intervals,
    between,
    protect,
    sum_of,
)

INCIDENTS = ("headline", "this", "incidents")
SETTLED = ("headline", "this", "settled")
ESCALATED = ("headline", "this", "escalated")
OPEN = ("headline", "this", "open")
POLICE = ("action", "police")


def headline_cost(cell: CellKey) -> float:
    """As the dashboard will rank them: headline figures are hidden last."""
    return 10.0 if cell[0] == "headline" else 1.0


def read_release(values: dict[CellKey, int], protection: Protection) -> dict[CellKey, Known]:
    """What a reader is told, built from the returned sets and nothing else of protect's."""
    marker = Known(0 if protection.zeros_hidden else 1, protection.threshold - 1)
    known = {cell: Known(value, value) for cell, value in values.items()}
    known.update(dict.fromkeys(protection.small, marker))
    known.update(dict.fromkeys(protection.complementary, ANY_COUNT))
    return known


def count_values(interval: tuple[int, int | None]) -> float:
    low, high = interval
    return float("inf") if high is None else high - low + 1


def assert_every_hidden_cell_is_wide(
    values: dict[CellKey, int],
    constraints: list[Constraint],
    protection: Protection,
    fixed: dict[CellKey, Known] | None = None,
) -> dict[CellKey, tuple[int, int | None]]:
    known = read_release(values, protection) | (fixed or {})
    audited = audit_intervals(known, constraints)
    # What the relations alone pin, whatever is published, no hiding can widen.
    bare = audit_intervals(dict(fixed or {}) | dict.fromkeys(values, Known(0, None)), constraints)
    for cell in protection.hidden:
        if count_values(bare[cell]) < MIN_POSSIBLE_VALUES:
            continue
        assert count_values(audited[cell]) >= MIN_POSSIBLE_VALUES, (cell, audited[cell])
        low, high = audited[cell]
        assert low <= values[cell] and (high is None or values[cell] <= high)
    return audited


# The audit itself


def test_audit_intervals_gives_the_exact_least_and_greatest_value_of_a_hand_worked_table():
    total, a, b, c, d, e = ("t",), ("a",), ("b",), ("c",), ("d",), ("e",)
    known = {total: Known(10, 10), a: Known(1, 4), b: Known(1, 4), c: ANY_COUNT}
    constraints = [sum_of(total, [a, b, c]), at_most(d, a), at_most(c, e)]
    # c = 10 - a - b, with a and b in 1..4; d <= a; e >= c, nothing above it.
    assert audit_intervals(known, constraints) == {
        a: (1, 4),
        b: (1, 4),
        c: (2, 8),
        d: (0, 4),
        e: (2, None),
    }


def test_audit_intervals_works_in_whole_numbers():
    x, y, total = ("x",), ("y",), ("total",)
    # x + y = 5 and x <= y: x <= 2.5 as a fraction, so x <= 2 as a count.
    known = {total: Known(5, 5)}
    assert audit_intervals(known, [sum_of(total, [x, y]), at_most(x, y)]) == {
        x: (0, 2),
        y: (3, 5),
    }


def test_audit_intervals_leaves_out_cells_known_exactly():
    total, a = ("t",), ("a",)
    assert audit_intervals({total: Known(3, 3), a: Known(3, 3)}, [sum_of(total, [a])]) == {}


def test_audit_intervals_refuses_figures_that_break_a_relation():
    total, a, b = ("t",), ("a",), ("b",)
    with pytest.raises(ValueError, match="relation"):
        audit_intervals(
            {total: Known(10, 10), a: Known(4, 4), b: Known(4, 4)}, [sum_of(total, [a, b])]
        )


def test_at_most_and_between_take_one_cell_or_several():
    a, b, c = ("a",), ("b",), ("c",)
    assert at_most(a, [b, c]) == Constraint(((a, 1), (b, -1), (c, -1)), upper=0)
    assert at_most([a, b], c) == Constraint(((a, 1), (b, 1), (c, -1)), upper=0)
    low, high = between(a, b, [b, c])
    assert low == at_most(b, a)
    assert high == at_most(a, [b, c])


# Known attacks


def test_two_hidden_cells_that_must_both_be_one_are_widened():
    total, big, one, other = ("t", "total"), ("t", "big"), ("t", "one"), ("t", "other")
    values = {total: 10, big: 8, one: 1, other: 1}
    constraints = [sum_of(total, [big, one, other])]
    protection = protect(values, constraints, threshold=5)
    assert protection.small == {one, other}
    assert protection.complementary, "10 = 8 + <5 + <5 gives both small cells away"
    assert_every_hidden_cell_is_wide(values, constraints, protection)


def test_an_action_count_at_most_escalated_keeps_three_possible_values_with_escalated():
    values = {INCIDENTS: 17, SETTLED: 15, ESCALATED: 1, OPEN: 1, POLICE: 1}
    constraints = [sum_of(INCIDENTS, [SETTLED, ESCALATED, OPEN]), at_most(POLICE, ESCALATED)]
    protection = protect(values, constraints, threshold=5, cost=headline_cost)
    audited = assert_every_hidden_cell_is_wide(values, constraints, protection)
    assert count_values(audited[POLICE]) >= MIN_POSSIBLE_VALUES
    assert count_values(audited[ESCALATED]) >= MIN_POSSIBLE_VALUES


def test_categories_and_platforms_related_to_the_headline_cannot_give_a_small_cell_away():
    categories = [("category", name) for name in ("naming", "complaint", "racist")]
    platforms = [("platform", name) for name in ("facebook", "whatsapp", "x")]
    # One case can be of several categories: together they count each case at least once.
    values = {
        INCIDENTS: 9,
        **dict(zip(categories, (7, 2, 1), strict=True)),
        **dict(zip(platforms, (6, 2, 1), strict=True)),
    }
    constraints = [
        *(at_most(category, INCIDENTS) for category in categories),
        at_most(INCIDENTS, categories),
        sum_of(INCIDENTS, platforms),
    ]
    protection = protect(values, constraints, threshold=5, cost=headline_cost)
    assert protection.small == {categories[1], categories[2], platforms[1], platforms[2]}
    assert INCIDENTS not in protection.hidden, "a breakdown cell goes before the headline"
    assert_every_hidden_cell_is_wide(values, constraints, protection)


def test_a_total_of_three_small_parts_shows_one_small_count_as_a_star():
    # cases "<5" = settled "<5" + escalated "<5" + open "<5", each at least 1: cases is 3 or
    # 4 whatever else is hidden. Only a "*" in place of a marker leaves three values.
    row = [("category", "racist", column) for column in ("cases", "settled", "escalated", "open")]
    values = dict(zip(row, (3, 1, 1, 1), strict=True))
    constraints = [sum_of(row[0], row[1:])]
    protection = protect(values, constraints, threshold=5)
    assert protection.hidden == set(row)
    assert len(protection.complementary) == 1
    assert_every_hidden_cell_is_wide(values, constraints, protection)


# Earlier releases


def test_an_earlier_release_cannot_be_used_to_pin_a_small_cell_of_the_same_term():
    then = {
        ("then", "incidents"): Known(20, 20),
        ("then", "settled"): Known(14, 14),
        ("then", "escalated"): Known(6, 6),
        ("then", "open"): Known(0, 0),
    }
    figures = {"incidents": 20, "settled": 13, "escalated": 6, "open": 1}
    now = {("now", figure): value for figure, value in figures.items()}
    constraints = [
        sum_of(("then", "incidents"), [("then", f) for f in ("settled", "escalated", "open")]),
        sum_of(("now", "incidents"), [("now", f) for f in ("settled", "escalated", "open")]),
        at_most(("then", "incidents"), ("now", "incidents")),
        at_most(("then", "escalated"), ("now", "escalated")),
    ]
    protection = protect(now, constraints, threshold=5, fixed=then)
    assert protection.small == {("now", "open")}
    assert not protection.hidden & set(then)
    audited = assert_every_hidden_cell_is_wide(now, constraints, protection, fixed=then)
    assert count_values(audited["now", "open"]) >= MIN_POSSIBLE_VALUES


def test_a_cell_whose_hiding_cannot_help_stays_visible_though_it_is_the_cheapest():
    # Hiding escalated alone leaves open pinned: escalated_now >= escalated_then = 6.
    then = {("then", "escalated"): Known(6, 6)}
    now = {INCIDENTS: 20, SETTLED: 13, ESCALATED: 6, OPEN: 1}
    constraints = [
        sum_of(INCIDENTS, [SETTLED, ESCALATED, OPEN]),
        at_most(("then", "escalated"), ESCALATED),
    ]
    costs = {ESCALATED: 1.0, SETTLED: 5.0, INCIDENTS: 10.0, OPEN: 1.0}
    protection = protect(now, constraints, threshold=5, fixed=then, cost=costs.__getitem__)
    assert protection.complementary == {SETTLED}
    assert_every_hidden_cell_is_wide(now, constraints, protection, fixed=then)


def test_an_earlier_releases_hidden_cell_is_not_given_away_by_the_new_release():
    # Earlier: 10 = "<5" + "*". The new release restates the "*" cell: shown, it gives the
    # earlier small cell away (10 - 8 = 2).
    fixed = {
        ("then", "total"): Known(10, 10),
        ("then", "small"): Known(1, 4),
        ("then", "hidden"): ANY_COUNT,
    }
    values = {("now", "restated"): 8, ("now", "other"): 12}
    constraints = [
        sum_of(("then", "total"), [("then", "small"), ("then", "hidden")]),
        sum_of(("now", "restated"), [("then", "hidden")]),
    ]
    protection = protect(values, constraints, threshold=5, fixed=fixed)
    assert protection.complementary == {("now", "restated")}
    assert count_values(protection.intervals["then", "small"]) >= MIN_POSSIBLE_VALUES


def test_values_outside_what_the_earlier_release_said_are_refused():
    with pytest.raises(ValueError, match="earlier release"):
        protect({("a",): 7}, [], threshold=5, fixed={("a",): Known(1, 4)})


# Thresholds, zeros, choices


def test_threshold_three_hides_zeros_too_and_leaves_every_small_cell_three_values():
    parts = [("p", str(n)) for n in range(5)]
    values = {("total",): 12, **dict(zip(parts, (0, 1, 2, 3, 6), strict=True))}
    constraints = [sum_of(("total",), parts)]
    protection = protect(values, constraints, threshold=3)
    assert protection.zeros_hidden
    assert protection.small | protection.complementary >= {parts[0], parts[1], parts[2]}
    assert_every_hidden_cell_is_wide(values, constraints, protection)


def test_threshold_four_shows_zeros():
    protection = protect({("zero",): 0, ("three",): 3}, [], threshold=4)
    assert not protection.zeros_hidden
    assert protection.small == {("three",)}


@pytest.mark.parametrize("threshold", [2, 11])
def test_a_threshold_outside_three_to_ten_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        protect({("a",): 1}, [], threshold=threshold)


def test_the_callers_cost_decides_which_cell_is_hidden_next():
    total, big, one, other = ("total",), ("big",), ("one",), ("other",)
    values = {total: 10, big: 8, one: 1, other: 1}
    constraints = [sum_of(total, [big, one, other])]
    cheap_total = protect(values, constraints, 5, cost=lambda cell: 0.0 if cell == total else 1)
    assert cheap_total.complementary == {total}
    assert protect(values, constraints, 5).complementary == {big}, "else the smallest count"


def test_a_cell_kept_visible_is_never_hidden():
    total, big, one, other = ("total",), ("big",), ("one",), ("other",)
    values = {total: 10, big: 8, one: 1, other: 1}
    constraints = [sum_of(total, [big, one, other])]
    protection = protect(values, constraints, 5, keep_visible={big})
    assert protection.complementary == {total}
    assert_every_hidden_cell_is_wide(values, constraints, protection)


def test_a_last_resort_is_hidden_only_where_nothing_else_widens_the_small_count():
    """27 = 13 + 13 + 1: the total is the cheapest by cost, yet a last resort, so one of
    the 13s is hidden. Where the other parts are kept visible, the total has to go."""
    values = {INCIDENTS: 27, SETTLED: 13, ESCALATED: 13, OPEN: 1}
    constraints = [sum_of(INCIDENTS, [SETTLED, ESCALATED, OPEN])]
    total_cheapest = lambda cell: 0.0 if cell == INCIDENTS else 1.0  # noqa: E731
    protection = protect(values, constraints, 5, cost=total_cheapest, last_resort={INCIDENTS})
    assert INCIDENTS not in protection.hidden and OPEN in protection.small
    assert len(protection.complementary & {SETTLED, ESCALATED}) == 1
    assert_every_hidden_cell_is_wide(values, constraints, protection)
    cornered = protect(
        values, constraints, 5, last_resort={INCIDENTS}, keep_visible={SETTLED, ESCALATED}
    )
    assert cornered.complementary == {INCIDENTS}
    assert_every_hidden_cell_is_wide(values, constraints, cornered)


def test_a_small_count_is_shown_as_a_star_before_a_last_resort_is_hidden():
    """5 = 1 + 2 + 2 at threshold 3, each part "<3" (0 to 2): with 5 stated, each part is 1
    or 2. Found by the property test: showing one part as "*" keeps the total."""
    values = {INCIDENTS: 5, SETTLED: 1, ESCALATED: 2, OPEN: 2}
    constraints = [sum_of(INCIDENTS, [SETTLED, ESCALATED, OPEN])]
    protection = protect(values, constraints, 3, cost=headline_cost, last_resort={INCIDENTS})
    assert INCIDENTS not in protection.hidden
    assert len(protection.complementary) == 1 and len(protection.small) == 2
    assert_every_hidden_cell_is_wide(values, constraints, protection)


def test_protect_refuses_a_constraint_over_a_cell_it_has_no_figure_for():
    with pytest.raises(ValueError, match="no value"):
        protect({("a",): 3}, [at_most(("a",), ("b",))], threshold=5)


def test_shown_cells_are_the_count_the_marker_or_a_star():
    total, big, one, other = ("total",), ("big",), ("one",), ("other",)
    values = {total: 10, big: 8, one: 1, other: 1}
    protection = protect(values, [sum_of(total, [big, one, other])], 5)
    assert [protection.show(cell, values[cell]) for cell in (total, big, one)] == [
        "10",
        "*",
        "<5",
    ]


def build_release() -> tuple[dict[CellKey, int], list[Constraint]]:
    categories = [f"c{n}" for n in range(6)]
    values: dict[CellKey, int] = {INCIDENTS: 14, SETTLED: 9, ESCALATED: 3, OPEN: 2}
    constraints = [sum_of(INCIDENTS, [SETTLED, ESCALATED, OPEN])]
    for name, (settled, escalated, open_) in zip(
        categories, [(5, 1, 0), (2, 1, 1), (1, 0, 1), (1, 1, 0), (0, 0, 0), (3, 0, 0)], strict=True
    ):
        row = [("category", name, column) for column in ("cases", "settled", "escalated", "open")]
        values.update(
            zip(row, (settled + escalated + open_, settled, escalated, open_), strict=True)
        )
        constraints += [sum_of(row[0], row[1:]), at_most(row[0], INCIDENTS)]
    for column, headline in (("settled", SETTLED), ("escalated", ESCALATED), ("open", OPEN)):
        constraints.append(at_most(headline, [("category", c, column) for c in categories]))
    for action, value in (("police", 1), ("warning", 2), ("legal", 0)):
        values["action", action] = value
        constraints.append(at_most(("action", action), ESCALATED))
    return values, constraints


def test_the_same_release_gives_the_same_protection_whatever_the_order_of_its_cells():
    values, constraints = build_release()
    first = protect(values, constraints, 5, cost=headline_cost)
    again = protect(dict(reversed(values.items())), constraints[::-1], 5, cost=headline_cost)
    assert first == again
    assert first == protect(values, constraints, 5, cost=headline_cost)
    assert_every_hidden_cell_is_wide(values, constraints, first)


# Any small table


@st.composite
def tables(draw):
    """A few totals over 2-6 parts each, and "at most" relations that hold for the counts."""
    values: dict[CellKey, int] = {}
    constraints: list[Constraint] = []
    for t in range(draw(st.integers(1, 3))):
        parts = [(f"t{t}", f"p{p}") for p in range(draw(st.integers(2, 6)))]
        counts = draw(st.lists(st.integers(0, 25), min_size=len(parts), max_size=len(parts)))
        values.update(zip(parts, counts, strict=True))
        values[f"t{t}", "total"] = sum(counts)
        constraints.append(sum_of((f"t{t}", "total"), parts))
    cells = sorted(values)
    for _ in range(draw(st.integers(0, 4))):
        smaller = draw(st.sampled_from(cells))
        larger = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=3, unique=True))
        if smaller not in larger and values[smaller] <= sum(values[cell] for cell in larger):
            constraints.append(at_most(smaller, larger))
    return values, constraints, draw(st.integers(3, 10))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(tables())
def test_after_protect_no_hidden_cell_can_be_narrowed_below_three_values(table):
    values, constraints, threshold = table
    protection = protect(values, constraints, threshold)
    shown_small = [
        cell
        for cell, value in values.items()
        if cell not in protection.hidden
        and value < threshold
        and (value > 0 or protection.zeros_hidden)
    ]
    assert not shown_small
    audited = assert_every_hidden_cell_is_wide(values, constraints, protection)

    # The same intervals, but for where each search stopped short of "no maximum": a
    # maximum far above every count published counts as none.
    def bounded(interval, far=100):
        low, high = interval
        return low, None if high is None or high >= far else high

    assert {cell: bounded(audited[cell]) for cell in protection.hidden} == {
        cell: bounded(interval) for cell, interval in protection.intervals.items()
    }


@st.composite
def small_programmes(draw):
    """Up to four cells, each told as a range within 0..6, and a few relations among them."""
    cells = [(f"c{n}",) for n in range(draw(st.integers(2, 4)))]
    known = {}
    for cell in cells:
        low = draw(st.integers(0, 6))
        known[cell] = Known(low, draw(st.integers(low, 6)))
    constraints = []
    for _ in range(draw(st.integers(1, 3))):
        chosen = draw(st.lists(st.sampled_from(cells), min_size=2, max_size=4, unique=True))
        if draw(st.booleans()):
            constraints.append(sum_of(chosen[0], chosen[1:]))
        else:
            constraints.append(at_most(chosen[:1], chosen[1:]))
    return known, constraints


@settings(max_examples=100, deadline=None, derandomize=True)
@given(small_programmes())
def test_audit_intervals_agrees_with_trying_every_assignment(programme):
    known, constraints = programme
    cells = sorted(known)
    possible = [
        assignment
        for assignment in itertools.product(
            *(range(known[c].low, known[c].high + 1) for c in cells)
        )
        if all(
            constraint.lower
            <= sum(a * assignment[cells.index(cell)] for cell, a in constraint.terms)
            <= constraint.upper
            for constraint in constraints
        )
    ]
    if not possible:
        with pytest.raises(ValueError):
            audit_intervals(known, constraints)
        return
    expected = {
        cell: (min(p[i] for p in possible), max(p[i] for p in possible))
        for i, cell in enumerate(cells)
        if not known[cell].is_exact
    }
    assert audit_intervals(known, constraints) == expected
