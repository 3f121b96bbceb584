"""Interval audit of a release of counts, and the hiding of cells that makes it pass.

A reader of a release knows every published figure, the range each marker stands for, what
earlier releases said, and the linear relations between figures (totals, "at most"). The
interval audit gives, for each cell the reader does not know exactly, the least and greatest
whole value consistent with all of that: integer programmes solved by HiGHS
(`scipy.optimize.milp`), every cell a non-negative integer.

`protect` hides the small counts behind a marker ("<5": 1 to 4, or 0 to 2 where zeros are
hidden too), then hides further cells as "*" (any count) one at a time until the audit
passes. For the release it returns it guarantees:
- no visible cell holds a count from 1 to threshold-1 (nor 0 where zeros are hidden);
- every hidden cell, and every cell an earlier release showed only as a range (unless that
  release already gave it away), can take at least MIN_POSSIBLE_VALUES whole values given
  everything the reader knows, markers included;
- each hidden cell's true value lies inside its audited interval;
- the same input gives the same output.
Where the markers themselves pin a cell (a total "<5" over three parts "<5", each at least
1), no amount of hiding helps: such a small count is shown as "*" instead of its marker.
The hiding is greedy, so not always the fewest cells. Coefficients are assumed small (totals
and "at most" use 1 and -1): a maximum at a large cap (twice everything published, times the
largest coefficient, plus 1000) is reported as None, no maximum.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from analytics.records import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
)

CellKey = tuple[str, ...]  # e.g. ("headline", "this", "escalated"), ("action", "police")
Interval = tuple[int, int | None]  # None as the maximum: no upper bound

MIN_POSSIBLE_VALUES = 3

# The optimum must be exact: a gap of one on a count of three is a disclosure.
_HIGHS_OPTIONS = {"mip_rel_gap": 0.0}
# Copies of one programme solved per call of HiGHS (see _Group.solve): past a few dozen the
# time per copy stops falling.
_COPIES_PER_CALL = 48


@dataclass(frozen=True)
class Constraint:
    """lower <= sum(coefficient * cell) <= upper, as any reader of the release knows it."""

    terms: tuple[tuple[CellKey, int], ...]
    lower: float = -math.inf
    upper: float = math.inf

    def __post_init__(self) -> None:
        if self.lower > self.upper:
            raise ValueError(f"a constraint's lower bound exceeds its upper bound: {self}")


@dataclass(frozen=True)
class Known:
    """What a reader is told of one cell: exactly a value (low == high), or a range."""

    low: int
    high: int | None  # None: no upper bound beyond the relations

    def __post_init__(self) -> None:
        if self.low < 0 or (self.high is not None and self.high < self.low):
            raise ValueError(f"not a range of counts: {self}")

    @property
    def is_exact(self) -> bool:
        return self.high == self.low


HIDDEN_MARK = "*"
ANY_COUNT = Known(0, None)  # a complementary "*", or a cell the reader is told nothing of
_NOTHING_FIXED: Mapping[CellKey, Known] = MappingProxyType({})


def sum_of(total: CellKey, parts: Sequence[CellKey]) -> Constraint:
    """total == sum(parts)."""
    return Constraint(((total, 1), *((part, -1) for part in parts)), 0, 0)


def at_most(
    smaller: CellKey | Sequence[CellKey], larger: CellKey | Sequence[CellKey]
) -> Constraint:
    """sum(smaller) <= sum(larger); either side one cell or several."""
    terms = [(cell, 1) for cell in _read_cells(smaller)]
    terms += [(cell, -1) for cell in _read_cells(larger)]
    return Constraint(tuple(terms), upper=0)


def between(
    cell: CellKey, low_cells: CellKey | Sequence[CellKey], high_cells: CellKey | Sequence[CellKey]
) -> tuple[Constraint, Constraint]:
    """sum(low_cells) <= cell <= sum(high_cells), as two constraints."""
    return at_most(low_cells, cell), at_most(cell, high_cells)


def _read_cells(cells: CellKey | Sequence[CellKey]) -> tuple[CellKey, ...]:
    # A CellKey is a tuple of strings; anything else is a sequence of CellKeys.
    if cells and all(isinstance(part, str) for part in cells):
        return (tuple(cells),)
    return tuple(tuple(cell) for cell in cells)


def audit_intervals(
    known: Mapping[CellKey, Known], constraints: Sequence[Constraint]
) -> dict[CellKey, Interval]:
    """For each cell not known exactly: the least and greatest whole value it can take given
    every Known and every constraint (cells are non-negative integers; a cell named only in
    a constraint is known as ANY_COUNT). None as the maximum means unbounded."""
    numbers = [n for k in known.values() for n in (k.low, k.high) if n is not None]
    model = _Model(known, constraints, _find_cap(numbers, constraints))
    seen = _Seen()
    return model.find_intervals(model.unknown, seen)


@dataclass(frozen=True)
class Protection:
    """Which cells a release hides, and what the reader can still work out of each."""

    # Shown as the small-count marker: 0 < value < threshold (0 <= value if zeros_hidden).
    small: frozenset[CellKey]
    # Shown as "*", any count: hidden so that no small count can be worked out, and the rare
    # small count whose marker would itself give a small count away.
    complementary: frozenset[CellKey]
    # The audit's final answer for every hidden cell, and for every cell of an earlier
    # release shown there as a range that this release must not give away.
    intervals: Mapping[CellKey, Interval]
    zeros_hidden: bool
    threshold: int

    @property
    def hidden(self) -> frozenset[CellKey]:
        return self.small | self.complementary

    @property
    def marker(self) -> Known:
        """What the small-count marker tells the reader."""
        return Known(0 if self.zeros_hidden else 1, self.threshold - 1)

    def show(self, cell: CellKey, value: int) -> str:
        """The cell as printed: the count, the small-count marker, or "*"."""
        if cell in self.small:
            return f"<{self.threshold}"
        if cell in self.complementary:
            return HIDDEN_MARK
        return str(value)

    def known(
        self, values: Mapping[CellKey, int], fixed: Mapping[CellKey, Known] = _NOTHING_FIXED
    ) -> dict[CellKey, Known]:
        """What the reader is told of each cell: this release's cells, then earlier ones."""
        return _tell_reader(values, fixed, self.small, self.complementary, self.marker)


