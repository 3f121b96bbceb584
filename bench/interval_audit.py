"""Benchmark: time `protect` on realistic termly releases (python bench/interval_audit.py).

Each release is counted from simulated cases, so every relation holds and many counts are
small. Never a test: the figures are measurements of this machine.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.figures import (
    CellKey,
    Constraint,
    at_most,
    protect,
    sum_of,
)

SEEDS = range(30)
THRESHOLDS = (3, 5, 10)
TERMS = ("this", "previous", "last_year")
OUTCOMES = ("settled", "escalated", "open")
CATEGORIES = tuple(f"category_{n}" for n in range(1, 9))
ACTIONS = ("warning", "legal_advice", "police", "blocked", "host_removal", "legal_action")
PLATFORMS = tuple(f"platform_{n}" for n in range(1, 11))
AGES = ("under_2_weeks", "2_to_4_weeks", "4_to_8_weeks", "over_8_weeks")
DAY_KINDS = ("calendar", "school")


def simulate_release(rng: random.Random) -> tuple[dict[CellKey, int], list[Constraint]]:
    """Counts of a term's cases, the two terms before it, and the relations a reader knows."""
    values: dict[CellKey, int] = {}
    constraints: list[Constraint] = []
    cases = []
    for term in TERMS:
        outcomes = [rng.choices(OUTCOMES, weights=(6, 3, 2))[0] for _ in range(rng.randint(8, 35))]
        for outcome in OUTCOMES:
            values["headline", term, outcome] = outcomes.count(outcome)
        values["headline", term, "incidents"] = len(outcomes)
        headline = [("headline", term, outcome) for outcome in OUTCOMES]
        constraints.append(sum_of(("headline", term, "incidents"), headline))
        if term == "this":
            cases = outcomes

    # One case can be of several categories, has one platform, and escalated ones 1-3 actions.
    counts: Counter[CellKey] = Counter()
    for outcome in cases:
        for category in rng.sample(CATEGORIES, k=rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
            for column in ("cases", outcome):
                counts["category", category, column] += 1
        platform = rng.choices(PLATFORMS, weights=(8, 6, 5, 3, 2, 2, 1, 1, 1, 1))[0]
        counts["platform", platform] += 1
        if outcome == "escalated":
            for action in rng.sample(ACTIONS, k=rng.randint(1, 3)):
                counts["action", action] += 1
        if outcome == "open":
            age = rng.choice(AGES)
            school_age = AGES[max(0, AGES.index(age) - rng.randint(0, 1))]
            for kind, bucket in (("calendar", age), ("school", school_age)):
                counts["unclosed", bucket, kind] += 1

    incidents = ("headline", "this", "incidents")
    for category in CATEGORIES:
        row = [("category", category, column) for column in ("cases", *OUTCOMES)]
        for cell in row:
            values[cell] = counts[cell]
        constraints.append(sum_of(row[0], row[1:]))
        constraints.append(at_most(row[0], incidents))
        for column in OUTCOMES:
            constraints.append(
                at_most(("category", category, column), ("headline", "this", column))
            )
    for column in ("cases", *OUTCOMES):
        # Every case has a category: the categories together count each case at least once.
        headline = incidents if column == "cases" else ("headline", "this", column)
        constraints.append(at_most(headline, [("category", c, column) for c in CATEGORIES]))

    escalated = ("headline", "this", "escalated")
    for action in ACTIONS:
        values["action", action] = counts["action", action]
        constraints.append(at_most(("action", action), escalated))
    constraints.append(at_most(escalated, [("action", action) for action in ACTIONS]))

    for platform in PLATFORMS:
        values["platform", platform] = counts["platform", platform]
    constraints.append(sum_of(incidents, [("platform", platform) for platform in PLATFORMS]))

    for kind in DAY_KINDS:
        buckets = [("unclosed", age, kind) for age in AGES]
        for cell in buckets:
            values[cell] = counts[cell]
        total = ("unclosed", "total", kind)
        values[total] = sum(values[cell] for cell in buckets)
        constraints.append(sum_of(total, buckets))
        constraints.append(sum_of(("headline", "this", "open"), [total]))
    return values, constraints


def cost_of(cell: CellKey) -> float:
    """Headline figures are what governors read first: hide them last."""
    return {"headline": 10.0, "unclosed": 2.0}.get(cell[0], 1.0)


def totals_of(values: dict[CellKey, int]) -> list[CellKey]:
    """Each period's total of incidents: hidden only as a last resort, as the app does."""
    return [cell for cell in values if cell[0] == "headline" and cell[-1] == "incidents"]


def main() -> None:
    protect(*simulate_release(random.Random(-1)), 5, cost=cost_of)  # warm imports and HiGHS
    print(f"protect over {len(SEEDS)} simulated releases per threshold (ms; wall and CPU)")
    for threshold in THRESHOLDS:
        wall, cpu, sizes, hidden = [], [], [], []
        for seed in SEEDS:
            values, constraints = simulate_release(random.Random(seed))
            started, started_cpu = time.perf_counter(), time.process_time()
            result = protect(
                values, constraints, threshold, cost=cost_of, last_resort=totals_of(values)
            )
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            sizes.append((len(values), len(constraints)))
            hidden.append((len(result.small), len(result.complementary)))
        print(
            f"  threshold {threshold:>2}: {statistics.median(s[0] for s in sizes):.0f} cells, "
            f"{statistics.median(s[1] for s in sizes):.0f} constraints; "
            f"wall median {statistics.median(wall):.0f}, max {max(wall):.0f}; "
            f"CPU median {statistics.median(cpu):.0f}, max {max(cpu):.0f}; "
            f"hidden median {statistics.median(h[0] for h in hidden):.0f} small + "
            f"{statistics.median(h[1] for h in hidden):.0f} *"
        )


if __name__ == "__main__":
    main()
