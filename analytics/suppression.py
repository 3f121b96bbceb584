"""Small-number suppression for reports meant for circulation.

Primary: a count from 1 to threshold-1 is hidden (zero is shown). Secondary: where a table
says a total is the sum of some parts, a single hidden cell among them could be worked out
from the rest, so a second cell is hidden too: the smallest non-zero visible part, or the
total when no part will do. This repeats until no relation has exactly one hidden cell,
since hiding a cell in one relation can leave another relation with a single hidden cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = tuple[int, int]  # (row, column)

DERIVABLE_MARK = "*"


@dataclass(frozen=True)
class Relation:
    """total == sum(parts), as a reader of the table would know it."""

    total: Cell
    parts: tuple[Cell, ...]


@dataclass(frozen=True)
class Suppressed:
    """Which cells to hide, and why."""

    small: frozenset[Cell]  # counts under the threshold
    derivable: frozenset[Cell]  # hidden so that a small count cannot be worked out

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.small | self.derivable


def suppress(
    values: Sequence[Sequence[int | None]], relations: Sequence[Relation], threshold: int
) -> Suppressed:
    """The cells of a table of counts (None: no count) to hide before it is circulated."""
    small = {
        (r, c)
        for r, row in enumerate(values)
        for c, value in enumerate(row)
        if value is not None and 1 <= value < threshold
    }
    hidden = set(small)
    derivable: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for relation in relations:
            cells = (relation.total, *relation.parts)
            if sum(cell in hidden for cell in cells) != 1:
                continue
            pick = _second_cell(values, relation, hidden)
            if pick is not None:
                hidden.add(pick)
                derivable.add(pick)
                changed = True
    return Suppressed(small=frozenset(small), derivable=frozenset(derivable))


def shown(value: int | None, cell: Cell, suppressed: Suppressed | None, threshold: int) -> str:
    """The cell as printed: the count, "<threshold", the derivable mark, or "" for no count."""
    if value is None:
        return ""
    if suppressed is not None and cell in suppressed.small:
        return f"<{threshold}"
    if suppressed is not None and cell in suppressed.derivable:
        return DERIVABLE_MARK
    return str(value)


def _second_cell(values, relation: Relation, hidden: set[Cell]) -> Cell | None:
    def value(cell: Cell) -> int:
        return values[cell[0]][cell[1]] or 0

    parts = [cell for cell in relation.parts if cell not in hidden and value(cell) > 0]
    if parts:
        return min(parts, key=lambda cell: (value(cell), cell))
    if relation.total not in hidden:
        return relation.total
    visible_zero_parts = [cell for cell in relation.parts if cell not in hidden]
    return visible_zero_parts[0] if visible_zero_parts else None