class Contradiction(ValueError):
    """The figures contradict a relation, or what an earlier release said of them: a case
    moved to another term or removed since a report was frozen (its incidents can then
    fall), or a fault. No audit can run on them."""


def protect(
    values: Mapping[CellKey, int],
    constraints: Sequence[Constraint],
    threshold: int,
    *,
    fixed: Mapping[CellKey, Known] = _NOTHING_FIXED,
    keep_visible: Collection[CellKey] = (),
    cost: Callable[[CellKey], float] | None = None,
    last_resort: Collection[CellKey] = (),
    unknowns: Collection[CellKey] = (),
) -> Protection:
    """The cells of a release to hide so that no small count can be narrowed below
    MIN_POSSIBLE_VALUES values by a reader who knows everything published.

    `fixed` cells come from an earlier release: the reader knows them as given, they take
    part in the constraints and are never hidden (a value for one in `values` is its true
    value, else its Known stands in). `keep_visible` cells are never chosen as complementary.
    `cost` ranks the complementary candidates (lowest first; default: all equal).
    `last_resort` cells are chosen as complementary only where every other candidate hidden
    together would still not widen the small count (each period's total of incidents).
    `unknowns` are counts no release tells (cases in a stretch of days that no period shown
    covers alone): the relations may name them, the reader knows only that they are whole
    and not negative, and they are not protected as published cells are.
    """
    check_threshold(threshold)
    told_nothing = dict.fromkeys(unknowns, ANY_COUNT)
    _check_inputs(values, constraints, {**fixed, **told_nothing})
    zeros_hidden = threshold - 1 < MIN_POSSIBLE_VALUES
    marker = Known(0 if zeros_hidden else 1, threshold - 1)
    own = {cell: value for cell, value in values.items() if cell not in fixed}
    cost = cost or _cost_nothing
    bounds = [n for known in fixed.values() for n in (known.low, known.high) if n is not None]
    cap = _find_cap([*values.values(), *bounds], constraints)

    # A point the reader cannot rule out: the truth. Every solve adds another; together they
    # prove most cells wide without an optimum of their own. Hiding a cell or dropping a
    # marker only widens what the reader may believe, so a point seen stays possible and a
    # cell once proven wide stays wide: neither is worked out twice.
    truth = {cell: Known(value, value) for cell, value in values.items()}
    seen = _Seen()
    seen.record(_Model({**fixed, **truth}, constraints, cap).find_point())
    wide: set[CellKey] = set()

    small = frozenset(cell for cell, value in own.items() if marker.low <= value <= marker.high)
    complementary: set[CellKey] = set()  # visible cells hidden as "*"
    unmarked: set[CellKey] = set()  # small cells shown as "*": their marker would give them away
    guarded = _find_guarded_earlier_cells(fixed, constraints, cap)
    fixed = {**fixed, **told_nothing}
    # A small count the relations pin by themselves, whatever is published (a part no
    # larger than a total it equals), cannot be widened by hiding: it is hidden as small,
    # and not required to keep three values.
    bare, bare_seen = _Model({**dict.fromkeys(own, ANY_COUNT), **fixed}, constraints, cap), _Seen()
    pinned_anyway = frozenset(cell for cell in small if bare.is_narrow(cell, bare_seen))
    neighbours = _find_neighbours(constraints)
    choosable = frozenset(cell for cell in own if cell not in keep_visible and cell not in small)

    def build_model(starred: Iterable[CellKey], unmarking: Collection[CellKey] = ()) -> _Model:
        # unmarking: small cells shown as "*" on trial, besides those already unmarked.
        shown_small = small - unmarked - set(unmarking)
        known = _tell_reader(values, fixed, shown_small, {*starred, *unmarking}, marker)
        return _Model(known, constraints, cap)

    last_narrow: CellKey | None = None
    while True:
        model = build_model(complementary | unmarked)
        pending = sorted(
            ((small - pinned_anyway) | complementary | guarded) - wide,
            key=lambda c: (c != last_narrow, c),
        )
        narrow = model.find_first_narrow(pending, seen, wide)
        if narrow is None:
            break
        last_narrow = narrow
        distance = _measure_distances(narrow, neighbours)
        # The caller's last resorts last of all; then the nearest in the web of constraints
        # (sharing a constraint is distance 1: a far cell seldom widens, and hiding it costs
        # the reader as much), then the caller's cost (headline figures last), then a
        # non-zero count (a hidden zero tells less than it costs), then the smallest; the
        # key makes it deterministic.
        candidates = sorted(
            (cell for cell in distance if cell in choosable and cell not in complementary),
            key=lambda c: (c in last_resort, distance[c], cost(c), own[c] == 0, own[c], c),
        )

        def widens(count: int, narrow: CellKey = narrow, candidates=candidates) -> bool:
            trial = build_model(complementary | unmarked | set(candidates[:count]))
            return not trial.is_narrow(narrow, seen.copy())

        # A small count shown as "*" rather than "<t" can widen the cell too (a total "<5"
        # over three parts "<5", each at least 1): the markers themselves pin it.
        markable = sorted(
            (cell for cell in distance if cell in small and cell not in unmarked),
            key=lambda c: (distance[c], cost(c), c),
        )
        ordinary = [cell for cell in candidates if cell not in last_resort]
        needed = _count_first_enough(len(ordinary), widens)
        if needed is None and len(ordinary) < len(candidates) and markable:
            # Before a last resort: if every other cell hidden and every small one near it
            # shown as "*" widen the cell, unmark the nearest small one and try again.
            everything_else = build_model(complementary | unmarked | set(ordinary), markable)
            if not everything_else.is_narrow(narrow, seen.copy()):
                unmarked.add(markable[0])
                continue
        if needed is None:
            needed = _count_first_enough(len(candidates), widens)
        if needed is not None:
            # The first candidates up to this one widen the cell and fewer do not: this one
            # is needed, while those before it may prove needless and stay visible.
            complementary.add(candidates[needed - 1])
            continue
        # However many cells are hidden, the small-count markers themselves pin the cell:
        # show a small count as "*".
        if not markable:
            low, high = model.find_interval(narrow, seen)
            raise RuntimeError(
                f"cannot protect {narrow}: the reader can still tell it is between {low} and "
                f"{high}, and no cell related to it is left to hide"
            )
        unmarked.add(markable[0])

    hidden = small | complementary
    intervals = model.find_intervals(sorted(hidden | guarded), seen)
    leaks = [
        cell
        for cell, interval in intervals.items()
        if not has_enough_values(interval) and cell not in pinned_anyway
    ]
    if leaks:
        raise RuntimeError(f"the interval audit still narrows {leaks}: a bug in protect")
    return Protection(
        small=small - unmarked,
        complementary=frozenset(complementary | unmarked),
        intervals=intervals,
        zeros_hidden=zeros_hidden,
        threshold=threshold,
    )


