"""Fixtures shared by every test: a real store on disk, a fixed today, sample cases."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import itertools
import os
import shutil
from datetime import date, datetime, time
from pathlib import Path

import pytest
import streamlit as st
import time_machine
from argon2 import PasswordHasher
from hypothesis import settings
from streamlit.components.v2 import manifest_scanner

from analytics.access import passwords
from analytics.cases.rules import Case, EscalationStep
from analytics.records.opening import open_store
from analytics.records.store import Store

TODAY = date(2026, 3, 15)
# The moment every test's clock shows when it starts (then running on, as clocks do): a
# weekday of an Autumn term. No test reads the machine's clock, so the suite passes on any
# date; a test that needs another day passes it to the rule, or travels there itself.
PINNED_NOW = datetime(2026, 11, 25, 10, 0, 0)
# TODAY's moment, for the rules that date a write and judge it on its day (a case logged
# on TODAY is checked against TODAY).
NOW = datetime(2026, 3, 15, 10, 0, 0)
SAMPLE_CSV = Path(__file__).resolve().parent / "fixtures" / "incidents-sample.csv"


# No property test has a deadline: how long an example takes says nothing of whether it holds,
# and three workers on two cores make any deadline a coin toss. Speed is for bench/.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

# The app's own password hasher, as the app, the command line and the browser tests'
# servers use it (tests/analytics/access/test_passwords.py checks its cost).
APP_PASSWORD_HASHER = passwords._HASHER
# And the hash an unknown username is checked against, at the same cost.
APP_NO_ACCOUNTS_HASH = passwords._NO_ACCOUNTS_HASH


def pytest_configure(config: pytest.Config) -> None:
    """The pinned clock, and two costs paid hundreds of times in one test process, paid once.

    - Argon2 at the app's cost takes about 0.15 s of CPU a hash, and most tests make an
      account: in this process passwords are hashed by argon2 at its lowest cost. Hashes
      record their own cost, so every check still runs argon2 on them as the app would.
    - Each AppTest scans every installed package for Streamlit components (about 0.15 s):
      the packages do not change during a run, so the first scan serves every AppTest.
    """
    passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._NO_ACCOUNTS_HASH = passwords._HASHER.hash("no account has this password")
    manifest_scanner.scan_component_manifests = functools.cache(
        manifest_scanner.scan_component_manifests
    )
    # Every test process starts its clock at PINNED_NOW before any fixture runs (a module's
    # store is built before a test's own fixtures), so no test depends on the day it runs.
    time_machine.travel(PINNED_NOW, tick=True).start()


# The fixture of the browser tests that share one server (tests/browser/conftest.py).
SHARED_SERVER_FIXTURE = "sample_school"


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the slowest tests first and spread them over the workers: each long test on a
    worker of its own while there are workers enough, the browser tests that share a server
    together on one worker, the other browser tests on the workers with the fewest; the
    quick ones fill in around them.

    xdist (`--dist load`) first sends each worker a batch of consecutive tests, of
    first_batch_size tests, in order: the order here is those batches, one per worker, then
    the rest. Should the batches differ from xdist's, nothing fails: tests only run on
    other workers (and the shared server starts once on each).
    """
    workers = getattr(config, "workerinput", {}).get("workercount", 1)

    def shares_server(item: pytest.Item) -> bool:
        return SHARED_SERVER_FIXTURE in getattr(item, "fixturenames", ())

    long_tests = [item for item in items if item.get_closest_marker("long")]
    sharing = [item for item in items if shares_server(item) and item not in long_tests]
    browser = [
        item
        for item in items
        if item.get_closest_marker("browser") and item not in long_tests and item not in sharing
    ]
    slow = {*long_tests, *sharing, *browser}
    rest = [item for item in items if item not in slow]
    batches: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for item in long_tests:
        min(batches, key=len).append(item)
    home = next((b for b in batches if any(map(shares_server, b))), min(batches, key=len))
    home.extend(sharing)
    for item in browser:
        min(batches, key=len).append(item)
    size = first_batch_size(len(items), workers, config.getoption("maxschedchunk", None))
    if max(map(len, batches)) > size:  # too few tests for batches: the slow ones first still
        items[:] = [item for batch in batches for item in batch] + rest
        return
    remaining = iter(rest)
    for batch in batches:
        batch.extend(itertools.islice(remaining, size - len(batch)))
    items[:] = [item for batch in batches for item in batch] + list(remaining)


