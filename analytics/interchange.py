"""The CSV import/export format (docs/import-format.md): all-or-nothing in, lossless out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analytics.audit import record_audit
from analytics.cases import Case, EscalationStep, Problem, normalise, validate_case
from analytics.register import CASE_COLUMNS, record_cases
from analytics.sql import load_query
from analytics.store import Store
from analytics.vocabulary import ESCALATION_ACTIONS

ACTION_COLUMNS = {f"{action}_on": action for action in ESCALATION_ACTIONS}

# The stored columns, with one date column per escalation action after the discussion.
_FIRST_AFTER_ACTIONS = CASE_COLUMNS.index("content_removed_on")
COLUMNS = (
    *CASE_COLUMNS[:_FIRST_AFTER_ACTIONS],
    *ACTION_COLUMNS,
    *CASE_COLUMNS[_FIRST_AFTER_ACTIONS:],
)

REQUIRED_COLUMNS = ("reference", "reported_on", "categories")
DATE_COLUMNS = tuple(name for name in COLUMNS if name.endswith("_on"))
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class LineProblem:
    """A broken rule on one line of a file (line 1 is the header)."""

    line: int
    problem: Problem

    def __str__(self) -> str:
        return f"line {self.line}, {self.problem}"


class ImportRejected(ValueError):
    """Raised when a file has any bad line; nothing from it has been written."""

    def __init__(self, problems: Iterable[LineProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing was imported")


@dataclass(frozen=True)
class ImportReport:
    added: int
    already_present: int


def parse_cases_csv(text: str, today: date) -> list[tuple[int, Case]]:
    """Each case in CSV text with its first line; ImportRejected names every bad line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([LineProblem(1, Problem("header", "the file is empty"))]) from None
    header = [name.strip() for name in header]
    problems = [LineProblem(1, p) for p in _header_problems(header)]
    if problems:
        raise ImportRejected(problems)

    parsed: list[tuple[int, Case]] = []
    first_line_of: dict[str, int] = {}
    next_line = 2
    for cells in reader:
        line, next_line = next_line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is not a case
        if len(cells) != len(header):
            problems.append(
                LineProblem(
                    line,
                    Problem("row", f"has {len(cells)} cells where the header has {len(header)}"),
                )
            )
            continue
        row = dict(zip(header, (read_as_typed(cell) for cell in cells), strict=True))
        case, row_problems = parse_case_row(row, today)
        problems.extend(LineProblem(line, p) for p in row_problems)
        if case.reference is not None:
            if case.reference in first_line_of:
                problems.append(
                    LineProblem(
                        line,
                        Problem(
                            "reference",
                            f"'{case.reference}' appears already on line "
                            f"{first_line_of[case.reference]}",
                        ),
                    )
                )
            first_line_of.setdefault(case.reference, line)
        parsed.append((line, case))
    if problems:
        raise ImportRejected(problems)
    return parsed


def parse_case_row(row: Mapping[str, str], today: date) -> tuple[Case, list[Problem]]:
    """One row as a normalised Case, with every problem in it (parsing and rules alike)."""
    problems: list[Problem] = []
    dates: dict[str, date | None] = {}
    for column in DATE_COLUMNS:
        dates[column], problem = _parse_date(column, row.get(column))
        if problem:
            problems.append(problem)
    actions = tuple(
        EscalationStep(action, dates[column])
        for column, action in ACTION_COLUMNS.items()
        if dates[column] is not None
    )
    case = normalise(
        Case(
            reference=row.get("reference"),
            reported_on=dates["reported_on"],
            categories=_split_codes(row.get("categories")),
            posted_on=dates["posted_on"],
            platform=row.get("platform"),
            posted_by=row.get("posted_by"),
            about=_split_codes(row.get("about")),
            person_ref=row.get("person_ref"),
            summary=row.get("summary"),
            evidence_url=row.get("evidence_url"),
            discussion_on=dates["discussion_on"],
            discussion_outcome=row.get("discussion_outcome"),
            actions=actions,
            content_removed_on=dates["content_removed_on"],
            closed_on=dates["closed_on"],
            outcome=row.get("outcome"),
            rationale=row.get("rationale"),
        )
    )
    # A date that could not be read is reported once, as unreadable, not again as missing.
    unreadable = {problem.field for problem in problems}
    problems.extend(p for p in validate_case(case, today) if p.field not in unreadable)
    return case, sorted(problems, key=_column_order)


