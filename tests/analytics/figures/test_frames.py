"""Disclosed figures as the small tables the charts and pages draw, and as `summary`'s JSON:
exact counts for exact audiences, hidden counts as their printed marker with no bar."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.cases.register import record_case
from analytics.figures.core import gather_overview_release
from analytics.figures.disclosure import EXACT, PROTECTED, disclose
from analytics.figures.frames import (
    frame_by_action,
    frame_by_category,
    frame_by_platform,
    frame_stages_by_term,
    frame_unclosed_by_age,
    nothing_to_draw,
    summarise,
    table_unclosed_by_age,
    why_not_drawn,
)
from analytics.figures.scope import Scope
from analytics.vocabulary import (
    CATEGORIES,
    CATEGORY_SHORT_LABELS,
    ESCALATION_ACTIONS,
    PLATFORMS_COUNTED,
    STAGES,
)
from tests.analytics.figures.test_core import AUTUMN_2025, CALENDAR, HAND_BUILT
from tests.conftest import NOW, TODAY


@pytest.fixture
def hand_built(store):
    """The figures core's hand-built store (tests/analytics/figures/test_core.py)."""
    for case in HAND_BUILT:
        record_case(store, case, actor="test", now=NOW)
    return store


@pytest.fixture
def autumn(hand_built):
    """Autumn 2025 as each audience is shown it: (exact, protected), threshold 5."""
    release = gather_overview_release(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    return disclose(release, EXACT, 5), disclose(release, PROTECTED, 5)


def by_code(frame: pd.DataFrame, key: str) -> dict[str, tuple]:
    return {
        code: (None if pd.isna(cases) else int(cases), printed)
        for code, cases, printed in zip(frame[key], frame["cases"], frame["printed"], strict=True)
    }


def test_the_summary_of_an_exact_release_has_every_code_and_the_hand_worked_figures(hand_built):
    release = gather_overview_release(hand_built, Scope(AUTUMN_2025), CALENDAR, today=TODAY)
    summary = summarise(disclose(release, "exact", 5))
    assert summary["from"] == "2025-09-01" and summary["to"] == "2025-12-31"
    assert (summary["incidents"], summary["settled_at_discussion"], summary["escalated"]) == (
        4, 1, 2,
    )  # fmt: skip
    assert list(summary["by_category"]) == [
        "naming_children", "allegations", "cyber_bullying", "complaints", "defamatory",
        "offensive_comments", "racist", "threats_of_violence",
    ]  # fmt: skip
    assert len(summary["by_action"]) == 6 and len(summary["by_platform"]) == 10
    assert summary["by_action"]["written_warning"] == 1
    assert (summary["repeat_cases"], summary["content_removed"]) == (2, 2)
    assert summary["median_days_to_removal"] == 13.0


def test_each_category_is_a_bar_in_the_vocabularys_order_with_its_short_label(autumn):
    exact, _ = autumn
    frame = frame_by_category(exact)
    assert frame["category"].tolist() == list(CATEGORIES)
    assert frame["label"].tolist() == [CATEGORY_SHORT_LABELS[code] for code in CATEGORIES]
    counted = {code: n for code, (n, _) in by_code(frame, "category").items() if n}
    assert counted == {"naming_children": 1, "complaints": 2, "offensive_comments": 1, "racist": 1}
    assert str(frame["cases"].dtype) == "Int64"


def test_a_hidden_count_has_no_bar_only_its_printed_marker(autumn):
    _, protected = autumn
    categories = by_code(frame_by_category(protected), "category")
    assert categories["complaints"] == (None, "<5")
    assert categories["allegations"] == (0, "0")
    actions = by_code(frame_by_action(protected), "action")
    assert list(actions) == list(ESCALATION_ACTIONS)
    assert actions["police"] == (None, "*")  # hidden so that no small count can be worked out


def test_every_platform_is_a_bar_then_the_cases_with_none_recorded(autumn):
    exact, _ = autumn
    platforms = by_code(frame_by_platform(exact), "platform")
    assert list(platforms) == list(PLATFORMS_COUNTED)
    assert {code: n for code, (n, _) in platforms.items() if n} == {
        "facebook": 2, "instagram": 1, "whatsapp": 1,
    }  # fmt: skip


def test_stages_by_term_run_oldest_first_each_term_in_every_stage(autumn):
    exact, protected = autumn
    frame = frame_stages_by_term(exact)
    assert frame["period"].tolist()[-3:] == ["Autumn 2025"] * 3
    assert frame["period"].tolist()[:3] == ["Spring 2024"] * 3
    assert frame["stage"].tolist()[-3:] == list(STAGES)
    assert frame["cases"].tolist()[-3:] == [1, 2, 1]
    assert frame_stages_by_term(protected)["printed"].tolist()[-3:] == ["<5", "*", "<5"]


def test_unclosed_cases_by_age_are_for_exact_audiences_only(autumn):
    exact, protected = autumn
    ages = frame_unclosed_by_age(exact)
    assert len(ages) == 6 and set(ages["measure"]) == {"calendar_days", "school_days"}
    assert ages.loc[ages["age"] == "over_6_weeks", "cases"].tolist() == [2, 2]
    assert frame_unclosed_by_age(protected).empty
    assert table_unclosed_by_age(exact).values.tolist()[-2:] == [
        ["Over 6 weeks", "2", "2"],
        ["All not yet closed", "2", "2"],
    ]
    assert table_unclosed_by_age(protected).values.tolist() == [["All not yet closed", "<5", "<5"]]


def test_a_chart_is_left_out_when_nothing_in_it_could_be_drawn(autumn):
    exact, protected = autumn
    assert not nothing_to_draw(frame_by_category(exact))
    assert why_not_drawn(frame_by_category(exact), 5) is None
    # Every count hidden or zero: no bar would show, though the zeros are not hidden.
    assert nothing_to_draw(frame_by_category(protected))
    assert why_not_drawn(frame_by_category(protected), 5).startswith("Every count in this chart")


def bars(*printed: str) -> pd.DataFrame:
    """A chart's frame from its printed figures alone."""
    counts = [int(text) if text.isdigit() else None for text in printed]
    return pd.DataFrame({"cases": pd.array(counts, dtype="Int64"), "printed": list(printed)})


@pytest.mark.parametrize(
    ("printed", "sentence"),
    [
        (("<5", "<5"), "Every count in this chart is under 5, so it is not drawn."),
        (("0", "<5", "0"), "Every count in this chart is 0 or under 5, so it is not drawn."),
        (("0", "0"), "Every count in this chart is 0, so it is not drawn."),
        (
            ("<5", "*"),
            "Every count in this chart is under 5 or left out so that one under 5 cannot be "
            "worked out, so it is not drawn.",
        ),
        (
            ("0", "<5", "*"),
            "Every count in this chart is 0, under 5 or left out so that one under 5 cannot be "
            "worked out, so it is not drawn.",
        ),
        (("0", "<5", "1"), None),
        (("*", "12"), None),
    ],
)
def test_a_chart_with_no_bar_says_why_in_one_sentence(printed, sentence):
    assert why_not_drawn(bars(*printed), 5) == sentence
