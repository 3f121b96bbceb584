"""Property tests: any input gets a clear answer, bad input writes nothing, good input
round-trips through export and import exactly."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cases.interchange import (
    COLUMNS,
    ImportRejected,
    export_cases,
    import_cases,
)
from analytics.cases.register import count_cases, find_case_id, load_case, record_case
from analytics.cases.rules import (
    Case,
    CaseInvalid,
    EscalationStep,
    ensure_valid,
    normalise,
    validate_case,
)
from analytics.text import protect_from_formulas, read_as_typed
from analytics.vocabulary import ABOUT, CATEGORIES, DISCUSSION_OUTCOMES, PLATFORMS, POSTED_BY
from tests.conftest import NOW, PINNED_NOW, open_new_store

TODAY = date(2026, 3, 15)
# Each example of a property that writes to a store opens new DuckDB files (copies of the
# migrated template): `make test` tries some, `make soak` many more.
STORE_EXAMPLES = {"suppress_health_check": [HealthCheck.function_scoped_fixture]}
PROPERTY_SETTINGS = settings(max_examples=25, **STORE_EXAMPLES)
SOAK_SETTINGS = settings(max_examples=200, **STORE_EXAMPLES)

# Any text a person might type or paste, including formulas, markup and SQL.
typed_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["'; DROP TABLE incidents; --", "<script>alert(1)</script>", "**bold** _x_",
                     "=HYPERLINK(\"http://x\")", "+44 1234", "-5", "@SUM(A1)", "'=quoted", "''",
                     "naïve “curly” café — ✓", "line one\r\nline two"]),
)  # fmt: skip
dates = st.dates(min_value=date(2020, 1, 1), max_value=TODAY)


@st.composite
def valid_cases(draw, reference: str) -> Case:
    """A case that keeps every rule, with free text drawn from typed_text."""
    reported = draw(dates)
    later = st.dates(min_value=reported, max_value=TODAY)
    platform = draw(st.sampled_from(list(PLATFORMS)))
    actions = draw(
        st.lists(st.sampled_from(["written_warning", "police", "legal_advice"]), max_size=2)
    )
    steps = tuple(EscalationStep(action, draw(later)) for action in dict.fromkeys(actions))
    outcome = draw(st.sampled_from([None, *DISCUSSION_OUTCOMES]))
    discussed = draw(later) if outcome not in (None, "not_held") else None
    closed = draw(st.booleans())
    all_steps = [d for d in (discussed, *(s.taken_on for s in steps)) if d]
    closed_on = (
        draw(st.dates(min_value=max(all_steps, default=reported), max_value=TODAY))
        if closed
        else None
    )
    text = draw(typed_text.filter(lambda t: not any(
        unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in t)))  # fmt: skip
    return normalise(Case(
        reference=reference, reported_on=reported,
        categories=tuple(draw(
            st.lists(st.sampled_from(list(CATEGORIES)), min_size=1, max_size=3, unique=True))),
        posted_on=draw(st.dates(min_value=date(2019, 1, 1), max_value=reported)),
        platform=platform, posted_by=draw(st.sampled_from([None, *POSTED_BY])),
        about=tuple(draw(st.lists(st.sampled_from(list(ABOUT)), max_size=2, unique=True))),
        person_ref=draw(st.sampled_from([None, "F-01", "P/22"])), summary=text,
        discussion_on=discussed, discussion_outcome=outcome, actions=steps,
        closed_on=closed_on, outcome=(text.strip() or "Closed") if closed else None,
        rationale="Settled" if closed else None,
    ))  # fmt: skip


@given(st.text(max_size=3000), st.text(max_size=50), st.one_of(st.none(), dates, st.dates()))
@settings(max_examples=200, deadline=None)
def test_validation_answers_any_input_with_named_rules(summary, reference, reported):
    problems = validate_case(
        normalise(Case(reference, reported, ("racist",), summary=summary)), TODAY
    )
    for problem in problems:
        assert problem.field and problem.rule


@given(case=valid_cases("P-1"))
@PROPERTY_SETTINGS
def test_a_good_case_is_stored_exactly_as_typed(tmp_path_factory, migrated_template, case):
    check_stored_exactly_as_typed(tmp_path_factory, migrated_template, case)


@pytest.mark.soak
@given(case=valid_cases("P-1"))
@SOAK_SETTINGS
def test_a_good_case_is_stored_exactly_as_typed_at_length(
    tmp_path_factory, migrated_template, case
):
    check_stored_exactly_as_typed(tmp_path_factory, migrated_template, case)


def check_stored_exactly_as_typed(tmp_path_factory, template: Path, case: Case) -> None:
    store = open_new_store(template, tmp_path_factory.mktemp("stored") / "store.duckdb")
    try:
        incident_id = record_case(store, case, actor="test", now=NOW)
        assert load_case(store, incident_id) == ensure_valid(case, TODAY)
    finally:
        store.close()


# One to six valid cases, each with its own reference.
some_cases = st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True).flatmap(
    lambda numbers: st.tuples(*(valid_cases(f"R-{n}") for n in numbers))
)


@given(cases=some_cases)
@PROPERTY_SETTINGS
def test_export_then_import_gives_back_the_same_cases(tmp_path_factory, migrated_template, cases):
    check_round_trip(tmp_path_factory, migrated_template, cases)


@pytest.mark.soak
@given(cases=some_cases)
@SOAK_SETTINGS
def test_export_then_import_gives_back_the_same_cases_at_length(
    tmp_path_factory, migrated_template, cases
):
    check_round_trip(tmp_path_factory, migrated_template, cases)


def check_round_trip(tmp_path_factory, template: Path, cases: tuple[Case, ...]) -> None:
    folder = tmp_path_factory.mktemp("round")
    first = open_new_store(template, folder / "a.duckdb")
    second = open_new_store(template, folder / "b.duckdb")
    try:
        for case in cases:
            record_case(first, case, actor="test", now=NOW)
        exported = export_cases(first, actor="test", now=PINNED_NOW).text
        for row in csv.reader(io.StringIO(exported)):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
        import_cases(second, exported, actor="test", source="x.csv", now=NOW)
        assert export_cases(second, actor="test", now=PINNED_NOW).text == exported
        for case in cases:
            assert load_case(second, find_case_id(second, case.reference)) == load_case(
                first, find_case_id(first, case.reference)
            )
    finally:
        first.close()
        second.close()


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_formula_protection_is_exactly_reversed(text):
    protected = protect_from_formulas(text)
    assert not protected.startswith(("=", "+", "-", "@"))
    assert read_as_typed(protected) == text


@given(
    header=st.lists(st.sampled_from([*COLUMNS, "nonsense", ""]), min_size=0, max_size=8),
    rows=st.lists(st.lists(st.text(max_size=15), max_size=8), max_size=4),
)
@PROPERTY_SETTINGS
def test_any_csv_either_imports_or_names_its_problems_and_writes_nothing(
    tmp_path_factory, migrated_template, header, rows
):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    store = open_new_store(migrated_template, tmp_path_factory.mktemp("garbage") / "store.duckdb")
    try:
        try:
            import_cases(store, buffer.getvalue(), actor="test", source="x.csv", now=NOW)
        except ImportRejected as rejected:
            assert rejected.problems and all(str(p).startswith("line ") for p in rejected.problems)
            assert count_cases(store) == 0
    finally:
        store.close()


@pytest.mark.parametrize(
    "text", ["'; DROP TABLE incidents; --", "<script>alert(1)</script>", "# heading"]
)
def test_hostile_text_is_stored_exactly_as_typed(store, text):
    incident_id = record_case(
        store, Case("H-1", TODAY, ("racist",), summary=text), actor="t", now=NOW
    )
    assert load_case(store, incident_id).summary == text
    assert count_cases(store) == 1


def test_a_control_character_in_free_text_is_refused(store):
    with pytest.raises(CaseInvalid, match="summary: must not contain control characters"):
        record_case(store, Case("C-1", TODAY, ("racist",), summary="bell\x07"), actor="t", now=NOW)
    assert count_cases(store) == 0


def test_windows_line_breaks_are_kept_as_line_breaks(store):
    incident_id = record_case(
        store, Case("C-2", TODAY, ("racist",), summary="a\r\nb"), actor="t", now=NOW
    )
    assert load_case(store, incident_id).summary == "a\nb"
