"""What an audience holds: the Overview's figures as disclosed to it, and the circulated
reports frozen before, which every later release is audited against."""

from __future__ import annotations

import json
from datetime import date

from analytics.figures.core import Release, gather_overview_release, release_from_dict
from analytics.figures.disclosure import (
    Disclosed,
    EarlierRelease,
    disclose,
    published_from_dict,
)
from analytics.figures.scope import Scope
from analytics.records import Store
from analytics.terms import TermCalendar


def disclose_overview(
    store: Store,
    scope: Scope,
    calendar: TermCalendar,
    *,
    today: date,
    audience: str,
    threshold: int,
) -> Disclosed:
    """The Overview's figures for a scope as the audience sees them: the page, `summary`
    and the review pack all show this one release, so they can never be differenced."""
    release = gather_overview_release(store, scope, calendar, today=today)
    earlier = load_circulated_releases(store, release)
    return disclose(release, audience, threshold, earlier=earlier)


def load_circulated_releases(store: Store, release: Release) -> list[EarlierRelease]:
    """Every frozen circulated report that printed any of the release's periods (as its own
    term or beside it, as a term compared), under the same filters (reports have none),
    oldest first: what a reader of this release may already hold."""
    periods = {h.period for h in release.headlines.values()}
    scope = release.figures.scope
    earlier = []
    for (figures,) in store.read_rows(
        "SELECT figures FROM report_snapshots WHERE mode = 'circulation' ORDER BY frozen_at, id"
    ):
        frozen = json.loads(figures)
        if not frozen.get("published") or "release" not in frozen:
            continue  # frozen before reports kept what they printed
        then = release_from_dict(frozen["release"])
        same_filters = (then.figures.scope.categories, then.figures.scope.platforms) == (
            scope.categories,
            scope.platforms,
        )
        printed = {headline.period for headline in then.headlines.values()}
        if same_filters and printed & periods:
            earlier.append(EarlierRelease(then, published_from_dict(frozen["published"])))
    return earlier