def import_cases(
    store: Store, text: str, *, actor: str, source: str, today: date | None = None
) -> ImportReport:
    """Add every case in the CSV text whose reference is new, all in one transaction.

    A file with any bad line raises ImportRejected and writes nothing. A case whose
    reference the store already holds is left as it is, so importing a file twice adds
    nothing the second time.
    """
    today = today or date.today()
    cases = [case for _, case in parse_cases_csv(text, today)]
    with store.transaction() as cursor:
        existing = {
            reference
            for (reference,) in cursor.execute(
                "SELECT reference FROM incidents WHERE list_contains(?, reference)",
                [[case.reference for case in cases]],
            ).fetchall()
        }
        new_cases = [case for case in cases if case.reference not in existing]
        record_cases(cursor, new_cases)
        record_audit(
            cursor,
            actor,
            "cases imported",
            detail=f"{len(new_cases)} added, {len(existing)} already present, from {source}",
        )
    return ImportReport(added=len(new_cases), already_present=len(existing))


def import_cases_file(
    store: Store, path: Path, *, actor: str, today: date | None = None
) -> ImportReport:
    """import_cases for a UTF-8 file (a byte-order mark is allowed)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problem = Problem("file", 'is not UTF-8 text; save it as "CSV UTF-8" and try again')
        raise ImportRejected([LineProblem(line, problem)]) from None
    return import_cases(store, text, actor=actor, source=Path(path).name, today=today)


@dataclass(frozen=True)
class CaseExport:
    text: str
    cases: int


def export_cases(store: Store, *, actor: str) -> CaseExport:
    """Every case as CSV text in the import format; recorded on the audit trail."""
    # The query selects the columns in COLUMNS order; rows stream as tuples, not a DataFrame.
    rows = store.read_rows(load_query("case_export"))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([_export_cell(value) for value in row] for row in rows)
    with store.transaction() as cursor:
        record_audit(cursor, actor, "cases exported", detail=f"{len(rows)} cases")
    return CaseExport(text=buffer.getvalue(), cases=len(rows))


def _export_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return protect_from_formulas(str(value))


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
QUOTE = "'"


def protect_from_formulas(text: str) -> str:
    """The cell as exported: a leading apostrophe stops a spreadsheet running it.

    Exactly reversed by read_as_typed: text that already starts with an apostrophe and
    then a formula character (or another apostrophe) gets one more, so nothing is lost.
    """
    if text.startswith(FORMULA_STARTS) or (
        text.startswith(QUOTE) and text[1:2] in (*FORMULA_STARTS, QUOTE)
    ):
        return QUOTE + text
    return text


def read_as_typed(text: str) -> str:
    """A cell as the user typed it, undoing protect_from_formulas."""
    if text.startswith(QUOTE) and text[1:2] in (*FORMULA_STARTS, QUOTE):
        return text[1:]
    return text


def _column_order(problem: Problem) -> int:
    return COLUMNS.index(problem.field) if problem.field in COLUMNS else len(COLUMNS)


def _header_problems(header: list[str]) -> Iterable[Problem]:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        yield Problem(
            "header",
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}; "
            f"allowed columns: {', '.join(COLUMNS)}",
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        yield Problem("header", f"column(s) given more than once: {', '.join(repeated)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        yield Problem("header", f"required column(s) missing: {', '.join(missing)}")


def _parse_date(column: str, text: str | None) -> tuple[date | None, Problem | None]:
    text = (text or "").strip()
    if not text:
        return None, None
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text), None
    except ValueError:
        return None, Problem(column, f"'{text}' is not a date written as YYYY-MM-DD")


def _split_codes(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").split(LIST_SEPARATOR))
