"""Every bar of every chart carries its number, read from the chart as drawn (SVG, by the
same Vega renderer the documents use): a governor at a meeting reads the figure, not the
axis. A hidden count has no bar, only its printed marker."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
import vl_convert

from analytics.reporting.charts import (
    build_action_chart,
    build_category_chart,
    build_platform_chart,
    build_stage_trend_chart,
    build_unclosed_age_chart,
)

# A bar as Vega draws it: a rectangle from (x, y), w wide and h high, described for screen
# readers with its figure ("Cases: 7" from the tooltip, or "cases: 7" from the data).
BAR = re.compile(
    r'<path aria-label="(?P<label>[^"]*)" [^>]*aria-roledescription="bar" '
    r'd="M(?P<x>[\d.-]+),(?P<y>[\d.-]+)h(?P<w>[\d.-]+)v(?P<h>[\d.-]+)'
)
FIGURE = re.compile(r"(?i)\bcases: ([^;]+)")
TEXT = re.compile(
    r'<text [^>]*aria-roledescription="text mark"[^>]*'
    r'transform="translate\((?P<x>[\d.-]+),(?P<y>[\d.-]+)\)"[^>]*>(?P<text>[^<]*)</text>'
)


def drawn(chart) -> tuple[list[dict], list[dict]]:
    """The bars and the text marks of the chart as rendered."""
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    bars = [
        {name: float(match[name]) for name in "xywh"}
        | {"figure": FIGURE.search(html.unescape(match["label"]))[1].strip()}
        for match in BAR.finditer(svg)
    ]
    texts = [
        {"x": float(m["x"]), "y": float(m["y"]), "text": html.unescape(m["text"])}
        for m in TEXT.finditer(svg)
    ]
    return bars, texts


def frame(rows, columns) -> pd.DataFrame:
    built = pd.DataFrame(rows, columns=columns)
    built["cases"] = built["cases"].astype("Int64")
    return built


HORIZONTAL = frame(
    [("Racist", 7, "7"), ("Threats", None, "<5"), ("Complaints", 13, "13"), ("Other", 0, "0")],
    ["label", "cases", "printed"],
)
TREND = frame(
    [
        (term, stage, label, cases, str(cases) if cases is not None else "<5")
        for term, counts in [("Autumn 2025", (7, None, 13)), ("Spring 2026", (21, 9, 0))]
        for (stage, label), cases in zip(
            [("settled", "Settled at discussion"), ("escalated", "Escalated"), ("open", "Open")],
            counts,
            strict=True,
        )
    ],
    ["period", "stage", "stage_label", "cases", "printed"],
)
UNCLOSED = frame(
    [
        ("under_2_weeks", "Under 2 weeks", "calendar_days", 6, "6"),
        ("under_2_weeks", "Under 2 weeks", "school_days", 8, "8"),
        ("over_4_weeks", "Over 4 weeks", "calendar_days", 11, "11"),
        ("over_4_weeks", "Over 4 weeks", "school_days", 9, "9"),
    ],
    ["age", "label", "measure", "cases", "printed"],
)


@pytest.mark.parametrize(
    "chart, data",
    [
        (build_category_chart(HORIZONTAL, "20 cases"), HORIZONTAL),
        (build_action_chart(HORIZONTAL), HORIZONTAL),
        (build_platform_chart(HORIZONTAL), HORIZONTAL),
    ],
    ids=["category", "action", "platform"],
)
def test_each_horizontal_bar_has_its_number_at_its_end(chart, data):
    bars, texts = drawn(chart)
    assert sorted(text["text"] for text in texts) == sorted(data["printed"])
    drawn_bars = [bar for bar in bars if bar["w"] > 0]
    assert len(drawn_bars) == int((data["cases"] > 0).sum())
    for bar in drawn_bars:
        at_its_end = [
            text["text"]
            for text in texts
            if bar["y"] <= text["y"] <= bar["y"] + bar["h"]
            and bar["x"] + bar["w"] <= text["x"] <= bar["x"] + bar["w"] + 10
        ]
        assert at_its_end == [bar["figure"]], f"the bar at {bar} reads {at_its_end}"


@pytest.mark.parametrize(
    "chart, data",
    [(build_stage_trend_chart(TREND), TREND), (build_unclosed_age_chart(UNCLOSED), UNCLOSED)],
    ids=["stages by term", "unclosed by age"],
)
def test_each_upright_bar_has_its_number_above_it(chart, data):
    bars, texts = drawn(chart)
    assert sorted(text["text"] for text in texts) == sorted(data["printed"])
    drawn_bars = [bar for bar in bars if bar["h"] > 0]
    assert len(drawn_bars) == int((data["cases"] > 0).sum())
    for bar in drawn_bars:
        above_it = [
            text["text"]
            for text in texts
            if bar["x"] <= text["x"] <= bar["x"] + bar["w"]
            and bar["y"] - 20 <= text["y"] <= bar["y"]
        ]
        assert above_it == [bar["figure"]], f"the bar at {bar} reads {above_it}"


def test_a_hidden_count_is_no_bar_only_its_marker():
    bars, texts = drawn(build_stage_trend_chart(TREND))
    assert "<5" in [text["text"] for text in texts]
    assert len([bar for bar in bars if bar["h"] > 0]) == 4  # 7, 13, 21 and 9; not <5 or 0
