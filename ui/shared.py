"""The pieces every page uses: the process-wide store, the demo banner, problem lists."""

from __future__ import annotations

import atexit
import html
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analytics.accounts import Account, issue_setup_code
from analytics.backup import serve_backup_requests
from analytics.bootstrap import open_dashboard_store
from analytics.cases import Problem, RulesBroken
from analytics.demo import DemoRefused, load_demo_data, remove_demo_data
from analytics.downloads import download_url
from analytics.figures.disclosure import Disclosed
from analytics.figures.releases import disclose_overview
from analytics.freshness import load_latest_change
from analytics.overview import Scope
from analytics.register import count_cases
from analytics.store import Store, StoreInUse, database_path
from analytics.terms import TermCalendar, load_term_calendar, terms_path

DEMO_CASES_OFFERED = 300


@st.cache_resource(show_spinner=False, on_release=lambda store: store.close())
def _store_at(path: str) -> Store:
    store = open_dashboard_store(get_calendar(), path)
    announce_setup_code(store)
    # While the app holds the file, command-line backups are made here, on request.
    serve_backup_requests(store)
    # Close (and checkpoint) on the way out, even though the backup thread still holds it.
    atexit.register(store.close)
    return store


def announce_setup_code(store: Store) -> None:
    """On a store with no account, print the one-time setup code on the server's console,
    as Jupyter prints its token: only someone who can see the server can take the store."""
    code = issue_setup_code(store)
    if code:
        print(
            f"\n  This store has no account yet. To create the headteacher's account, open the "
            f"app and enter this one-time setup code:\n\n      {code}\n",
            file=sys.stderr,
            flush=True,
        )


def get_store() -> Store:
    """The one store of this process, opened (migrated and seeded) on first use. If another
    process holds it, the page says so plainly, naming that process, and stops."""
    try:
        return _store_at(str(database_path()))
    except StoreInUse as in_use:
        st.error(str(in_use))
        st.stop()


@st.cache_resource(show_spinner=False)
def _calendar_from(path: str, modified: float) -> TermCalendar:
    return load_term_calendar(Path(path))


def get_calendar() -> TermCalendar:
    """The school's term calendar, read again whenever its file changes."""
    return _calendar_from(*_terms_stamp())


def _terms_stamp() -> tuple[str, float]:
    path = terms_path()
    return str(path), path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(max_entries=64, show_spinner=False)
def _overview_at(
    path: str,
    latest_change: tuple[int, str],
    terms: tuple,
    scope: Scope,
    today: date,
    audience: str,
    threshold: int,
    _store: Store,
    _calendar,
) -> Disclosed:
    return disclose_overview(
        _store, scope, _calendar, today=today, audience=audience, threshold=threshold
    )


def cached_overview(
    store: Store, scope: Scope, calendar: TermCalendar, today: date, audience: str, threshold: int
) -> Disclosed:
    """The overview's figures as the audience may see them, computed once per scope, day
    and audience until the next write.

    Every write that can change a figure adds an audit row, so the newest row is the key:
    a cached figure is never out of date, even for a new store object or a restored file.
    """
    return _overview_at(
        str(store.path), load_latest_change(store), _terms_stamp(), scope, today, audience,
        threshold, store, calendar,
    )  # fmt: skip


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


def render_demo_banner(store: Store, account: Account) -> None:
    """While the store holds demonstration cases, say so; the headteacher may remove them."""
    demo_cases = count_cases(store, demo=True)
    if not demo_cases:
        return
    with st.container(border=True):
        st.warning(
            f"This store holds {demo_cases:,} demonstration cases. They are made up, "
            "for trying the dashboard out: no figure here is real."
        )
        if account.may("manage_demo_data") and st.button(
            "Remove demonstration data", key="remove_demo"
        ):
            if not (acting := _authorise("manage_demo_data")):
                return
            removed = remove_demo_data(store, actor=acting.actor)
            st.toast(f"Removed {removed:,} demonstration cases.")
            st.rerun()


def render_demo_offer(store: Store, account: Account) -> None:
    """On an empty store, offer demonstration data so a new user sees a living dashboard."""
    st.info(
        "No incidents are logged yet. Log the first one, or load demonstration data to "
        "see how the dashboard works; it is marked as such and removed with one button."
    )
    if not account.may("manage_demo_data"):
        return
    if st.button(f"Load demonstration data ({DEMO_CASES_OFFERED} cases)", key="load_demo"):
        if not (acting := _authorise("manage_demo_data")):
            return
        try:
            load_demo_data(store, DEMO_CASES_OFFERED, actor=acting.actor)
        except DemoRefused as refusal:
            st.error(f"Demonstration data not loaded: {refusal}.")
        else:
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


def _authorise(action: str) -> Account | None:
    # Imported here: ui.auth draws its forms with the helpers of this module.
    from ui.auth import authorise

    return authorise(action)


def render_download(label: str, kind: str, **params) -> None:
    """A link to a file the server makes when it is followed, for whoever is signed in
    then (see analytics.downloads): never made while the page is drawn."""
    url = html.escape(download_url(kind, **params), quote=True)
    st.html(
        f'<a href="{url}" download class="download-link" style="{_DOWNLOAD_STYLE}">'
        f"{html.escape(label)}</a>"
    )


# A link drawn as a secondary button, in the theme's own colours.
_DOWNLOAD_STYLE = (
    "display:inline-block;padding:0.4rem 0.75rem;border:1px solid currentColor;"
    "border-radius:0.5rem;color:inherit;text-decoration:none;"
)


def save(write: Callable[[], object], message: str, form: str, *, action: str) -> None:
    """Run one write, if the account may take the action at this moment; on success say so
    and empty the form, else list what to correct (keeping everything the user typed)."""
    if _authorise(action) is None:
        return
    try:
        write()
    except RulesBroken as broken:
        show_problems(broken.problems)
    else:
        flash(message)
        clear_form(form)
        st.rerun()


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
