"""The wall clock is read in one place for each way in: ui/clock.py for the app (its views,
forms, sign-in and the server's routes) and now() in analytics/cli/clock.py for the command
line. Every rule takes today or now from its caller, so the tests can pin it and the run
under faketime (`make test-future`) moves the machine's clock past every rule unnoticed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where the clock may be read: a whole module, or one function of a module.
ALLOWED = {("ui/clock.py", None), ("analytics/cli/clock.py", "now")}
# Python's readings of the wall clock, by the names they are imported from.
CLOCK_READINGS = {
    "datetime.date.today",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "time.time",
    "time.time_ns",
    "pandas.Timestamp.now",
    "pandas.Timestamp.today",
    "pandas.Timestamp.utcnow",
}
# DuckDB's: a statement that records or compares a moment binds one from its caller instead.
SQL_CLOCK = re.compile(
    r"\b(?:now|today|get_current_time|get_current_timestamp|transaction_timestamp)\s*\(\s*\)"
    r"|\b(?:current_date|current_time|current_timestamp|localtime|localtimestamp)\b",
    re.IGNORECASE,
)
# A column's DEFAULT (old migrations, the migrations table itself) may stay: our writes
# bind every moment a rule later compares.
SQL_DEFAULT = re.compile(r"\bDEFAULT\s+$", re.IGNORECASE)


def _modules() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "dashboard.py"]
    for folder in ("analytics", "ui", "views"):
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    return files


def _sql_files() -> list[Path]:
    return sorted((ROOT / "analytics").rglob("*.sql"))


class _ClockReadings(ast.NodeVisitor):
    """Every use (a call, or a reference handed on to be called) of a clock reading, with
    the function it sits in."""

    def __init__(self) -> None:
        self.imported: dict[str, str] = {}
        self.functions: list[str] = []
        self.found: list[tuple[int, str, str | None]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imported[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._check(node)

    def _check(self, node: ast.Attribute | ast.Name) -> None:
        name = self._qualified(node)
        if name in CLOCK_READINGS:
            self.found.append((node.lineno, name, self.functions[0] if self.functions else None))

    def _qualified(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.imported.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self._qualified(node.value)
            return None if inner is None else f"{inner}.{node.attr}"
        return None


def find_clock_readings(source: str, path: str) -> list[str]:
    """Where the Python source reads the wall clock outside the places allowed."""
    readings = _ClockReadings()
    readings.visit(ast.parse(source))
    return [
        f"{path}:{line} {name}"
        for line, name, function in readings.found
        if (path, None) not in ALLOWED and (path, function) not in ALLOWED
    ]


def find_sql_clock_readings(text: str, path: str) -> list[str]:
    """Where SQL text asks DuckDB for the time (a column's DEFAULT aside)."""
    found = []
    for match in SQL_CLOCK.finditer(text):
        if not SQL_DEFAULT.search(text[: match.start()].rsplit("\n", 1)[-1]):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path}:{line} {match.group(0)}")
    return found


