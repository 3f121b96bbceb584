"""Altair charts for the governors' figures: each takes a DataFrame and returns a chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.vocabulary import ACTION_SHORT_LABELS, CATEGORY_SHORT_LABELS, PLATFORMS, STAGES

# The stages in the order governors read them, with colours that say settled / escalated / open.
STAGE_CODES = ["settled_at_discussion", "escalated", "open"]
STAGE_ORDER = [STAGES[code] for code in STAGE_CODES]
STAGE_COLOURS = ["#2e7d32", "#c62828", "#f9a825"]
BAR_COLOUR = "#1f5f8b"


def build_category_chart(by_category: pd.DataFrame, total_cases: int) -> alt.Chart:
    """Cases per category (category, cases), saying that a case may count more than once."""
    return _horizontal_bars(
        by_category.assign(label=by_category["category"].map(CATEGORY_SHORT_LABELS)),
        title="Cases by category",
        subtitle=[
            "A case in several categories counts once in each;",
            f"{total_cases} case{'s' if total_cases != 1 else ''} in all.",
        ],
    )


def build_action_chart(by_action: pd.DataFrame) -> alt.Chart:
    """Cases in which each escalation action was taken (action, cases)."""
    return _horizontal_bars(
        by_action.assign(label=by_action["action"].map(ACTION_SHORT_LABELS)),
        title="Escalation actions",
        subtitle="Cases in which each action was taken at least once.",
    )


def build_platform_chart(by_platform: pd.DataFrame) -> alt.Chart:
    """Cases per platform (platform, cases)."""
    return _horizontal_bars(
        by_platform.assign(label=by_platform["platform"].map(PLATFORMS)),
        title="Platforms",
        subtitle="Where the content was posted.",
    )


def build_stage_trend_chart(stages_by_term: pd.DataFrame) -> alt.Chart:
    """Settled at discussion, escalated and open, stacked, for each term (period, stage, cases)."""
    frame = stages_by_term.assign(
        stage_label=stages_by_term["stage"].map(STAGES),
        stage_order=stages_by_term["stage"].map({code: n for n, code in enumerate(STAGE_CODES)}),
    )
    terms = list(dict.fromkeys(frame["period"]))
    return (
        alt.Chart(
            frame,
            title=alt.Title(
                "Settled and escalated, term by term",
                subtitle="Cases by the term they were reported in, and their stage today.",
            ),
        )
        .mark_bar()
        .encode(
            x=alt.X(
                "period:N", sort=terms, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False)
            ),
            y=alt.Y("sum(cases):Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "stage_label:N",
                title="Stage",
                scale=alt.Scale(domain=STAGE_ORDER, range=STAGE_COLOURS),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("period:N", title="Term"),
                alt.Tooltip("stage_label:N", title="Stage"),
                alt.Tooltip("cases:Q", title="Cases"),
            ],
        )
    )


def build_unclosed_age_chart(unclosed_by_age: pd.DataFrame) -> alt.Chart:
    """Cases not yet closed by age (age, calendar_days, school_days), side by side."""
    ages = list(unclosed_by_age["age"])
    return (
        alt.Chart(
            unclosed_by_age,
            title=alt.Title(
                "Cases not yet closed, by age",
                subtitle="Open and escalated cases still running, in calendar and school days.",
            ),
        )
        .transform_fold(["calendar_days", "school_days"], as_=["measure", "cases"])
        .transform_calculate(
            counted_in="datum.measure == 'calendar_days' ? 'Calendar days' : 'School days'"
        )
        .mark_bar()
        .encode(
            x=alt.X("age:N", sort=ages, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("counted_in:N"),
            y=alt.Y("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "counted_in:N", title="Age counted in", legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("age:N", title="Age"),
                alt.Tooltip("counted_in:N", title="Counted in"),
                alt.Tooltip("cases:Q", title="Cases"),
            ],
        )
    )


def _horizontal_bars(frame: pd.DataFrame, *, title: str, subtitle: str | list[str]) -> alt.Chart:
    """One bar per row of frame (label, cases), in the frame's order."""
    return (
        alt.Chart(frame, title=alt.Title(title, subtitle=subtitle))
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(
                "label:N", sort=list(frame["label"]), title=None, axis=alt.Axis(labelLimit=320)
            ),
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("cases:Q", title="Cases")],
        )
    )
