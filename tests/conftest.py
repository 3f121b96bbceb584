"""Fixtures shared by every test: a real store on disk, a fixed today, sample cases."""

from __future__ import annotations

import dataclasses
import inspect
import os
from datetime import date
from pathlib import Path

import pytest
import streamlit as st

from analytics.cases import Case, EscalationStep
from analytics.store import Store, open_store

TODAY = date(2026, 3, 15)
SAMPLE_CSV = Path(__file__).resolve().parent / "fixtures" / "incidents-sample.csv"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long tests first: under xdist the other worker runs the rest meanwhile."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A fresh, migrated DuckDB file under tmp_path, closed after the test."""
    opened = open_store(tmp_path / "store.duckdb")
    yield opened
    opened.close()


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

    release = gather_overview_release(store, scope, TermCalendar(), today=today or date.today())
    return summarise(disclose(release, audience, 5))


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
