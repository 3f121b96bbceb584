"""The pieces every page draws with: tables and date fields in the school's format, problem
lists, text shown inert, flashes, the meeting display and the URL's state. No writes here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from analytics.problems import Problem
from analytics.reporting import display_height

DISPLAY_PARAM, MEETING_DISPLAY = "display", "meeting"


# For a projector at a governors' meeting: larger text everywhere, wider content.
_MEETING_STYLE = """
<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def in_meeting_display() -> bool:
    """Whether the page is in the meeting display (?display=meeting)."""
    return st.query_params.get(DISPLAY_PARAM) == MEETING_DISPLAY


def apply_display() -> None:
    """The meeting display's larger text, where the URL asks for it."""
    if in_meeting_display():
        st.html(_MEETING_STYLE)


def render_display_switch() -> None:
    """A switch to and from the meeting display; the URL keeps it, so it can be bookmarked."""
    meeting = st.toggle(
        "Meeting display (larger text)", value=in_meeting_display(), key="meeting_display"
    )
    if meeting != in_meeting_display():
        if meeting:
            st.query_params[DISPLAY_PARAM] = MEETING_DISPLAY
        else:
            st.query_params.pop(DISPLAY_PARAM, None)
        st.rerun()


# The widest dates the date fields let through: the browser's own date picker silently
# keeps the old value when a typed date is outside its range, and the form then saved a
# date never seen on screen. The case rules refuse out-of-range dates, naming the field,
# and the date stays as typed to be corrected.
_ANY_DATE = {"min_value": date(1900, 1, 1), "max_value": date(2999, 12, 31)}


# The school's day and moment (analytics.vocabulary.DAY_FORMAT and MOMENT_FORMAT) as
# Streamlit's widgets and tables write them.
DATE_FORMAT = "DD/MM/YYYY"


MOMENT_FORMAT = "DD/MM/YYYY HH:mm:ss"


def date_field(container, label: str, *, value, key: str, help: str | None = None):
    """A date input in the school's format (25/11/2026) that passes on whatever is typed."""
    return container.date_input(
        label, value=value, key=key, format=DATE_FORMAT, help=help, **_ANY_DATE
    )


def show_table(frame: pd.DataFrame, container=st) -> None:
    """A table with its days written 25/11/2026 and its moments 25/11/2026 14:05:09.

    The analytics give a day as a date and a moment as a timestamp, so the column's type
    says which it is; a table's own config would otherwise show both as 2026-11-25 00:00:00.
    """
    config, frame = {}, frame.copy()
    for name in frame.columns:
        column = frame[name]
        if _is_text(column):
            frame[name] = column.fillna("")  # an empty cell, where Streamlit writes "None"
        elif pd.api.types.is_datetime64_any_dtype(column):
            config[name] = st.column_config.DatetimeColumn(format=MOMENT_FORMAT)
        elif column.map(_is_day).any():
            config[name] = st.column_config.DateColumn(format=DATE_FORMAT)
    container.dataframe(frame, hide_index=True, column_config=config)


def _is_text(column: pd.Series) -> bool:
    present = column.dropna()
    return len(present) > 0 and present.map(lambda value: isinstance(value, str)).all()


def _is_day(value) -> bool:
    # A datetime (and pandas' Timestamp) is a date too: only a day without a time is one.
    return isinstance(value, date) and not isinstance(value, datetime)


def show_chart(container, chart, *, title: str, not_drawn: str | None) -> None:
    """A chart at the height it needs, or in its place its title and the one sentence that
    says why it is not drawn (every count in it hidden or zero)."""
    if not_drawn:
        container.markdown(f"**{title}**")
        container.caption(not_drawn)
    else:
        container.altair_chart(chart, width="stretch", height=display_height(chart))


def show_problems(problems: Iterable[Problem]) -> None:
    """Tell the user, field by field, why nothing was saved."""
    lines = "\n".join(f"- {inert(problem.for_people())}" for problem in problems)
    st.error(f"Nothing was saved. Please correct:\n{lines}")


# Characters Markdown would act on; a backslash makes each one print as itself.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&=])")