def first_batch_size(tests: int, workers: int, most: int | None) -> int:
    """How many tests xdist's load scheduler first sends each worker (its own reckoning)."""
    return max(2, min(tests // workers // 4, most or tests))


# The files of a store: the DuckDB file, its key and its audit tail (analytics.records.keys
# and analytics.records.audit), each named after the store's file.
STORE_FILE_SUFFIXES = ("", ".key", ".audit-tail")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A new store, migrated and keyed once per test process, for tests to copy: a copy
    opens in a quarter of the time a new file takes to migrate."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    open_store(path, now=PINNED_NOW).close()
    return path


def copy_store_files(source: Path, target: Path) -> Path:
    """The store at source, with its key and audit tail where it has them, copied to target
    (each copy made 0600 from the start, as the store makes its own files)."""
    for suffix in STORE_FILE_SUFFIXES:
        original = source.with_name(source.name + suffix)
        if original.exists():
            descriptor = os.open(
                target.with_name(target.name + suffix), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
            )
            with original.open("rb") as reading, os.fdopen(descriptor, "wb") as writing:
                shutil.copyfileobj(reading, writing)
    return target


def open_new_store(template: Path, path: Path) -> Store:
    """A new store at path, opened as open_store opens one: a copy of the migrated template."""
    return open_store(copy_store_files(template, path), now=PINNED_NOW)


@pytest.fixture
def store(tmp_path: Path, migrated_template: Path) -> Store:
    """A fresh, migrated DuckDB file under tmp_path (a copy of the migrated template),
    closed after the test."""
    opened = open_new_store(migrated_template, tmp_path / "store.duckdb")
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _clock_at_pinned_now(request):
    """Each test starts at PINNED_NOW again, its clock running on from there: what a test
    dates with PINNED_NOW (a session begun, a code used) and what the app then reads from
    ui/clock are seconds apart, however long the test process has run.

    Browser tests drive a real server in its own process, on the machine's clock, and read
    that clock only to agree with it (an authenticator's code): for them, the clock runs
    from the machine's time again."""
    if request.node.get_closest_marker("browser"):
        start = time_machine.escape_hatch.datetime.datetime.now()
    else:
        start = PINNED_NOW
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    """st.cache_resource outlives each AppTest in one pytest process: start each test clean."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def summary_of_scope(store: Store, scope, *, today: date | None = None, audience="exact"):
    """The Overview's figures for a scope as `summary` prints them, for an audience."""
    from analytics.figures.core import gather_overview_release
    from analytics.figures.disclosure import disclose
    from analytics.figures.frames import summarise
    from analytics.terms import TermCalendar

    # The day the app's pinned clock shows, unless another is given.
    release = gather_overview_release(
        store, scope, TermCalendar(), today=today or PINNED_NOW.date()
    )
    return summarise(disclose(release, audience, 5))


def at_ten(day: date) -> datetime:
    """Ten in the morning of day: when a test's write on that day is made."""
    return datetime.combine(day, time(10))


def make_case(**changes) -> Case:
    """A valid open case reported on 2026-01-12, with any fields changed."""
    base = Case(
        reference="2026-001",
        reported_on=date(2026, 1, 12),
        categories=("complaints",),
        posted_on=date(2026, 1, 10),
        platform="facebook",
        posted_by="parent",
        about=("school",),
        person_ref="F-01",
        summary="Post complaining about the new pick-up arrangements.",
    )
    return dataclasses.replace(base, **changes)


def escalated_case(**changes) -> Case:
    """A valid case with a refused discussion and a written warning."""
    return make_case(
        discussion_on=date(2026, 1, 13),
        discussion_outcome="refused",
        actions=(EscalationStep("written_warning", date(2026, 1, 15)),),
        **changes,
    )


def needs_root(test):
    """Giving a file to another user needs root, which these machines and CI run as: the
    test fails, never skips, where it is not."""

    def run(*args, **kwargs):
        assert os.getuid() == 0, "run the tests as root: giving a file away needs it"
        return test(*args, **kwargs)

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    run.__signature__ = inspect.signature(test)
    return run
