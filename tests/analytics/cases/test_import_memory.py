"""Memory of a command-line import: it reads and writes in chunks, so memory does not grow
with the file as it did when the whole file was parsed first (2.8 GB for 100 MB of rows).

Peak memory is the child's own high-water mark (ru_maxrss of a process that has exited).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics.cases.register import count_cases
from analytics.records.opening import open_store
from analytics.service.opening import open_dashboard_store
from analytics.terms import TermCalendar
from tests.conftest import PINNED_NOW

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MB = 1_000_000
HEADER = (
    "reference,reported_on,posted_on,platform,categories,posted_by,about,person_ref,summary,"
    "discussion_on,discussion_outcome,written_warning_on\n"
)


def write_cases_file(path: Path, megabytes: float) -> int:
    """A file of valid cases, each with a summary, about megabytes long; returns the count."""
    first = date(2020, 1, 6)
    written, count = len(HEADER), 0
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER)
        while written < megabytes * MB:
            reported = first + timedelta(days=count % 2000)
            line = (
                f"M-{count:08d},{reported},{reported},facebook,complaints;racist,parent,"
                f'school;staff,P-{count % 977},"Parent posted about the pick-up arrangements '
                f'and named a member of staff, case {count}; asked to remove it.",'
                f"{reported + timedelta(days=1)},refused,{reported + timedelta(days=2)}\n"
            )
            file.write(line)
            written, count = written + len(line), count + 1
    return count


def peak_of_import(db_path: Path, csv_path: Path, *, memory_mb: int | None = None):
    """Import with the command line in a child process of its own (a fresh one each time,
    so its high-water mark is its own), DuckDB's cap on its buffers made memory_mb if given;
    returns (peak MB, what it printed)."""
    measure = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # KiB on Linux
print(peak, done.returncode, done.stdout.strip(), done.stderr.strip(), sep="\\n")
"""
    command_line = (
        "import sys, analytics.__main__ as cli, analytics.cli.cases as cases\n"
        f"cases.IMPORT_MEMORY_MB = {memory_mb or 'cases.IMPORT_MEMORY_MB'}\n"
        "sys.exit(cli.main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-c", command_line, "import",
         str(csv_path)],
        cwd=PROJECT_ROOT, env=os.environ | {"DASHBOARD_DB": str(db_path)},
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    peak, code, said = result.stdout.split("\n", 2)
    assert code == "0", said
    return int(peak), said


def fresh_store(path: Path) -> Path:
    open_dashboard_store(TermCalendar(), path, now=PINNED_NOW).close()
    return path


@pytest.mark.long
def test_memory_grows_far_less_than_the_file(tmp_path):
    """The 100 MB check scaled down, DuckDB's cap with it: four more megabytes of rows take
    under 7.5 bytes of memory a byte of file (about 2.5 measured). Parsed whole before
    writing, as imports once were, they took 11.7 here (and 28 at 100 MB)."""
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_cases_file(small, 4)
    cases = write_cases_file(large, 8)
    # DuckDB's cap, scaled down with the file: 40 MB, since the commit also writes a vouch
    # line for each new case (analytics.records.vouching) beside the rows it holds.
    small_peak, _ = peak_of_import(fresh_store(tmp_path / "a.duckdb"), small, memory_mb=40)
    large_peak, said = peak_of_import(fresh_store(tmp_path / "b.duckdb"), large, memory_mb=40)
    assert said.startswith(f"Imported {cases} new case(s)")
    assert large_peak - small_peak < 4 * 7.5, (small_peak, large_peak)


@pytest.mark.soak
def test_a_100_mb_file_imports_in_under_500_mb(tmp_path):
    csv_path = tmp_path / "hundred.csv"
    cases = write_cases_file(csv_path, 100)
    db_path = fresh_store(tmp_path / "big.duckdb")
    peak, said = peak_of_import(db_path, csv_path)
    print(f"100 MB, {cases} cases: peak {peak} MB")
    assert said.startswith(f"Imported {cases} new case(s)")
    assert peak < 500
    store = open_store(db_path, now=PINNED_NOW)
    try:
        assert count_cases(store) == cases
    finally:
        store.close()


def test_the_measure_sees_a_child_that_takes_memory():
    """The high-water mark is the child's, so the checks above could fail."""
    take = "bytearray(300 * 1024 * 1024)"
    measure = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-c", sys.argv[1]], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""
    result = subprocess.run(
        [sys.executable, "-c", measure, take], capture_output=True, text=True, check=True
    )
    assert int(result.stdout) >= 300
