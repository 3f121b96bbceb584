"""Measure what circulated reports tell governors (python bench/disclosure_shapes.py).

For demonstration stores of 300 cases (three seeds) and 1,000 cases, and the test suite's
stores, builds the circulated report of each of the last five complete terms and counts the
cells it prints: exact, "fewer than" (a stated range) and hidden ("*"), for the headline
and for the tables, and how many reports state the term's total of incidents. The table in
docs/disclosure.md comes from this script, run on the code before and after a change.
Never a test: the figures describe the rule's choices, not a pass or a fail.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.cases import import_cases_file, load_demo_data
from analytics.figures import release_from_dict
from analytics.records import open_store
from analytics.reporting import build_report, gather_report_figures, last_complete_term
from analytics.terms import TermCalendar
from analytics.vocabulary import ALL_CASES
from tests.analytics.reporting.report_store import fill_report_store

NOW = datetime(2026, 11, 25, 10, 0)
THRESHOLD = 5
TERMS_BACK = 5
SAMPLE_CSV = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "incidents-sample.csv"
CALENDAR = TermCalendar()


def the_terms() -> list:
    term = last_complete_term(CALENDAR, NOW.date())
    terms = [term]
    while len(terms) < TERMS_BACK:
        terms.append(terms[-1].previous())
    return terms[::-1]


def kind_of(printed: str) -> str:
    if printed.isdigit():
        return "exact"
    if printed == "–":
        return "not shown"
    return "range" if printed.startswith("<") else "hidden"


def count_report(report, figures) -> tuple[Counter, bool, bool]:
    """Printed cells by kind; whether the total is stated; whether it is at the threshold."""
    counts: Counter = Counter()
    total_stated = False
    release = release_from_dict(figures["release"])
    due = release.figures.headline.counts[ALL_CASES] >= THRESHOLD
    for table in report.tables:
        if table.key in ("policies", "other"):
            continue  # review status and medians, not counts under the audit
        part = "headline" if table.key == "headline" else "tables"
        for row in table.rows:
            # The headline's own term, and apart from it the earlier terms compared.
            printed = row[1:2] if part == "headline" else row[1:]
            for value in printed:
                counts[part, kind_of(value)] += 1
            if part == "headline":
                for value in row[2:4]:
                    counts["earlier", kind_of(value)] += 1
            if part == "headline" and row[0] == "Incidents":
                total_stated = row[1].isdigit()
    return counts, total_stated, due


def measure(fill) -> tuple[Counter, int, int, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "store.duckdb", now=NOW)
        try:
            fill(store)
            counts: Counter = Counter()
            stated = due = 0
            started = time.perf_counter()
            for term in the_terms():
                figures = gather_report_figures(store, CALENDAR, term, school="S", today=NOW.date())
                report_counts, total_stated, total_due = count_report(
                    build_report(figures, "circulation", THRESHOLD), figures
                )
                counts += report_counts
                stated += total_stated and total_due
                due += total_due
            seconds = time.perf_counter() - started
        finally:
            store.close()
    return counts, stated, due, seconds


def main() -> None:
    stores = {
        **{
            f"demo 300, seed {seed}": (
                lambda store, seed=seed: load_demo_data(store, 300, actor="b", seed=seed, now=NOW)
            )
            for seed in (1, 2, 3)
        },
        "demo 1,000, seed 1": lambda store: load_demo_data(store, 1000, actor="b", seed=1, now=NOW),
        "test: sample CSV": lambda store: import_cases_file(store, SAMPLE_CSV, actor="b", now=NOW),
        "test: report store": fill_report_store,
    }
    columns = (
        "Store",
        f"Reports stating the total, of those with {THRESHOLD} or more",
        "Headline exact / range / hidden",
        "Table cells exact / range / hidden",
        "Earlier terms' headline exact / range / hidden / not shown",
        "Seconds",
    )
    print(f"| {' | '.join(columns)} |")
    print("|---|---|---|---|---|---|")
    for name, fill in stores.items():
        counts, stated, due, seconds = measure(fill)
        headline = " / ".join(str(counts["headline", k]) for k in ("exact", "range", "hidden"))
        tables = " / ".join(str(counts["tables", k]) for k in ("exact", "range", "hidden"))
        earlier = " / ".join(
            str(counts["earlier", k]) for k in ("exact", "range", "hidden", "not shown")
        )
        print(f"| {name} | {stated} of {due} | {headline} | {tables} | {earlier} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
