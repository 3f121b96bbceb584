"""The CSV format: all-or-nothing imports that name every bad line, lossless exports."""

from __future__ import annotations

from datetime import date

import pytest

import analytics.cases.interchange
from analytics.cases.demo import load_demo_data
from analytics.cases.interchange import (
    COLUMNS,
    ImportRejected,
    export_cases,
    import_cases,
    import_cases_file,
)
from analytics.cases.register import count_cases, find_case_id, load_case, load_stage
from analytics.records.opening import open_store
from tests.conftest import NOW, PINNED_NOW, SAMPLE_CSV

HEADER = "reference,reported_on,categories,platform,discussion_on,discussion_outcome,summary\n"


def rejection_of(store, text: str) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        import_cases(store, text, actor="test", source="test.csv", now=NOW)
    assert count_cases(store) == 0, "a rejected file must write nothing"
    return [str(problem) for problem in raised.value.problems]


def test_the_sample_file_imports_every_case_as_written(store):
    report = import_cases_file(store, SAMPLE_CSV, actor="test", now=NOW)
    assert (report.added, report.already_present) == (5, 0)
    forum = load_case(store, find_case_id(store, "2025-003"))
    assert forum.platform == "school_website_or_forum"
    assert forum.discussion_outcome == "not_held" and forum.discussion_on is None
    assert {step.action for step in forum.actions} == {"police", "access_blocked"}
    assert forum.evidence_url == "https://example.invalid/forum/881"
    video = load_case(store, find_case_id(store, "2026-001"))
    assert video.categories == ("defamatory", "allegations")
    assert video.content_removed_on == date(2026, 1, 23)
    assert load_stage(store, find_case_id(store, "2026-001")) == "escalated"
    assert load_stage(store, find_case_id(store, "2025-001")) == "settled_at_discussion"
    quoted = load_case(store, find_case_id(store, "2025-002"))
    assert (
        quoted.summary
        == 'Class group message naming a pupil and calling a teaching assistant "a joke".'
    )


def test_exporting_the_imported_sample_gives_the_same_file(store):
    import_cases_file(store, SAMPLE_CSV, actor="test", now=NOW)
    assert export_cases(store, actor="test", now=PINNED_NOW).text == SAMPLE_CSV.read_text(
        encoding="utf-8"
    )


def test_importing_a_file_again_adds_no_case_twice(store):
    import_cases_file(store, SAMPLE_CSV, actor="test", now=NOW)
    report = import_cases_file(store, SAMPLE_CSV, actor="test", now=NOW)
    assert (report.added, report.already_present) == (0, 5)
    assert count_cases(store) == 5


def test_export_then_import_into_an_empty_store_gives_the_same_cases(store, tmp_path):
    load_demo_data(store, 400, actor="test", seed=7, now=NOW)
    exported = export_cases(store, actor="test", now=PINNED_NOW)
    assert exported.cases == 400
    other = open_store(tmp_path / "other.duckdb", now=PINNED_NOW)
    report = import_cases(other, exported.text, actor="test", source="x.csv", now=NOW)
    assert report.added == 400
    assert export_cases(other, actor="test", now=PINNED_NOW).text == exported.text
    other.close()


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_line(store):
    text = HEADER + (
        "A-1,2026-01-05,complaints,facebook,,,fine\n"
        "A-2,05/01/2026,complaints,facebook,,,date written the British way\n"
        'A-3,2026-01-05,rude,fb,,,"a summary\nover two lines"\n'
        "A-4,2026-01-05,complaints,facebook,2026-01-04,removed,discussed before the report\n"
        "A-1,2026-01-06,racist,facebook,,,repeated reference\n"
    )
    assert rejection_of(store, text) == [
        "line 3, reported_on: '05/01/2026' is not a date written as YYYY-MM-DD",
        "line 4, platform: 'fb' is not a known code; allowed codes: facebook, x_twitter, "
        "instagram, tiktok, whatsapp, snapchat, youtube, school_website_or_forum, other",
        "line 4, categories: 'rude' is not a known code; allowed codes: naming_children, "
        "allegations, cyber_bullying, complaints, defamatory, offensive_comments, racist, "
        "threats_of_violence",
        # The summary of line 4 spans two lines, so the next case starts on line 6.
        "line 6, discussion_on: must be on or after the reported date (05/01/2026)",
        "line 7, reference: 'A-1' appears already on line 2",
    ]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(store):
    text = "categories,reported_on,reference\nracist;complaints,2026-02-01,B-1\n"
    import_cases(store, text, actor="test", source="t.csv", now=NOW)
    case = load_case(store, find_case_id(store, "B-1"))
    assert case.categories == ("racist", "complaints")
    assert case.platform is None


def test_an_unknown_or_missing_column_is_named(store):
    assert rejection_of(store, "reference,reported_on,categories,polce_on\n") == [
        f"line 1, header: unknown column(s) 'polce_on'; allowed columns: {', '.join(COLUMNS)}"
    ]
    assert rejection_of(store, "reference,platform\nA,facebook\n") == [
        "line 1, header: required column(s) missing: reported_on, categories"
    ]
    assert rejection_of(store, "reference,reference,reported_on,categories\n") == [
        "line 1, header: column(s) given more than once: reference"
    ]