# What Streamlit's Markdown finds after escapes are read, so no backslash can stop it: web
# and email addresses made into links, emoji and icon shortcodes (":smile:"), arrows ("->").
# An invisible word joiner (U+2060) breaks each.
_FOUND_AFTER_ESCAPES = re.compile(
    r"(?<=:)(?=[\w/+-])|(?<=@)|(?<=www)(?=\.)|(?<=[-<>~])(?=[-<>=])", re.IGNORECASE
)


WORD_JOINER = "\u2060"


def inert(text: str) -> str:
    """Text that Markdown shows exactly as typed (problem messages quote what users typed):
    no link, image, emphasis or shortcode can form in it."""
    return _MARKDOWN.sub(r"\\\1", _FOUND_AFTER_ESCAPES.sub(WORD_JOINER, text))


def code_label(vocabulary: Mapping[str, str]):
    """A format_func showing a code's label."""
    return lambda code: vocabulary.get(code, code) if code is not None else ""


def flash(message: str) -> None:
    """Keep a success message to show after the rerun that follows a write."""
    st.session_state["flash_message"] = message


def show_flash() -> None:
    if message := st.session_state.pop("flash_message", None):
        st.success(message)


CASE_OPENINGS_KEY = "incidents_case_openings"  # how many openings this tab has recorded


def count_case_opening() -> None:
    """One more opening of a case in this tab (ui.case_view.record_opening counts them)."""
    st.session_state[CASE_OPENINGS_KEY] = current_opening() + 1


def current_opening() -> int:
    """Which opening of a case this tab is showing (1, 2, ...): what the case page does once
    per opening (a thumbnail put on the trail, a refusal kept on screen) is keyed by it."""
    return st.session_state.get(CASE_OPENINGS_KEY, 0)


def input_key(form: str, field: str) -> str:
    """The key of one input of a form, e.g. "log_reference_0".

    The number changes once the form is saved (see clear_form). Deleting a widget's state
    does not reach the browser, which would show, and could submit again, what was just
    saved; a new key gives a new, empty widget. After a failure the key stays, and so does
    everything the user typed.
    """
    return f"{form}_{field}_{st.session_state.get(f'{form}__version', 0)}"


def clear_form(form: str) -> None:
    """Give the form's inputs new keys, so they start empty on the next run."""
    version_key = f"{form}__version"
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1


class UrlState:
    """Widget values one page keeps in the URL (?name=value), so a view can be shared.

    The URL names are the same on every page (?category=racist filters any page), but the
    session keys are the page's own: one page's widget must never hold another's value.
    """

    def __init__(self, page: str) -> None:
        self.page = page

    def key(self, name: str) -> str:
        """The session key of the widget kept in the URL under name."""
        return f"{self.page}.{name}"

    def seed(self, name: str, default: Any, parse: Callable[[str], Any] = str) -> None:
        """Before the widget is drawn: start it from the URL's value, or from default.

        A value the URL gives that cannot be read (parse raises ValueError or LookupError)
        is ignored, so a mistyped link still opens a working page.
        """
        key = self.key(name)
        if key in st.session_state:
            return
        raw = st.query_params.get(name)
        try:
            st.session_state[key] = parse(raw) if raw else default
        except (ValueError, LookupError):
            st.session_state[key] = default

    def keep(self, name: str, value: Any) -> None:
        """After the widget is drawn: put its value in the URL (dates as YYYY-MM-DD)."""
        if value is None or value == []:
            st.query_params.pop(name, None)
        elif isinstance(value, list):
            st.query_params[name] = value
        else:
            st.query_params[name] = value.isoformat() if isinstance(value, date) else str(value)

    def codes(self, container, label: str, vocabulary: Mapping[str, str], name: str) -> list[str]:
        """A multiselect of codes kept in the URL as ?name=code&name=code.

        Streamlit's own binding writes each option's label into the URL; labels may be
        reworded, codes never change, so shared links use codes.
        """
        key = self.key(name)
        if key not in st.session_state:
            st.session_state[key] = [c for c in st.query_params.get_all(name) if c in vocabulary]
        chosen = container.multiselect(
            label, list(vocabulary), format_func=code_label(vocabulary), key=key
        )
        self.keep(name, chosen)
        return chosen


def one_of(options: Iterable[str]) -> Callable[[str], str]:
    """A parse for seed_from_url accepting only the given options."""
    allowed = list(options)

    def parse(text: str) -> str:
        if text not in allowed:
            raise LookupError(text)
        return text

    return parse