def _count_first_enough(total: int, is_enough: Callable[[int], bool]) -> int | None:
    """The least count in 1..total that is enough, for a test that stays true once true;
    None if even total is not (often so: then the markers pin the cell). Below total it
    tries 1, 2, 4, ... first, since the answer is usually small, then halves the gap."""
    if total == 0 or not is_enough(total):
        return None
    low, high = 0, total  # low: known not enough; high: known enough
    count = 1
    while count < high:
        if is_enough(count):
            high = count
            break
        low, count = count, count * 2
    while high - low > 1:
        middle = (low + high) // 2
        if is_enough(middle):
            high = middle
        else:
            low = middle
    return high


def check_threshold(threshold: int) -> None:
    """Raise ValueError unless the threshold is one protect can honour."""
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(
            f"the small-number threshold must be a whole number from {MIN_THRESHOLD} to "
            f"{MAX_THRESHOLD}, not {threshold}"
        )


def _check_inputs(values, constraints, fixed) -> None:
    negative = sorted(cell for cell, value in values.items() if value < 0)
    if negative:
        raise ValueError(f"counts cannot be negative: {negative}")
    named = {cell for constraint in constraints for cell, _ in constraint.terms}
    missing = sorted(named - set(values) - set(fixed))
    if missing:
        raise ValueError(f"constraints name cells with no value and no earlier figure: {missing}")
    outside = sorted(
        cell
        for cell, known in fixed.items()
        if cell in values
        and not (known.low <= values[cell] and (known.high is None or values[cell] <= known.high))
    )
    if outside:
        raise Contradiction(f"values lie outside what the earlier release said: {outside}")