def test_an_empty_file_or_a_short_row_is_named(store):
    assert rejection_of(store, "") == ["line 1, header: the file is empty"]
    assert rejection_of(store, "reference,reported_on,categories\nA,2026-01-01\n") == [
        "line 2, row: has 2 cells where the header has 3"
    ]


def test_an_action_column_becomes_an_escalation_step(store):
    text = (
        "reference,reported_on,categories,police_on\n"
        "P-1,2026-01-05,threats_of_violence,2026-01-05\n"
    )
    import_cases(store, text, actor="test", source="t.csv", now=NOW)
    assert load_stage(store, find_case_id(store, "P-1")) == "escalated"


def test_a_file_with_a_byte_order_mark_imports(store, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfreference,reported_on,categories\nC-1,2026-01-05,racist\n")
    assert import_cases_file(store, path, actor="test", now=NOW).added == 1


def test_a_file_that_is_not_utf8_is_refused_plainly(store, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("reference,reported_on,categories\nCafé,2026-01-05,racist\n".encode("latin-1"))
    with pytest.raises(ImportRejected) as raised:
        import_cases_file(store, path, actor="test", now=NOW)
    assert [str(p) for p in raised.value.problems] == [
        'line 2, file: is not UTF-8 text; save it as "CSV UTF-8" and try again'
    ]
    assert count_cases(store) == 0


def test_imports_and_exports_are_on_the_audit_trail(store):
    import_cases_file(store, SAMPLE_CSV, actor="os:head", now=NOW)
    export_cases(store, actor="os:head", now=PINNED_NOW)
    assert store.read_rows("SELECT actor, action, detail FROM audit_log ORDER BY id") == [
        ("os:head", "cases imported", "5 added, 0 already present, from incidents-sample.csv"),
        ("os:head", "cases exported", "5 cases"),
    ]


def test_a_date_before_2000_is_refused_on_import(store):
    text = "reference,reported_on,categories\nD-1,0001-01-01,racist\nD-2,2026-01-05,racist\n"
    assert rejection_of(store, text) == ["line 2, reported_on: must not be before 01/01/2000"]


def numbered_rows(count: int, *, first: int = 0) -> str:
    return "".join(f"N-{n},2026-01-05,racist\n" for n in range(first, first + count))


def test_a_file_of_many_chunks_imports_in_one_transaction(store, monkeypatch):
    monkeypatch.setattr(analytics.cases.interchange, "CHUNK_ROWS", 10)
    text = "reference,reported_on,categories\n" + numbered_rows(35)
    report = import_cases(store, text, actor="test", source="t.csv", now=NOW)
    assert (report.added, report.already_present) == (35, 0)
    again = import_cases(store, text + numbered_rows(5, first=35), actor="t", source="t.csv",
                         now=NOW)  # fmt: skip
    assert (again.added, again.already_present) == (5, 35)
    assert store.read_value("SELECT count(*) FROM audit_log WHERE action = 'cases imported'") == 2


def test_a_bad_line_in_a_late_chunk_stops_the_whole_import(store, monkeypatch):
    monkeypatch.setattr(analytics.cases.interchange, "CHUNK_ROWS", 10)
    text = "reference,reported_on,categories\n" + numbered_rows(33) + "N-0,2026-01-06,racist\n"
    text += "N-12,2026-01-06,racist\n" * 2
    # Repeats are named against the first line, whichever chunk it was in.
    assert rejection_of(store, text) == [
        "line 35, reference: 'N-0' appears already on line 2",
        "line 36, reference: 'N-12' appears already on line 14",
        "line 37, reference: 'N-12' appears already on line 14",
    ]


def test_problems_are_listed_up_to_200_and_the_rest_counted(store):
    text = "reference,reported_on,categories\n" + "B,2026-01-05,rude\n" * 300
    with pytest.raises(ImportRejected) as raised:
        import_cases(store, text, actor="test", source="t.csv", now=NOW)
    rejected = raised.value
    # Each line: the unknown code, and from the second line on, the repeated reference.
    assert len(rejected.problems) == 200 and rejected.more == 599 - 200
    assert str(rejected.problems[0]).startswith("line 2, categories: 'rude' is not a known")
    assert rejected.lines()[-1] == "and 399 more"
    assert count_cases(store) == 0


def test_a_line_that_is_not_utf8_far_into_a_file_is_named(store, tmp_path):
    path = tmp_path / "late.csv"
    rows = numbered_rows(5_000).encode()  # more than one block read for the line search
    path.write_bytes(b"reference,reported_on,categories\n" + rows + "Café,2026-01-05,racist\n"
                     .encode("latin-1"))  # fmt: skip
    with pytest.raises(ImportRejected) as raised:
        import_cases_file(store, path, actor="test", now=NOW)
    assert [str(p) for p in raised.value.problems] == [
        'line 5002, file: is not UTF-8 text; save it as "CSV UTF-8" and try again'
    ]
    assert count_cases(store) == 0


def test_a_field_too_long_for_csv_is_named_not_raised(store):
    text = 'reference,reported_on,categories,summary\nL-1,2026-01-05,racist,"' + "x" * 200_000
    assert rejection_of(store, text + '"\n') == [
        "line 2, file: cannot be read as CSV (field larger than field limit (131072))"
    ]
