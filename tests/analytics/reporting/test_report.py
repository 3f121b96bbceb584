"""The termly report: hand-worked figures, suppression for circulation, the narrative."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.cases.register import record_case
from analytics.cases.rules import Case, EscalationStep
from analytics.figures.core import relations_of, release_from_dict
from analytics.figures.disclosure import COMPLEMENTARY, SMALL, Shown, as_protected
from analytics.figures.interval_audit import audit_intervals
from analytics.policies.register import seed_policies
from analytics.reporting.report import (
    build_report,
    compare_in_words,
    gather_report_figures,
    last_complete_term,
    report_modes_for,
)
from analytics.terms import TermCalendar, parse_term
from tests.analytics.reporting.report_store import PRIVATE, REPORT_DAY, SCHOOL, fill_report_store
from tests.conftest import PINNED_NOW, at_ten

CALENDAR = TermCalendar()
AUTUMN_2025 = parse_term("Autumn 2025")


@pytest.fixture
def figures(store):
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    fill_report_store(store)
    return gather_report_figures(store, CALENDAR, AUTUMN_2025, school=SCHOOL, today=REPORT_DAY)


def rows(report, key) -> dict[str, tuple[str, ...]]:
    return {row[0]: row[1:] for row in report.table(key).rows}


def test_the_default_term_is_the_last_complete_one():
    assert last_complete_term(CALENDAR, date(2026, 11, 24)).label == "Summer 2026"
    assert last_complete_term(CALENDAR, date(2026, 1, 1)).label == "Autumn 2025"


def test_confidential_figures_are_exact(figures):
    report = build_report(figures, "confidential", 5)
    assert rows(report, "headline") == {
        "Incidents": ("15", "6", "0", "+9", "+15"),
        "Settled at discussion": ("12", "6", "0", "+6", "+12"),
        "Escalated": ("3", "0", "0", "+3", "+3"),
        "Open": ("0", "0", "0", "0", "0"),
    }
    categories = rows(report, "categories")
    assert categories["Complaints about the school or staff"] == ("12", "12", "0", "0")
    assert categories["Racist comments"] == ("3", "0", "3", "0")
    assert rows(report, "actions")["Police contacted"] == ("3",)
    platforms = rows(report, "platforms")
    assert (platforms["Facebook"], platforms["WhatsApp"], platforms["All cases"]) == (
        ("12",), ("3",), ("15",),
    )  # fmt: skip
    other = rows(report, "other")
    assert other["Repeat cases (by someone with an earlier case)"] == ("2",)
    assert other["Cases where the content came down"] == ("12",)
    assert other["Median days from report to removal"] == ("2",)
    assert rows(report, "unclosed")["All not yet closed"] == ("0", "0")


def printed_counts(report) -> list[str]:
    """Every printed count of the report's tables (not labels, dates or medians)."""
    return [
        cell
        for table in report.tables
        if table.key not in ("policies", "other")
        for row in table.rows
        for cell in row[1:]
    ]


def test_circulation_hides_small_counts_and_keeps_the_terms_total(figures):
    report = build_report(figures, "circulation", 5)
    headline = rows(report, "headline")
    # Escalated 3 is under the threshold; the term's 15 incidents stay (the governors' first
    # question), so another cell beside them is hidden to keep the 3 from being worked out.
    assert headline["Escalated"][0] == "<5"
    assert headline["Incidents"][0] == "15"
    assert "*" in headline["Settled at discussion"][0] + headline["Open"][0]
    assert rows(report, "categories")["Racist comments"][0] == "<5"
    assert rows(report, "actions")["Police contacted"] == ("<5",)
    assert rows(report, "platforms")["WhatsApp"] == ("<5",)
    assert rows(report, "other")["Repeat cases (by someone with an earlier case)"] == ("<5",)
    assert not any(cell in ("1", "2", "3", "4") for cell in printed_counts(report))


def test_no_hidden_cell_of_a_circulated_report_can_be_narrowed(figures):
    """The interval audit, run afresh on what the report prints and every known relation,
    leaves each hidden cell at least three possible values."""
    report = build_report(figures, "circulation", 5)
    release = as_protected(release_from_dict(figures["release"]))
    intervals = audit_intervals(report.published.known, relations_of(release))
    hidden = [key for key in intervals if key[0] != "atom"]  # atoms: stretches of days
    assert hidden, "something is hidden"
    for key in hidden:
        low, high = intervals[key]
        assert high is None or high - low + 1 >= 3, (key, low, high)


def test_each_table_explains_the_markers_it_uses_once(figures):
    report = build_report(figures, "circulation", 5)
    for table in report.tables:
        cells = " ".join(cell for row in table.rows for cell in row[1:])
        assert ("<5: fewer than 5 cases." in table.note) == ("<5" in cells), table.key
        assert (table.note.count("*:") == 1) == ("*" in cells.split()), table.key


def test_circulation_gives_no_change_or_difference_between_terms(figures):
    report = build_report(figures, "circulation", 5)
    assert report.table("headline").columns == (
        "", "Autumn 2025", "Previous term (Summer 2025)", "A year earlier (Autumn 2024)",
    )  # fmt: skip
    assert not any("+" in cell for row in report.table("headline").rows for cell in row)


