"""Everything a user typed is shown as text wherever it appears: no page draws an image,
a link, a colour, a formula or markup from a case reference, a name or a policy title.

One store holds hostile Markdown in every field people type; every page is opened on it,
and every element whose text Streamlit renders as Markdown is checked, found by walking
the whole page (so a page added later is covered without changing this test).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import record_account
from analytics.access.roles import PAGES_BY_ROLE
from analytics.cases.register import find_case_id, record_case, record_edit
from analytics.cases.retention import record_legal_hold
from analytics.cases.rules import Case, EscalationStep
from analytics.policies.register import record_policy
from analytics.records.opening import open_store
from analytics.records.settings import SCHOOL_NAME, record_setting
from analytics.reporting.report import gather_report_figures, last_complete_term
from analytics.reporting.snapshots import freeze_report
from analytics.terms import TermCalendar
from tests.conftest import PINNED_NOW, at_ten
from tests.views.conftest import PASSWORD, app_as, open_page, seeded
from ui.widgets import inert

# Hostile Markdown as people might type it (each kind of text has its own rules).
IMAGE = "![t](http://example.org/p.png)"
REFERENCE = IMAGE  # 30 characters: a reference may have up to 40
NAME = "**bold** [x](http://example.org) ![t](http://example.org/p.png)"
TITLE = ":red[alarm] $x^2$ <img src=x> ![t](http://example.org/p.png)"
TEXT = f"# Heading\n- {IMAGE} :red[alarm] $x^2$ <img src=x> **bold** [x](http://example.org)"
USERNAME = "__u__"  # usernames allow only a-z, 0-9, '.', '_' and '-': this one is bold
GOVERNOR = "_g_"  # and this one italic
PERSON_REF = "P/__b__"  # person references allow '/', '_' and '-'
EMAIL = "![t](http://example.org/p.png)@example.org"
EVIDENCE = "http://example.org/![t](http://example.org/p.png)"

# Markdown that would act, wherever it appears unescaped in the text sent to the browser.
ACTIVE = {
    "an image or link target": re.compile(r"(?<!\\)\]\(http"),
    "an image": re.compile(r"(?<!\\)!\["),
    "a colour directive": re.compile(r"(?<!\\):red\["),
    "a formula": re.compile(r"(?<!\\)\$x"),
    "markup": re.compile(r"(?<!\\)<img"),
    "bold": re.compile(r"(?<!\\)(\*\*bold|__\w+__)"),
    "italics": re.compile(r"(?<!\\)_g_"),
}

# Element fields Streamlit 1.67 shows as plain text, never as Markdown: a widget's value,
# the options of a drop-down (selectbox, multiselect: radio options are Markdown),
# st.text, st.code, st.dataframe's column names, charts and addresses. Every other string
# of every element (labels, help, bodies, metric values) is rendered as Markdown.
PLAIN_FIELDS = {
    ("text", "body"),
    ("code", "code_text"),
    ("selectbox", "options"),
    ("selectbox", "raw_value"),
    ("selectbox", "default"),
    ("multiselect", "options"),
    ("multiselect", "raw_values"),
    ("multiselect", "default"),
    ("text_input", "value"),
    ("text_input", "default"),
    ("text_area", "value"),
    ("text_area", "default"),
    ("link_button", "url"),
    ("page_link", "page"),
    ("page_link", "url_path"),
    ("dataframe", "columns"),
    ("vega_lite_chart", "spec"),
    ("vega_lite_chart", "datasets"),
}
# Fields that are never shown, only name the element or carry data.
HIDDEN_FIELDS = {"id", "form_id", "key", "page_script_hash", "type", "data", "arrow_data"}


def seed_hostile_store(store) -> None:
    calendar, today = TermCalendar(), PINNED_NOW.date()
    record_account(
        store, USERNAME, NAME, "headteacher", PASSWORD, EMAIL, actor="setup", now=PINNED_NOW
    )
    record_account(
        store, GOVERNOR, NAME + " (governor)", "governor", PASSWORD, actor=USERNAME, now=PINNED_NOW
    )
    record_setting(store, SCHOOL_NAME, TITLE, actor=USERNAME, now=PINNED_NOW)
    long_ago = today - timedelta(days=3653)  # ten years ago: overdue, past disposal
    record_policy(
        store, TITLE, TEXT, long_ago, NAME, f"Autumn {long_ago.year + 3}",
        actor=USERNAME, calendar=calendar, now=at_ten(today),
    )  # fmt: skip
    term = last_complete_term(calendar, today)
    reported = calendar.first_day(term) + timedelta(days=7)
    open_case = Case(
        REFERENCE, reported, ("complaints",), platform="facebook", person_ref=PERSON_REF,
        summary=TEXT, evidence_url=EVIDENCE, discussion_on=reported,
        discussion_outcome="refused", actions=(EscalationStep("police", reported, TEXT),),
    )  # fmt: skip
    incident_id = record_case(store, open_case, actor=USERNAME, now=PINNED_NOW)
    record_edit(
        store, incident_id, {"summary": TEXT + " (edited)"}, TEXT, actor=USERNAME, now=PINNED_NOW
    )
    closed = Case(
        IMAGE + " 2", long_ago, ("racist",), person_ref=PERSON_REF, summary=TEXT,
        closed_on=long_ago + timedelta(days=3), outcome=TEXT, rationale=TEXT,
    )  # fmt: skip
    record_case(store, closed, actor=USERNAME, now=at_ten(long_ago + timedelta(days=3)))
    held_id = record_case(
        store, Case(IMAGE + " 3", reported, ("racist",)), actor=USERNAME, now=PINNED_NOW
    )
    record_legal_hold(store, held_id, True, actor=USERNAME, reason=TEXT, now=PINNED_NOW)
    figures = gather_report_figures(store, calendar, term, school=TITLE, today=today)
    freeze_report(store, figures, "circulation", 5, today, actor=USERNAME, now=PINNED_NOW)


def shown_as_markdown(app: AppTest):
    """(where, text) for every piece of text on the page that Streamlit renders as
    Markdown: every string of every element, in the main area, the sidebar and toasts,
    except the fields it shows as plain text."""
    for node in [*app.main, *app.sidebar, *app.toast]:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "table":  # st.table renders Markdown in its cells
            frame = node.value
            for text in [*map(str, frame.columns), *frame.astype(str).to_numpy().ravel()]:
                yield "table", text
        yield from _texts(node.type, proto, node.type)


def _texts(kind: str, message: Message, where: str):
    for descriptor, value in message.ListFields():
        name = descriptor.name
        if name in HIDDEN_FIELDS or (kind, name) in PLAIN_FIELDS:
            continue
        for item in value if descriptor.is_repeated else [value]:
            if isinstance(item, Message):
                yield from _texts(kind, item, f"{where}.{name}")
            elif isinstance(item, str):
                yield f"{where}.{name}", item


def active_markdown(texts) -> list[str]:
    """What in these (where, text) pairs Markdown would act on."""
    return [
        f"{where} shows {what}: {text!r}"
        for where, text in texts
        for what, pattern in ACTIVE.items()
        if pattern.search(text)
    ]


def assert_inert(app: AppTest) -> None:
    found = active_markdown(shown_as_markdown(app))
    assert not found, "\n".join(found)


VIEWS = sorted(path.stem for path in (Path(__file__).resolve().parents[2] / "views").glob("*.py"))


def press(app: AppTest, label: str) -> AppTest:
    next(button for button in app.button if button.label == label).click().run()
    assert not app.exception, app.exception
    return app


def every_page(app: AppTest, views: list[str], **open_case: str) -> list[tuple[str, str]]:
    """(where, text) shown as Markdown on each of the views (Incidents with a case open)."""
    texts = []
    for view in views:
        open_page(app, f"views/{view}.py", **(open_case if view == "incidents" else {}))
        if view == "incidents" and open_case:
            assert app.header, "the case did not open"
        texts += [(f"{view}: {where}", text) for where, text in shown_as_markdown(app)]
    return texts


def test_every_page_shows_what_people_typed_as_text(db_path):
    seeded(db_path, seed_hostile_store)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        incident_id = find_case_id(store, REFERENCE)
    finally:
        store.close()
    # The headteacher opens every page there is; a governor those open to governors.
    headteacher = every_page(app_as(db_path).run(), VIEWS, case=str(incident_id))
    governors_views = sorted(PAGES_BY_ROLE["governor"])
    governor = every_page(app_as(db_path, "governor").run(), governors_views)
    texts = headteacher + [(f"as a governor, {where}", text) for where, text in governor]
    found = active_markdown(texts)
    assert not found, "\n".join(found)
    # Not because nothing typed was shown: it was, as text.
    shown = " ".join(text for _, text in texts)
    for typed in (REFERENCE, NAME, TITLE, USERNAME):
        assert inert(typed) in shown


def test_messages_after_saving_show_what_people_typed_as_text(db_path):
    seeded(db_path, seed_hostile_store)
    app = app_as(db_path).run()

    open_page(app, "views/log_incident.py")
    app.text_input(key="log_reference_0").input(IMAGE + " 4")
    app.multiselect(key="log_categories_0").set_value(["complaints"])
    press(app, "Log incident")
    assert app.success, "the case was not logged"
    assert_inert(app)

    open_page(app, "views/policies.py")
    app.text_input(key="policy_title_0").input(TITLE + " 2")
    press(app, "Add the policy")
    assert app.success, "the policy was not added"
    assert_inert(app)

    open_page(app, "views/accounts.py")
    app.text_input(key="account_username_0").input("__n__")
    app.text_input(key="account_name_0").input(NAME)
    app.selectbox(key="account_role_0").set_value("governor")
    app.text_input(key="account_password_0").input(PASSWORD)
    press(app, "Add the account")
    assert app.success, "the account was not added"
    assert_inert(app)