def _cost_nothing(cell: CellKey) -> float:
    return 0.0


def _tell_reader(values, fixed, small, complementary, marker) -> dict[CellKey, Known]:
    known = {cell: Known(value, value) for cell, value in values.items()}
    known.update(fixed)
    known.update(dict.fromkeys(small, marker))
    known.update(dict.fromkeys(complementary, ANY_COUNT))
    return known


def _find_guarded_earlier_cells(fixed, constraints, cap) -> frozenset[CellKey]:
    # An earlier release's hidden cell must not be given away by this one. Where the earlier
    # release (with all of this release unknown) already gives it away, nothing here can help.
    ranged = [cell for cell, known in fixed.items() if not known.is_exact]
    if not ranged:
        return frozenset()
    model = _Model(fixed, constraints, cap)
    seen = _Seen()
    return frozenset(cell for cell in ranged if not model.is_narrow(cell, seen))


def _find_neighbours(constraints: Sequence[Constraint]) -> dict[CellKey, set[CellKey]]:
    neighbours: dict[CellKey, set[CellKey]] = {}
    for constraint in constraints:
        cells = {cell for cell, _ in constraint.terms}
        for cell in cells:
            neighbours.setdefault(cell, set()).update(cells - {cell})
    return neighbours


def _measure_distances(start: CellKey, neighbours) -> dict[CellKey, int]:
    """How many constraints apart each cell is from `start` (cells not related: absent)."""
    distance = {start: 0}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        for other in sorted(neighbours.get(cell, ())):
            if other not in distance:
                distance[other] = distance[cell] + 1
                queue.append(other)
    return distance