def test_the_threshold_setting_changes_what_is_hidden(figures):
    report = build_report(figures, "circulation", 3)
    headline = {row: values[0] for row, values in rows(report, "headline").items()}
    # 3 escalated is not a "fewer than" count at 3 (it is at 5); the open cases (0) are.
    assert headline["Open"] == "<3" and headline["Escalated"] != "<3"
    assert rows(build_report(figures, "circulation", 5), "headline")["Escalated"][0] == "<5"
    assert rows(report, "other")["Repeat cases (by someone with an earlier case)"] == ("<3",)
    # "<3" alone would leave only 1 or 2: zeros are hidden too, so it also means 0.
    assert "0" not in printed_counts(report)


@pytest.mark.parametrize("threshold", [2, 11])
def test_a_threshold_outside_3_to_10_is_refused(figures, threshold):
    with pytest.raises(ValueError, match="from 3 to 10"):
        build_report(figures, "circulation", threshold)


def test_the_circulation_narrative_reads_naturally_and_reveals_no_hidden_count(figures):
    report = build_report(figures, "circulation", 5)
    text = " ".join(report.narrative)
    assert "15 incidents were reported in Autumn 2025." in text
    assert (
        "Between 11 and 14 cases settled at the discussion stage, fewer than 5 cases escalated"
        in text
    )
    assert "not shown" not in text and "*" not in text
    assert "3 cases escalated" not in text and "12 cases" not in text
    assert "police contacted (fewer than 5 cases)" in text
    # No earlier report was frozen: earlier terms are printed as they stand, and compared.
    assert rows(report, "headline")["Incidents"][1:] == ("6", "0")
    assert "In Summer 2025 there were 6 incidents, and in Autumn 2024 no incidents." in text
    assert "This term saw more than the term before and more than a year earlier." in text
    assert "as the governors' Overview shows them today" in report.table("headline").note


def test_the_confidential_narrative_gives_exact_figures(figures):
    text = " ".join(build_report(figures, "confidential", 5).narrative)
    assert (
        "12 cases settled at the discussion stage, 3 cases escalated and 0 cases still open."
        in text
    )
    assert "The most common kind was complaints about the school or staff (12 cases)." in text
    assert "overdue since 31 Dec 2024" in text


def test_a_term_with_no_incidents_says_so_plainly(store):
    seed_policies(store, CALENDAR, now=PINNED_NOW)
    empty = gather_report_figures(store, CALENDAR, AUTUMN_2025, school=SCHOOL, today=REPORT_DAY)
    report = build_report(empty, "circulation", 5)
    assert report.narrative[0] == "No incidents were reported in Autumn 2025."
    assert not any("settled at the discussion stage" in s for s in report.narrative)


def test_the_first_term_on_record_has_nothing_to_compare_with(store):
    record_case(
        store, Case("F1", date(2025, 9, 10), ("complaints",)), actor="t", now=at_ten(REPORT_DAY)
    )
    figures = gather_report_figures(store, CALENDAR, AUTUMN_2025, school=SCHOOL, today=REPORT_DAY)
    report = build_report(figures, "confidential", 5)
    assert report.narrative[:2] == (
        "1 incident was reported in Autumn 2025.",
        "This is the first term on record, so there is no earlier term to compare with.",
    )


def test_a_term_with_only_escalated_cases(store):
    for n in range(6):
        case = Case(
            f"E{n}", date(2025, 10, 1 + n), ("threats_of_violence",), discussion_outcome="not_held",
            actions=(EscalationStep("police", date(2025, 10, 1 + n)),),
        )  # fmt: skip
        record_case(store, case, actor="t", now=at_ten(REPORT_DAY))
    figures = gather_report_figures(store, CALENDAR, AUTUMN_2025, school=SCHOOL, today=REPORT_DAY)
    for mode in ("circulation", "confidential"):
        narrative = build_report(figures, mode, 5).narrative
        assert "Every case this term went beyond the discussion stage." in narrative
        assert "Escalation actions taken: police contacted (6 cases)." in narrative


def test_every_report_is_marked_with_its_mode_and_date(figures):
    for mode, label in [("circulation", "For circulation"), ("confidential", "Confidential")]:
        report = build_report(figures, mode, 5)
        assert report.marking.startswith(label)
        assert report.marking.endswith("For information · 15 March 2026")


def test_the_figures_hold_no_free_text_references_or_person_references(figures):
    text = repr(figures)
    for private in ("Removed", 'Settled at discussion"', "Racial element", "Q0", "A11", "B2"):
        assert private not in text
    for private in (PRIVATE, "Jane Doe", "example.invalid", "X-B"):
        assert private not in text


def test_protected_figures_only_ever_open_the_report_for_circulation():
    assert report_modes_for("protected") == ["circulation"]
    assert report_modes_for("exact") == ["circulation", "confidential"]


@pytest.mark.parametrize(
    ("now", "then", "words"),
    [
        (Shown(15, low=15, high=15), Shown(6, low=6, high=6), "more than"),
        (Shown(20, low=20, high=20), Shown(21, low=21, high=21), "about the same number as"),
        (Shown(30, low=30, high=30), Shown(30, low=30, high=30), "the same number as"),
        (Shown(6, low=6, high=6), Shown(None, SMALL, 1, 4, threshold=5), "more than"),
        (Shown(None, SMALL, 1, 4, threshold=5), Shown(9, low=9, high=9), "fewer than"),
        # Ranges that overlap bear out no comparison: nothing is said.
        (Shown(None, COMPLEMENTARY, 3, 9), Shown(6, low=6, high=6), None),
        (Shown(None, SMALL, 1, 4, threshold=5), Shown(None, SMALL, 1, 4, threshold=5), None),
    ],
)
def test_terms_are_compared_in_words_only_where_the_figures_shown_bear_it_out(now, then, words):
    assert compare_in_words(now, then) == words
