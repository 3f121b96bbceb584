"""Small-number suppression: primary and secondary, in rows and columns, the threshold, zeros."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analytics.suppression import Relation, shown, suppress


def row_relation(row: int, columns: int) -> Relation:
    """Column 0 holds the total of columns 1..columns-1."""
    return Relation((row, 0), tuple((row, c) for c in range(1, columns)))


def column_relation(column: int, rows: int) -> Relation:
    """The last row holds the total of the rows above."""
    return Relation((rows - 1, column), tuple((r, column) for r in range(rows - 1)))


def test_counts_from_one_to_four_are_hidden_and_zero_and_five_are_not():
    result = suppress([[0, 1, 4, 5, None]], [], threshold=5)
    assert result.small == {(0, 1), (0, 2)}
    assert result.derivable == set()


def test_the_threshold_is_a_setting():
    assert suppress([[2, 3, 9]], [], threshold=3).small == {(0, 0)}
    assert suppress([[2, 3, 9]], [], threshold=10).small == {(0, 0), (0, 1), (0, 2)}


def test_a_single_hidden_part_of_a_row_hides_the_smallest_other_part():
    # total 20 = 3 + 7 + 10: 3 alone would be 20 - 7 - 10.
    result = suppress([[20, 3, 7, 10]], [row_relation(0, 4)], threshold=5)
    assert result.small == {(0, 1)}
    assert result.derivable == {(0, 2)}


def test_two_hidden_parts_need_nothing_more():
    result = suppress([[20, 3, 2, 15]], [row_relation(0, 4)], threshold=5)
    assert result.derivable == set()


def test_zero_parts_are_not_picked_while_a_non_zero_part_is_visible():
    result = suppress([[13, 3, 0, 10]], [row_relation(0, 4)], threshold=5)
    assert result.derivable == {(0, 3)}


def test_with_only_zero_parts_left_the_total_is_hidden():
    # 3 = 3 + 0 + 0: hide the total, else the hidden part is the total.
    result = suppress([[3, 3, 0, 0]], [row_relation(0, 4)], threshold=5)
    assert result.small == {(0, 0), (0, 1)}
    result = suppress([[6, 3, 0, 0]], [], threshold=5)
    assert result.small == {(0, 1)}
    result = suppress([[6, 3, 0, 0]], [Relation((0, 0), ((0, 1), (0, 2), (0, 3)))], threshold=5)
    # 6 is visible, 3 hidden, only zeros remain: the total must go.
    assert result.derivable == {(0, 0)}


def test_a_hidden_total_with_visible_parts_hides_a_part():
    result = suppress([[4, 2, 2]], [row_relation(0, 3)], threshold=3)
    # 4 >= 3 shown; 2 and 2 hidden: two hidden, fine.
    assert result.small == {(0, 1), (0, 2)} and result.derivable == set()
    result = suppress([[4, 0, 4]], [row_relation(0, 3)], threshold=5)
    assert result.small == {(0, 0), (0, 2)}


def test_secondary_suppression_in_a_column():
    values = [[8], [2], [11], [21]]  # rows, then their total
    result = suppress(values, [column_relation(0, 4)], threshold=5)
    assert result.small == {(1, 0)}
    assert result.derivable == {(0, 0)}


def test_hiding_in_a_row_can_force_hiding_in_a_column():
    values = [
        [12, 2, 10],  # row 0: total 12 = 2 + 10
        [16, 9, 7],  # row 1: total 16 = 9 + 7
        [28, 11, 17],  # column totals
    ]
    relations = [row_relation(0, 3), row_relation(1, 3), row_relation(2, 3)]
    relations += [column_relation(c, 3) for c in range(3)]
    result = suppress(values, relations, threshold=5)
    assert result.small == {(0, 1)}
    # Row 0 then hides 10 at (0,2); column 1 (2 + 9 = 11) hides 9 at (1,1); column 2
    # (10 + 7 = 17) hides 7 at (1,2); row 1 then has two hidden parts and is safe.
    assert result.derivable == {(0, 2), (1, 1), (1, 2)}
    assert _safe(values, relations, result.hidden)


def _safe(values, relations, hidden) -> bool:
    return all(
        sum(cell in hidden for cell in (relation.total, *relation.parts)) != 1
        for relation in relations
    )


@given(
    st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=5), min_size=1, max_size=5),
    st.integers(1, 10),
)
def test_no_relation_is_ever_left_with_a_single_hidden_cell(parts, threshold):
    width = max(len(row) for row in parts)
    rows = [row + [0] * (width - len(row)) for row in parts]
    values = [[sum(row), *row] for row in rows]
    values.append([sum(column) for column in zip(*values, strict=True)])
    height, columns = len(values), width + 1
    relations = [row_relation(r, columns) for r in range(height)]
    relations += [column_relation(c, height) for c in range(columns)]
    result = suppress(values, relations, threshold)
    assert _safe(values, relations, result.hidden)
    every_small = {
        (r, c) for r, row in enumerate(values) for c, v in enumerate(row) if 1 <= v < threshold
    }
    assert every_small <= result.hidden


def test_cells_are_shown_as_counts_marks_or_nothing():
    result = suppress([[20, 3, 7, 10]], [row_relation(0, 4)], threshold=5)
    printed = [shown(v, (0, c), result, 5) for c, v in enumerate([20, 3, 7, 10])]
    assert printed == ["20", "<5", "*", "10"]
    assert shown(3, (0, 1), None, 5) == "3"  # confidential: nothing hidden
    assert shown(None, (0, 0), result, 5) == ""