def find_sql_clock_readings_in_python(source: str, path: str) -> list[str]:
    """find_sql_clock_readings over every string in Python source (its SQL among them)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for reading in find_sql_clock_readings(node.value, path):
                found.append(f"{path}:{node.lineno} {reading.rsplit(' ', 1)[-1]}")
    return found


def test_no_module_reads_the_wall_clock_outside_its_entry_points_one_place():
    readings = []
    for module in _modules():
        path = module.relative_to(ROOT).as_posix()
        readings += find_clock_readings(module.read_text(encoding="utf-8"), path)
    assert readings == []


def test_no_statement_asks_duckdb_for_the_time():
    readings = []
    for module in _modules():
        path = module.relative_to(ROOT).as_posix()
        source = module.read_text(encoding="utf-8")
        readings += find_sql_clock_readings_in_python(source, path)
    for sql_file in _sql_files():
        path = sql_file.relative_to(ROOT).as_posix()
        readings += find_sql_clock_readings(sql_file.read_text(encoding="utf-8"), path)
    assert readings == []


def test_the_entry_points_read_the_clock_where_they_are_allowed_to():
    """The allowed places are real: the finder sees their readings, and lets them be."""
    for path, function in ALLOWED:
        readings = _ClockReadings()
        readings.visit(ast.parse((ROOT / path).read_text(encoding="utf-8")))
        assert any(found[2] == function or function is None for found in readings.found), path


BAD_LINES = {
    "date.today": "from datetime import date\nday = date.today()\n",
    "datetime.now": "from datetime import datetime\nmoment = datetime.now()\n",
    "a module alias": "import datetime as dt\nmoment = dt.datetime.utcnow()\n",
    "the module": "import datetime\nday = datetime.date.today()\n",
    "time.time": "import time\nseconds = time.time()\n",
    "time_ns": "from time import time_ns\nnanoseconds = time_ns()\n",
    "a reference handed on": "from datetime import datetime\nclock = datetime.now\n",
    "pandas": "import pandas as pd\nmoment = pd.Timestamp.now()\n",
    "in a function": "from datetime import datetime\ndef _now():\n    return datetime.now()\n",
}
BAD_SQL = {
    "now()": 'QUERY = "UPDATE sessions SET ended_at = CAST(now() AS TIMESTAMP)"\n',
    "current_date": 'QUERY = """\nSELECT * FROM incidents\nWHERE closed_on < current_date\n"""\n',
    "current_timestamp": 'QUERY = f"UPDATE t SET at = CURRENT_TIMESTAMP WHERE id = {1}"\n',
    "get_current_time": "QUERY = 'SELECT get_current_time()'\n",
    "today()": 'QUERY = "SELECT today() - reported_on FROM incidents"\n',
}
GOOD_LINES = {
    "the app's clock": "from ui import clock\nmoment = clock.now()\n",
    "a moment passed in": "def rule(now):\n    return now.date()\n",
    "a column's default": 'DDL = "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp"\n',
    "a bound moment": 'QUERY = "UPDATE sessions SET ended_at = ? WHERE id = ?"\n',
    "words": 'MESSAGE = "Type the code your app shows now (today it is six digits)."\n',
    "time for waiting": "import time\ndeadline = time.monotonic() + 5\n",
}


@pytest.mark.parametrize("source", BAD_LINES.values(), ids=list(BAD_LINES))
def test_a_module_reading_the_clock_is_found(source):
    assert find_clock_readings(source, "analytics/cases/register.py")


@pytest.mark.parametrize("source", BAD_SQL.values(), ids=list(BAD_SQL))
def test_a_statement_asking_duckdb_for_the_time_is_found(source):
    assert find_sql_clock_readings_in_python(source, "analytics/cases/retention.py")


def test_a_sql_file_asking_duckdb_for_the_time_is_found():
    query = "SELECT count(*) FROM incidents\nWHERE reported_on > current_date - 30\n"
    assert find_sql_clock_readings(query, "analytics/sql/recent.sql") == [
        "analytics/sql/recent.sql:2 current_date"
    ]


@pytest.mark.parametrize("source", GOOD_LINES.values(), ids=list(GOOD_LINES))
def test_what_reads_no_clock_is_not_found(source):
    path = "analytics/cases/register.py"
    assert find_clock_readings(source, path) == []
    assert find_sql_clock_readings_in_python(source, path) == []


def test_only_the_command_lines_own_function_may_read_the_clock_there():
    source = BAD_LINES["in a function"].replace("def _now", "def now")
    assert find_clock_readings(source, "analytics/cli/clock.py") == []
    elsewhere = source.replace("def now", "def today")
    assert find_clock_readings(elsewhere, "analytics/cli/clock.py")
    assert find_clock_readings(source, "ui/auth.py")