def _find_cap(numbers: Iterable[int], constraints: Sequence[Constraint]) -> int:
    # An upper bound on every unbounded cell keeps HiGHS away from unbounded programmes; it
    # sits far above any maximum the relations allow, so reaching it means "no maximum".
    scale = max((abs(a) for c in constraints for _, a in c.terms), default=1)
    bounds = sum(abs(b) for c in constraints for b in (c.lower, c.upper) if math.isfinite(b))
    return 2 * max(scale, 1) * (sum(numbers) + math.ceil(bounds)) + 1000


def has_enough_values(interval: Interval) -> bool:
    """Whether an audited interval leaves at least MIN_POSSIBLE_VALUES whole values."""
    low, high = interval
    return high is None or high - low + 1 >= MIN_POSSIBLE_VALUES


class _Seen:
    """The least and greatest value each cell takes in points known to be possible."""

    def __init__(self) -> None:
        self.low: dict[CellKey, int] = {}
        self.high: dict[CellKey, int] = {}

    def record(self, point: Mapping[CellKey, int]) -> None:
        for cell, value in point.items():
            if value < self.low.get(cell, value + 1):
                self.low[cell] = value
            if value > self.high.get(cell, value - 1):
                self.high[cell] = value

    def copy(self) -> _Seen:
        other = _Seen()
        other.low, other.high = dict(self.low), dict(self.high)
        return other

    def is_wide(self, cell: CellKey) -> bool:
        if cell not in self.low:
            return False
        return self.high[cell] - self.low[cell] + 1 >= MIN_POSSIBLE_VALUES


class _Group:
    """Unknown cells tied together by constraints: one integer programme, many objectives."""

    def __init__(self, cells: list[CellKey], rows: list, bounds: Mapping) -> None:
        self.cells = cells
        self.index = {cell: i for i, cell in enumerate(cells)}
        self.lower = np.array([bounds[cell][0] for cell in cells], dtype=float)
        self.upper = np.array([bounds[cell][1] for cell in cells], dtype=float)
        self.matrix = None
        if rows:
            matrix = np.zeros((len(rows), len(cells)))
            for r, (coefficients, _, _) in enumerate(rows):
                for cell, coefficient in coefficients.items():
                    matrix[r, self.index[cell]] = coefficient
            self.matrix = matrix
            self.entries = np.nonzero(matrix)  # (rows, columns), for stacking copies
            self.row_lower = np.array([row[1] for row in rows], dtype=float)
            self.row_upper = np.array([row[2] for row in rows], dtype=float)

    @property
    def has_relations(self) -> bool:
        return self.matrix is not None

    def solve(self, objectives: Sequence[Mapping[CellKey, float]]) -> list[dict[CellKey, int]]:
        """For each objective, a possible point with the least sum(weight * cell).

        Each objective gets its own copy of the cells in one block-diagonal programme: the
        copies do not interact, so the programme's optimum is every copy's optimum, and one
        call of HiGHS for sixteen copies costs about what two single calls do.
        """
        points = []
        n = len(self.cells)
        for start in range(0, len(objectives), _COPIES_PER_CALL):
            chunk = objectives[start : start + _COPIES_PER_CALL]
            copies = len(chunk)
            objective = np.zeros(copies * n)
            for copy, weights in enumerate(chunk):
                for cell, weight in weights.items():
                    objective[copy * n + self.index[cell]] = weight
            matrix = self._stack(copies)
            x = _solve_integer_programme(
                objective,
                np.tile(self.lower, copies),
                np.tile(self.upper, copies),
                matrix,
                np.tile(self.row_lower, copies),
                np.tile(self.row_upper, copies),
            )
            points += [
                dict(zip(self.cells, x[copy * n : (copy + 1) * n], strict=True))
                for copy in range(copies)
            ]
        return points

    def _stack(self, copies: int):
        """The relations of `copies` independent copies of the cells: block-diagonal."""
        if copies == 1:
            return self.matrix
        from scipy import sparse  # see _solve_integer_programme

        rows, columns = self.entries
        height, width = self.matrix.shape
        shift = np.arange(copies)[:, None]
        return sparse.csr_array(
            (
                np.tile(self.matrix[rows, columns], copies),
                ((rows + shift * height).ravel(), (columns + shift * width).ravel()),
            ),
            shape=(copies * height, copies * width),
        )


