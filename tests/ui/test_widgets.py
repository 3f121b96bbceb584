"""The widgets write a day and a moment as the school does (the vocabulary's formats)."""

from __future__ import annotations

import re

from analytics import vocabulary
from ui.widgets import DATE_FORMAT, MOMENT_FORMAT

# Streamlit's notation for the parts of a date and time, and strftime's for the same.
STREAMLIT_TO_STRFTIME = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def as_strftime(streamlit_format: str) -> str:
    parts = re.compile("|".join(STREAMLIT_TO_STRFTIME))
    return parts.sub(lambda part: STREAMLIT_TO_STRFTIME[part[0]], streamlit_format)


def test_date_widgets_and_columns_write_the_vocabularys_day():
    assert as_strftime(DATE_FORMAT) == vocabulary.DAY_FORMAT


def test_moment_columns_write_the_vocabularys_moment():
    assert as_strftime(MOMENT_FORMAT) == vocabulary.MOMENT_FORMAT
