"""Disclosed figures as the small tables charts and pages draw, and as `summary`'s JSON.

Every value here comes from a Disclosed release, so whatever an audience may not see is
already hidden: a hidden cell keeps its printed marker and has no number to draw.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.figures.core import AGE_MEASURES, trend_name
from analytics.figures.disclosure import Disclosed, Shown
from analytics.vocabulary import (
    ACTION_SHORT_LABELS,
    ALL_CASES,
    CATEGORIES,
    CATEGORY_SHORT_LABELS,
    ESCALATION_ACTIONS,
    HEADLINE,
    PLATFORMS_COUNTED,
    STAGES,
    UNCLOSED_AGES,
)


def _bars(rows: list[tuple[str, str, Shown]], key: str) -> pd.DataFrame:
    """(code, label, cell) rows as a frame: code, label, cases (None when hidden), printed."""
    return pd.DataFrame(
        {
            key: [code for code, _, _ in rows],
            "label": [label for _, label, _ in rows],
            "cases": pd.array([cell.value for _, _, cell in rows], dtype="Int64"),
            "printed": [cell.text for _, _, cell in rows],
        }
    )


def frame_by_category(disclosed: Disclosed) -> pd.DataFrame:
    """category, label, cases, printed: every category's cases."""
    return _bars(
        [
            (code, CATEGORY_SHORT_LABELS[code], disclosed[("category", code, ALL_CASES)])
            for code in CATEGORIES
        ],
        "category",
    )


def frame_by_action(disclosed: Disclosed) -> pd.DataFrame:
    """action, label, cases, printed: cases that took each escalation action."""
    return _bars(
        [
            (code, ACTION_SHORT_LABELS[code], disclosed[("action", code)])
            for code in ESCALATION_ACTIONS
        ],
        "action",
    )


def frame_by_platform(disclosed: Disclosed) -> pd.DataFrame:
    """platform, label, cases, printed: every platform, then cases with none recorded."""
    return _bars(
        [
            (code, label, disclosed[("platform", code)])
            for code, label in PLATFORMS_COUNTED.items()
            if ("platform", code) in disclosed.cells
        ],
        "platform",
    )


def frame_stages_by_term(disclosed: Disclosed) -> pd.DataFrame:
    """period, stage, stage_label, cases, printed: each stage of each term, oldest first."""
    rows = []
    for name, period in disclosed.periods.items():
        if name != trend_name(period.label):
            continue
        for stage, label in STAGES.items():
            cell = disclosed.headline(name, stage)
            rows.append((period.label, stage, label, cell.value, cell.text))
    frame = pd.DataFrame(rows, columns=["period", "stage", "stage_label", "cases", "printed"])
    frame["cases"] = frame["cases"].astype("Int64")
    return frame


def frame_unclosed_by_age(disclosed: Disclosed) -> pd.DataFrame:
    """age, label, measure, cases, printed: unclosed cases by age in both measures."""
    rows = [
        (age, label, measure, disclosed[("unclosed", age, measure)])
        for age, label in UNCLOSED_AGES.items()
        for measure in AGE_MEASURES
        if ("unclosed", age, measure) in disclosed.cells  # by age for exact audiences only
    ]
    frame = pd.DataFrame(
        {
            "age": [age for age, *_ in rows],
            "label": [label for _, label, *_ in rows],
            "measure": [measure for _, _, measure, _ in rows],
            "cases": pd.array([cell.value for *_, cell in rows], dtype="Int64"),
            "printed": [cell.text for *_, cell in rows],
        }
    )
    return frame


def nothing_to_draw(frame: pd.DataFrame) -> bool:
    """No bar would show: every value is hidden or zero (a table says it better)."""
    return bool(frame["cases"].fillna(0).eq(0).all())


def why_not_drawn(frame: pd.DataFrame, threshold: int) -> str | None:
    """The one sentence said in place of a chart with no bar in it (every value hidden or
    zero), naming only what the printed markers say already; None where a bar would show.
    A chart of labels without a bar looks like a fault and tells the reader nothing."""
    if not nothing_to_draw(frame):
        return None
    hidden = frame.loc[frame["cases"].isna(), "printed"]
    kinds = [
        "0" if frame["cases"].eq(0).any() else None,
        f"under {threshold}" if hidden.str.startswith("<").any() else None,
        # A count hidden only so that a small one cannot be worked out is not "under" it.
        f"left out so that one under {threshold} cannot be worked out"
        if (~hidden.str.startswith("<")).any()
        else None,
    ]
    said = [kind for kind in kinds if kind]
    every = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} or {said[-1]}"
    return f"Every count in this chart is {every}, so it is not drawn."


def table_unclosed_by_age(disclosed: Disclosed) -> pd.DataFrame:
    """The unclosed cases as a printed table: by age where the audience may see it (Age, in
    calendar days, in school days), then all of them."""
    rows = [
        (
            label,
            disclosed[("unclosed", age, "calendar_days")].text,
            disclosed[("unclosed", age, "school_days")].text,
        )
        for age, label in UNCLOSED_AGES.items()
        if ("unclosed", age, "calendar_days") in disclosed.cells
    ]
    total = disclosed[("unclosed", "all", "total")].text
    rows.append(("All not yet closed", total, total))
    return pd.DataFrame(rows, columns=["Age", "In calendar days", "In school days"])


def summarise(disclosed: Disclosed) -> dict[str, Any]:
    """Every figure of a scope as the audience may see it, in the shape `summary` prints:
    counts as numbers, hidden counts as their printed marker ("<5", "*")."""
    this = disclosed.periods["this"]

    def shown(cell: Shown) -> int | str:
        return cell.value if cell.value is not None else cell.text

    return {
        "from": this.start.isoformat(),
        "to": this.end.isoformat(),
        "audience": disclosed.audience,
        **{figure: shown(disclosed.headline("this", figure)) for figure in HEADLINE},
        "by_category": {
            code: shown(disclosed[("category", code, ALL_CASES)]) for code in CATEGORIES
        },
        "by_action": {code: shown(disclosed[("action", code)]) for code in ESCALATION_ACTIONS},
        "by_platform": {
            code: shown(disclosed[("platform", code)])
            for code in PLATFORMS_COUNTED
            if ("platform", code) in disclosed.cells
        },
        "repeat_cases": shown(disclosed[("repeat_cases",)]),
        "content_removed": shown(disclosed[("content_removed",)]),
        **dict(disclosed.medians),
    }