def _solve_integer_programme(objective, lower, upper, matrix, row_lower, row_upper) -> list[int]:
    """An optimal whole-number point, checked against every bound and relation.

    The linear relaxation first: for tables of totals and "at most" its optimum is nearly
    always whole already, and then it is the integer optimum too, at half the cost. Else
    the integer programme, without presolve: HiGHS's MIP presolve (scipy 1.17) was seen here
    to call a feasible audit infeasible and to return a point short of the optimum.
    """
    # Imported on first use: scipy's optimiser takes a fifth of a second to load, paid by
    # every command and page start that never protects a figure.
    from scipy.optimize import Bounds, LinearConstraint, milp

    bounds = Bounds(lower, upper)
    constraint = LinearConstraint(matrix, row_lower, row_upper)
    attempts = (
        (np.zeros(len(objective)), {}),
        (np.ones(len(objective)), {**_HIGHS_OPTIONS, "presolve": False}),
    )
    for integrality, options in attempts:
        result = milp(
            objective,
            integrality=integrality,
            bounds=bounds,
            constraints=constraint,
            options=options,
        )
        if result.x is None or np.max(np.abs(result.x - np.rint(result.x)), initial=0) > 1e-6:
            continue
        point = np.rint(result.x)
        rows = matrix @ point
        if (
            np.all(lower <= point)
            and np.all(point <= upper)
            and np.all(row_lower - 1e-6 <= rows)
            and np.all(rows <= row_upper + 1e-6)
        ):
            return [int(value) for value in point]
    if result.status == 2:
        raise ValueError("no counts fit what the reader is told")
    raise RuntimeError(f"HiGHS could not finish an audit: {result.message}")


