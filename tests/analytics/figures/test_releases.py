"""What an audience holds: the Overview's release as disclosed to it, audited against every
circulated report frozen before for the same terms and filters, oldest first."""

from __future__ import annotations

import json
from datetime import date

import pytest

import analytics.figures.releases
from analytics.figures.core import gather_overview_release
from analytics.figures.disclosure import PROTECTED, disclose
from analytics.figures.releases import disclose_overview, load_circulated_releases
from analytics.figures.scope import Scope
from analytics.records.opening import open_store
from analytics.reporting.report import gather_report_figures
from analytics.reporting.snapshots import freeze_report
from analytics.terms import TermCalendar, parse_term
from tests.analytics.reporting.report_store import REPORT_DAY, fill_report_store
from tests.conftest import PINNED_NOW

CALENDAR = TermCalendar()
AUTUMN_2025 = parse_term("Autumn 2025")


def freeze(store, mode: str, threshold: int, meeting_on: date) -> int:
    figures = gather_report_figures(store, CALENDAR, AUTUMN_2025, school="S", today=REPORT_DAY)
    return freeze_report(store, figures, mode, threshold, meeting_on, actor="head", now=PINNED_NOW)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """The report store with Autumn 2025 frozen three times: confidential, then circulated
    at threshold 5 (20 January 2026) and at threshold 4 (20 February 2026)."""
    store = open_store(tmp_path_factory.mktemp("releases") / "store.duckdb", now=PINNED_NOW)
    fill_report_store(store)
    freeze(store, "confidential", 5, date(2026, 1, 20))
    freeze(store, "circulation", 5, date(2026, 1, 20))
    freeze(store, "circulation", 4, date(2026, 2, 20))
    yield store
    store.close()


def release_of(store, term: str, **filters):
    scope = Scope(CALENDAR.reporting_period(parse_term(term)), **filters)
    return gather_overview_release(store, scope, CALENDAR, today=REPORT_DAY)


def test_a_release_is_audited_against_the_circulated_reports_of_its_terms_oldest_first(frozen):
    earlier = load_circulated_releases(frozen, release_of(frozen, "Autumn 2025"))
    assert len(earlier) == 2  # the confidential report was never circulated
    for held in earlier:
        assert held.release.figures.scope.period == CALENDAR.reporting_period(AUTUMN_2025)
    markers = [set(held.published.texts.values()) for held in earlier]
    assert "<5" in markers[0] and "<4" in markers[1]
    # A later term's trend shows Autumn 2025 too, so its readers may hold those reports.
    assert len(load_circulated_releases(frozen, release_of(frozen, "Spring 2026"))) == 2


def test_reports_of_other_terms_or_without_the_filters_are_not_held_against_it(frozen):
    # Autumn 2025's reports printed Summer 2025 (the previous term) and Autumn 2024 (a year
    # earlier) beside it: their readers hold those too. Summer 2024 and its trend, none.
    assert len(load_circulated_releases(frozen, release_of(frozen, "Summer 2025"))) == 2
    assert load_circulated_releases(frozen, release_of(frozen, "Summer 2024")) == []
    racist = release_of(frozen, "Autumn 2025", categories=("racist",))
    assert load_circulated_releases(frozen, racist) == []  # reports have no filters


def test_a_report_frozen_before_reports_kept_what_they_printed_is_left_out(store):
    fill_report_store(store)
    snapshot_id = freeze(store, "circulation", 5, date(2026, 1, 20))
    (figures,) = store.read_rows(
        "SELECT figures FROM report_snapshots WHERE id = ?", [snapshot_id]
    )[0]
    older = {name: value for name, value in json.loads(figures).items() if name != "published"}
    with store.cursor() as cursor:
        cursor.execute(
            "UPDATE report_snapshots SET figures = ? WHERE id = ?", [json.dumps(older), snapshot_id]
        )
    assert load_circulated_releases(store, release_of(store, "Autumn 2025")) == []


def test_the_overview_discloses_its_release_against_what_its_audience_already_holds(
    frozen, monkeypatch
):
    release = release_of(frozen, "Autumn 2025")
    earlier = load_circulated_releases(frozen, release)
    expected = disclose(release, PROTECTED, 5, earlier=earlier)
    audited_against = []

    def disclosing(release, audience, threshold, *, earlier):
        audited_against.append(earlier)
        return disclose(release, audience, threshold, earlier=earlier)

    monkeypatch.setattr(analytics.figures.releases, "disclose", disclosing)
    shown = disclose_overview(
        frozen, release.figures.scope, CALENDAR, today=REPORT_DAY, audience=PROTECTED,
        threshold=5,
    )  # fmt: skip
    assert [len(held) for held in audited_against] == [2]
    assert {key: cell.text for key, cell in shown.cells.items()} == {
        key: cell.text for key, cell in expected.cells.items()
    }
