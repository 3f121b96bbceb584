"""The CSV import/export format (docs/import-format.md): all-or-nothing in, lossless out."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import duckdb

from analytics.cases.register import CASE_COLUMNS, record_cases
from analytics.cases.rules import (
    Case,
    EscalationStep,
    normalise,
    validate_case,
)
from analytics.problems import Problem
from analytics.records import (
    CASE_RECORD_TYPE,
    Store,
    note_records_selected_changed,
    record_audit,
)
from analytics.sql import load_query
from analytics.text import protect_from_formulas, read_as_typed
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


# An import reads and writes this many rows at a time, so a large file never sits whole
# in memory; every chunk goes into the one transaction of the import.
CHUNK_ROWS = 5_000
# At most this many problems are listed; the rest are counted ("and N more").
MAX_PROBLEMS_LISTED = 200


class ImportRejected(ValueError):
    """Raised when a file has any bad line; nothing from it has been written.

    problems lists the first MAX_PROBLEMS_LISTED problems in line order; more counts the
    rest.
    """

    def __init__(self, problems: Iterable[LineProblem], more: int = 0) -> None:
        self.problems = list(problems)
        self.more = more
        total = len(self.problems) + more
        super().__init__(f"{total:,} problem(s); nothing was imported")

    def lines(self) -> list[str]:
        """Each listed problem, then "and N more" if some were not listed."""
        listed = [str(problem) for problem in self.problems]
        return [*listed, f"and {self.more:,} more"] if self.more else listed


@dataclass(frozen=True)
class ImportReport:
    added: int
    already_present: int


class _ProblemList:
    """The problems of a file as found, in line order: the first ones kept, all counted."""

    def __init__(self) -> None:
        self.listed: list[LineProblem] = []
        self.count = 0

    def add(self, problems: Iterable[LineProblem]) -> None:
        for problem in problems:
            self.count += 1
            if len(self.listed) < MAX_PROBLEMS_LISTED:
                self.listed.append(problem)

    def rejection(self) -> ImportRejected:
        return ImportRejected(self.listed, self.count - len(self.listed))


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
    store: Store, text: str, *, actor: str, source: str, now: datetime
) -> ImportReport:
    """Add every case in the CSV text whose reference is new, all in one transaction.

    A file with any bad line raises ImportRejected and writes nothing. A case whose
    reference the store already holds is left as it is, so importing a file twice adds
    nothing the second time.
    """
    return import_case_lines(
        store, io.StringIO(text, newline=""), actor=actor, source=source, now=now
    )


def import_cases_file(store: Store, path: Path, *, actor: str, now: datetime) -> ImportReport:
    """import_cases for a UTF-8 file (a byte-order mark is allowed), read in chunks."""
    path = Path(path)
    with (
        path.open("rb") as binary,
        io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as lines,
    ):
        try:
            return import_case_lines(store, lines, actor=actor, source=path.name, now=now)
        except UnicodeDecodeError:
            problem = Problem("file", 'is not UTF-8 text; save it as "CSV UTF-8" and try again')
            line = _first_line_not_utf8(path)
            raise ImportRejected([LineProblem(line, problem)]) from None


def import_case_lines(
    store: Store, lines: Iterable[str], *, actor: str, source: str, now: datetime
) -> ImportReport:
    """import_cases for CSV text read a line at a time (as from a file opened with
    newline=""), a chunk of CHUNK_ROWS rows at a time.

    Every chunk is checked and written inside one transaction, which commits only when the
    whole file was good: one bad line anywhere rolls back everything. Once a bad line is
    found nothing more is written, and the rest is only read for its problems. Cases are
    checked against now's date, and the import recorded at now.
    """
    today = now.date()
    reader = csv.reader(lines)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportRejected([LineProblem(1, Problem("header", "the file is empty"))]) from None
    except csv.Error as error:
        raise ImportRejected([_unreadable(1, error)]) from None
    header_problems = [LineProblem(1, p) for p in _header_problems(header)]
    if header_problems:
        raise ImportRejected(header_problems)

    problems = _ProblemList()
    added = already_present = 0
    with store.transaction() as cursor:
        # The references read so far and the line of each, to name a repeated one.
        cursor.execute("CREATE TEMP TABLE import_lines (reference VARCHAR, line BIGINT)")
        # Every case this import adds has an id above those already there: the trail
        # vouches for them as the import commits.
        ((newest_before,),) = cursor.execute(
            "SELECT coalesce(max(id), 0) FROM incidents"
        ).fetchall()
        note_records_selected_changed(
            cursor, CASE_RECORD_TYPE, "SELECT id FROM incidents WHERE id > $newest_before",
            {"newest_before": newest_before},
        )  # fmt: skip
        try:
            for chunk in _chunks(_read_rows(reader, header, today)):
                problems.add(_chunk_problems(cursor, chunk))
                if problems.count:
                    continue
                cases = [case for _, case, _ in chunk if case is not None]
                held = _references_held(cursor, [case.reference for case in cases])
                new_cases = [case for case in cases if case.reference not in held]
                record_cases(cursor, new_cases)
                added, already_present = added + len(new_cases), already_present + len(held)
        except csv.Error as error:
            problems.add([_unreadable(reader.line_num, error)])
        if problems.count:
            raise problems.rejection()
        cursor.execute("DROP TABLE import_lines")
        record_audit(
            cursor,
            actor,
            "cases imported",
            now=now,
            detail=f"{added} added, {already_present} already present, from {source}",
        )
    return ImportReport(added=added, already_present=already_present)


# One row as read: its first line, the case (None when the row could not be read as one),
# and the problems of the row itself.
_Row = tuple[int, Case | None, list[Problem]]


def _read_rows(reader, header: list[str], today: date) -> Iterator[_Row]:
    next_line = 2
    for cells in reader:
        line, next_line = next_line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is not a case
        if len(cells) != len(header):
            cell_count = f"has {len(cells)} cells where the header has {len(header)}"
            yield line, None, [Problem("row", cell_count)]
            continue
        row = dict(zip(header, (read_as_typed(cell) for cell in cells), strict=True))
        case, row_problems = parse_case_row(row, today)
        yield line, case, row_problems


def _chunks(rows: Iterator[_Row]) -> Iterator[list[_Row]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _chunk_problems(cursor: duckdb.DuckDBPyConnection, chunk: list[_Row]) -> list[LineProblem]:
    """The problems of a chunk in line order: each row's own, then a reference that an
    earlier line (in this chunk or before) already gave."""
    found = [LineProblem(line, problem) for line, _, problems in chunk for problem in problems]
    lines = [(line, case.reference) for line, case, _ in chunk if case and case.reference]
    first_here: dict[str, int] = {}
    for line, reference in lines:
        first_here.setdefault(reference, line)
    # Bound as lists, not registered as a table: a view registered inside the import's
    # transaction (and its data) would live until the commit.
    values = {"references": list(first_here), "lines": list(first_here.values())}
    earlier = dict(cursor.execute(load_query("earlier_import_lines"), values).fetchall())
    cursor.execute(load_query("record_import_lines"), values)
    for line, reference in lines:
        first = earlier.get(reference, first_here[reference])
        if first != line:
            repeated = f"'{reference}' appears already on line {first}"
            found.append(LineProblem(line, Problem("reference", repeated)))
    return sorted(found, key=lambda problem: problem.line)


def _references_held(cursor: duckdb.DuckDBPyConnection, references: list[str]) -> set[str]:
    """Those of references the store already holds."""
    return {
        reference
        for (reference,) in cursor.execute(
            "SELECT reference FROM incidents WHERE reference IN (SELECT unnest(?))",
            [references],
        ).fetchall()
    }


def _unreadable(line: int, error: csv.Error) -> LineProblem:
    return LineProblem(line, Problem("file", f"cannot be read as CSV ({error})"))


def _first_line_not_utf8(path: Path) -> int:
    """The line of the first byte that is not UTF-8, read a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1
    with path.open("rb") as binary:
        for block in iter(lambda: binary.read(1 << 16), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                # error.object is the undecoded tail of the last block plus this one; the
                # tail is part of one character, never a line break.
                return line + error.object[: error.start].count(b"\n")
            line += block.count(b"\n")
    return line


@dataclass(frozen=True)
class CaseExport:
    text: str
    cases: int


def export_cases(store: Store, *, actor: str, now: datetime) -> CaseExport:
    """Every case as CSV text in the import format; recorded on the audit trail."""
    # The query selects the columns in COLUMNS order; rows stream as tuples, not a DataFrame.
    rows = store.read_rows(load_query("case_export"))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([_export_cell(value) for value in row] for row in rows)
    with store.transaction() as cursor:
        record_audit(cursor, actor, "cases exported", now=now, detail=f"{len(rows)} cases")
    return CaseExport(text=buffer.getvalue(), cases=len(rows))


def _export_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return protect_from_formulas(str(value))


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