class _Model:
    """The reader's knowledge as integer programmes, one per group of related unknown cells."""

    def __init__(
        self, known: Mapping[CellKey, Known], constraints: Sequence[Constraint], cap: int
    ) -> None:
        self.cap = cap
        cells = set(known) | {cell for c in constraints for cell, _ in c.terms}
        self.exact: dict[CellKey, int] = {}
        self.bounds: dict[CellKey, tuple[int, int]] = {}
        for cell in cells:
            told = known.get(cell, ANY_COUNT)
            if told.is_exact:
                self.exact[cell] = told.low
            else:
                self.bounds[cell] = (told.low, cap if told.high is None else min(told.high, cap))
        self.unknown = sorted(self.bounds)
        rows = []
        for constraint in constraints:
            row = self._reduce(constraint)
            if row is not None:
                rows.append(row)
        self.group_of = self._group(rows)

    def _reduce(self, constraint: Constraint):
        # Known cells become constants; a relation left with one unknown cell is a bound on it.
        coefficients: dict[CellKey, int] = {}
        constant = 0
        for cell, coefficient in constraint.terms:
            if cell in self.exact:
                constant += coefficient * self.exact[cell]
            else:
                coefficients[cell] = coefficients.get(cell, 0) + coefficient
        coefficients = {cell: a for cell, a in coefficients.items() if a}
        lower, upper = constraint.lower - constant, constraint.upper - constant
        if not coefficients:
            if not lower <= 0 <= upper:
                raise Contradiction(f"the figures break a relation: {constraint}")
            return None
        if len(coefficients) > 1:
            return coefficients, lower, upper
        [(cell, a)] = coefficients.items()
        low, high = (lower / a, upper / a) if a > 0 else (upper / a, lower / a)
        old_low, old_high = self.bounds[cell]
        new_low = old_low if low == -math.inf else max(old_low, math.ceil(low - 1e-9))
        new_high = old_high if high == math.inf else min(old_high, math.floor(high + 1e-9))
        if new_low > new_high:
            raise ValueError(f"no count of {cell} fits the relation {constraint}")
        self.bounds[cell] = (new_low, new_high)
        return None

    def _group(self, rows) -> dict[CellKey, _Group]:
        parent = {cell: cell for cell in self.unknown}

        def find_root(cell: CellKey) -> CellKey:
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for coefficients, _, _ in rows:
            first, *others = coefficients
            for other in others:
                parent[find_root(other)] = find_root(first)
        members: dict[CellKey, list[CellKey]] = {}
        for cell in self.unknown:
            members.setdefault(find_root(cell), []).append(cell)
        rows_of: dict[CellKey, list] = {}
        for row in rows:
            rows_of.setdefault(find_root(next(iter(row[0]))), []).append(row)
        group_of = {}
        for root, cells in members.items():
            group = _Group(cells, rows_of.get(root, []), self.bounds)
            group_of.update(dict.fromkeys(cells, group))
        return group_of

    def find_point(self) -> dict[CellKey, int]:
        """One assignment of every cell that fits everything the reader is told."""
        point = dict(self.exact)
        for group in {id(g): g for g in self.group_of.values()}.values():
            if group.has_relations:
                point.update(group.solve([{}])[0])
            else:
                point.update({cell: self.bounds[cell][0] for cell in group.cells})
        return point

    def find_intervals(self, cells: Sequence[CellKey], seen: _Seen) -> dict[CellKey, Interval]:
        """The least and greatest value of each unknown cell; None: no greatest value."""
        # A possible point at a cell's own bound settles that end without a solve.
        objectives = []
        for cell in cells:
            low, high = self.bounds[cell]
            if seen.low.get(cell) != low:
                objectives.append((cell, 1.0))
            if seen.high.get(cell) != high:
                objectives.append((cell, -1.0))
        self._solve_and_record(objectives, seen)
        return {cell: self._read_interval(cell, seen) for cell in cells}

    def find_interval(self, cell: CellKey, seen: _Seen) -> Interval:
        return self.find_intervals([cell], seen)[cell]

    def _read_interval(self, cell: CellKey, seen: _Seen) -> Interval:
        low, high = self.bounds[cell]
        if self.group_of[cell].has_relations:
            # Every value seen is possible, so the answer is never narrower than they are,
            # even should a solver stop short of an optimum.
            low, high = seen.low[cell], seen.high[cell]
        return low, (None if high >= self.cap else high)

    def find_first_narrow(
        self, cells: Sequence[CellKey], seen: _Seen, wide: set[CellKey]
    ) -> CellKey | None:
        """The first cell the reader can narrow too far; adds the others checked to `wide`.

        Every cell is settled in one batch of solves: cheaper than stopping at the first."""
        open_cells = [cell for cell in cells if self._needs_solving(cell, seen)]
        self._solve_and_record([(c, w) for c in open_cells for w in (1.0, -1.0)], seen)
        for cell in cells:
            if self._is_narrow_by_now(cell, seen):
                return cell
            wide.add(cell)
        return None

    def is_narrow(self, cell: CellKey, seen: _Seen) -> bool:
        """Whether the reader can narrow the cell below MIN_POSSIBLE_VALUES values."""
        if self._needs_solving(cell, seen):
            self._solve_and_record([(cell, 1.0), (cell, -1.0)], seen)
        return self._is_narrow_by_now(cell, seen)

    def _needs_solving(self, cell: CellKey, seen: _Seen) -> bool:
        low, high = self.bounds[cell]
        return (
            high - low + 1 >= MIN_POSSIBLE_VALUES
            and self.group_of[cell].has_relations
            and not seen.is_wide(cell)
        )

    def _is_narrow_by_now(self, cell: CellKey, seen: _Seen) -> bool:
        # After _needs_solving's solves, seen holds the cell's least and greatest values.
        low, high = self.bounds[cell]
        if high - low + 1 < MIN_POSSIBLE_VALUES:
            return True
        return self.group_of[cell].has_relations and not seen.is_wide(cell)

    def _solve_and_record(self, objectives: Sequence[tuple[CellKey, float]], seen: _Seen) -> None:
        """Solve each (cell, +1: least / -1: greatest), grouped per programme; keep the points."""
        by_group: dict[int, tuple[_Group, list[dict[CellKey, float]]]] = {}
        for cell, weight in objectives:
            group = self.group_of[cell]
            if group.has_relations:
                by_group.setdefault(id(group), (group, []))[1].append({cell: weight})
        for group, weights in by_group.values():
            for point in group.solve(weights):
                seen.record(point)
