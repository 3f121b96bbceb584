"""Altair charts for the governors' figures: each takes a DataFrame and returns a chart.

The frames come from analytics.figures.frames: a hidden count has no number (no bar is
drawn) and keeps its printed marker, shown as the bar's label."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.vocabulary import STAGES

# The stages in the order governors read them, with colours that say settled / escalated / open.
STAGE_ORDER = list(STAGES.values())
STAGE_COLOURS = ["#2e7d32", "#c62828", "#b26a00"]
BAR_COLOUR = "#1f5f8b"
# Bars and the amber of "open" at least 3:1 on white, axis and legend text 7:1 (WCAG 2.2 AA);
# Streamlit's own chart grey (#808495) is 3.7:1 and no theme option changes it.
TEXT_COLOURS = {"labelColor": "#505a5f", "titleColor": "#505a5f"}
# Pixels a chart needs beyond its plot: title, subtitle, axis, legend.
CHART_FRAME_PX = 130
# Each chart's title, also printed above the sentence said where it is not drawn.
CHART_TITLES = {
    "categories": "Cases by category",
    "actions": "Escalation actions",
    "platforms": "Platforms",
    "trend": "Settled and escalated, term by term",
}


def display_height(chart: alt.TopLevelMixin) -> int:
    """The height to give Streamlit for a chart: a layered chart drawn at "content" height
    is squashed to Streamlit's default, so the page passes this instead."""
    return int(chart.height) + CHART_FRAME_PX


def build_category_chart(by_category: pd.DataFrame, total: str) -> alt.Chart:
    """Cases per category (label, cases, printed), saying that a case may count more than once."""
    return _horizontal_bars(
        by_category,
        title=CHART_TITLES["categories"],
        subtitle=[
            "A case in several categories counts once in each;",
            f"{total} in all.",
        ],
    )


def build_action_chart(by_action: pd.DataFrame) -> alt.Chart:
    """Cases in which each escalation action was taken (label, cases, printed)."""
    return _horizontal_bars(
        by_action,
        title=CHART_TITLES["actions"],
        subtitle="Cases in which each action was taken at least once.",
    )


def build_platform_chart(by_platform: pd.DataFrame) -> alt.Chart:
    """Cases per platform (label, cases, printed)."""
    return _horizontal_bars(
        by_platform, title=CHART_TITLES["platforms"], subtitle="Where the content was posted."
    )


def build_stage_trend_chart(stages_by_term: pd.DataFrame) -> alt.Chart:
    """Settled at discussion, escalated and open, side by side for each term (period,
    stage, stage_label, cases, printed), each bar with its number above it. A hidden count
    has no bar, only its printed marker."""
    terms = list(dict.fromkeys(stages_by_term["period"]))
    # Side by side rather than stacked: a stacked segment of one case is too thin to carry
    # its number, and governors compare each stage across terms.
    title = alt.Title(
        CHART_TITLES["trend"],
        subtitle="Cases by the term they were reported in, and their stage today.",
    )
    base = alt.Chart(stages_by_term).encode(
        x=alt.X(
            "period:N",
            sort=terms,
            title=None,
            axis=alt.Axis(labelAngle=0, labelOverlap=False, **TEXT_COLOURS),
        ),
        xOffset=alt.XOffset("stage_label:N", sort=STAGE_ORDER),
    )
    # A white edge between neighbouring stages, whose colours touch at barely 1:1.
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        y=alt.Y("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1, format="d", **TEXT_COLOURS)),
        color=alt.Color(
            "stage_label:N",
            title="Stage",
            scale=alt.Scale(domain=STAGE_ORDER, range=STAGE_COLOURS),
            legend=alt.Legend(orient="bottom", **TEXT_COLOURS),
        ),
        tooltip=[
            alt.Tooltip("period:N", title="Term"),
            alt.Tooltip("stage_label:N", title="Stage"),
            alt.Tooltip("printed:N", title="Cases"),
        ],
    )
    return (bars + _numbers_above(base)).properties(title=title, height=280)


def build_unclosed_age_chart(unclosed_by_age: pd.DataFrame) -> alt.Chart:
    """Cases not yet closed by age (label, measure, cases, printed), side by side."""
    ages = list(dict.fromkeys(unclosed_by_age["label"]))
    frame = unclosed_by_age.assign(
        counted_in=unclosed_by_age["measure"].map(
            {"calendar_days": "Calendar days", "school_days": "School days"}
        )
    )
    base = alt.Chart(
        frame,
        title=alt.Title(
            "Cases not yet closed, by age",
            subtitle="Open and escalated cases still running, in calendar and school days.",
        ),
    ).encode(
        x=alt.X("label:N", sort=ages, title=None, axis=alt.Axis(labelAngle=0, **TEXT_COLOURS)),
        xOffset=alt.XOffset("counted_in:N"),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1, format="d", **TEXT_COLOURS)),
        color=alt.Color(
            "counted_in:N",
            title="Age counted in",
            legend=alt.Legend(orient="bottom", **TEXT_COLOURS),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Age"),
            alt.Tooltip("counted_in:N", title="Counted in"),
            alt.Tooltip("printed:N", title="Cases"),
        ],
    )
    return (bars + _numbers_above(base)).properties(height=260)


def _numbers_above(base: alt.Chart) -> alt.Chart:
    """Each bar's printed figure just above it; a hidden count's marker on the axis."""
    return (
        base.mark_text(dy=-8, fontSize=13)
        .encode(y=alt.Y("shown_at:Q"), text="printed:N")
        .transform_calculate(shown_at="datum.cases === null ? 0 : datum.cases")
    )


def _horizontal_bars(frame: pd.DataFrame, *, title: str, subtitle: str | list[str]) -> alt.Chart:
    """One bar per row of frame (label, cases, printed), in the frame's order, each with its
    printed figure beside it; a hidden count has no bar, only its marker."""
    base = alt.Chart(frame, title=alt.Title(title, subtitle=subtitle)).encode(
        y=alt.Y(
            "label:N",
            sort=list(frame["label"]),
            title=None,
            axis=alt.Axis(labelLimit=220, labelFontSize=13, **TEXT_COLOURS),
        )
    )
    bars = base.mark_bar(color=BAR_COLOUR).encode(
        x=alt.X("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1, format="d", **TEXT_COLOURS)),
        tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("printed:N", title="Cases")],
    )
    labels = (
        base.mark_text(align="left", dx=4, fontSize=13)
        .encode(x=alt.X("shown_at:Q"), text="printed:N")
        .transform_calculate(shown_at="datum.cases === null ? 0 : datum.cases")
    )
    return (bars + labels).properties(height=28 * len(frame))
