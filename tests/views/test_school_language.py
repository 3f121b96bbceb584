"""Every screen speaks the school's language: days as 25/11/2026, moments as
25/11/2026 14:05:09, labels and case references, never codes, ids or column names.

One store holds a row of every kind a screen lists (open, closed, edited, escalated and
held cases, cases past disposal, reviewed policies, frozen reports, settings changed,
accounts); every page is opened on it as each role, and everything it shows is read, found
by walking the whole page (so a page added later is covered without changing this test).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import record_account, record_role
from analytics.access.roles import PAGES_BY_ROLE, ROLES
from analytics.cases.register import find_case_id, record_case, record_edit
from analytics.cases.retention import record_legal_hold
from analytics.cases.rules import Case, EscalationStep
from analytics.policies.register import record_policy, record_review
from analytics.records.opening import open_store
from analytics.records.settings import BACKUP_FOLDER, SUPPRESSION_THRESHOLD, record_setting
from analytics.reporting.report import gather_report_figures, last_complete_term
from analytics.reporting.snapshots import freeze_report
from analytics.terms import TermCalendar
from analytics.vocabulary import (
    ABOUT,
    CATEGORIES,
    DISCUSSION_OUTCOMES,
    ESCALATION_ACTIONS,
    PLATFORMS,
    POSTED_BY,
    REPORT_MODES,
    STATUSES,
)
from tests.conftest import PINNED_NOW, at_ten
from tests.views.conftest import PASSWORD, app_as, open_page, seeded
from ui.widgets import (
    DATE_FORMAT,
    MOMENT_FORMAT,
)

VIEWS = sorted(path.stem for path in (Path(__file__).resolve().parents[2] / "views").glob("*.py"))
REFERENCE = "2025-101"

# What the school never reads on a screen.
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MIDNIGHT = re.compile(r"\b00:00(:00)?\b")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a code or a column name
CODES = {
    code
    for vocabulary in (
        ABOUT, CATEGORIES, DISCUSSION_OUTCOMES, ESCALATION_ACTIONS, PLATFORMS, POSTED_BY,
        REPORT_MODES, ROLES, STATUSES,
    )
    for code in vocabulary
}  # fmt: skip
# Fields that are never shown as they are: they name the element, carry its data or its
# settings in the browser's own notation (a table's data and config are read below).
HIDDEN_FIELDS = {"id", "form_id", "key", "page_script_hash", "type", "data", "arrow_data"}
MACHINE_FIELDS = {
    *(("date_input", name) for name in ("min", "max", "default", "value")),
    ("dataframe", "columns"),
    ("page_link", "page"),
    ("page_link", "url_path"),
    ("link_button", "url"),
}


def seed_every_kind_of_row(store) -> None:
    calendar, today = TermCalendar(), PINNED_NOW.date()
    record_account(
        store, "head", "Mrs Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
    )
    staff = record_account(
        store, "teacher", "Mr Teacher", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )
    record_role(store, staff.id, "staff", actor="head", now=PINNED_NOW)
    record_account(store, "gov", "Ms Governor", "governor", PASSWORD, actor="head", now=PINNED_NOW)
    record_setting(store, SUPPRESSION_THRESHOLD, "4", actor="head", now=PINNED_NOW)
    record_setting(store, BACKUP_FOLDER, "/srv/school-backups", actor="head", now=PINNED_NOW)
    long_ago = today - timedelta(days=3653)  # ten years ago: overdue, past disposal
    policy_id = record_policy(
        store, "Online safety", "Text.", long_ago, "Full Governing Body",
        f"Autumn {long_ago.year + 3}", actor="head", calendar=calendar, now=at_ten(today),
    )  # fmt: skip
    record_review(
        store, policy_id, long_ago + timedelta(days=400), "Full Governing Body",
        f"Autumn {long_ago.year + 4}", actor="head", calendar=calendar, now=at_ten(today),
    )  # fmt: skip
    term = last_complete_term(calendar, today)
    reported = calendar.first_day(term) + timedelta(days=7)
    escalated = Case(
        REFERENCE, reported, ("complaints", "racist"), platform="school_website_or_forum",
        posted_by="parent", about=("staff",), person_ref="F-01", summary="A post.",
        posted_on=reported - timedelta(days=1), discussion_on=reported,
        discussion_outcome="refused",
        actions=(
            EscalationStep("written_warning", reported, "Sent."),
            EscalationStep("access_blocked", reported + timedelta(days=1), None),
        ),
    )  # fmt: skip
    incident_id = record_case(store, escalated, actor="head", now=PINNED_NOW)
    record_edit(
        store, incident_id, {"summary": "A post, corrected.", "posted_by": "other_associated"},
        "Typo", actor="head", now=PINNED_NOW,
    )  # fmt: skip
    settled = Case(
        "2025-102", reported, ("offensive_comments",), platform="facebook",
        discussion_on=reported, discussion_outcome="removed",
        closed_on=reported + timedelta(days=2), outcome="Removed.", rationale="Settled.",
    )  # fmt: skip
    record_case(store, settled, actor="teacher", now=PINNED_NOW)
    past_disposal = Case(
        "2015-001", long_ago, ("racist",), closed_on=long_ago + timedelta(days=3),
        outcome="Done.", rationale="Closed.",
    )  # fmt: skip
    record_case(store, past_disposal, actor="head", now=at_ten(long_ago + timedelta(days=3)))
    held_id = record_case(
        store, Case("2025-103", reported, ("racist",)), actor="head", now=PINNED_NOW
    )
    record_legal_hold(
        store, held_id, True, actor="head", reason="Solicitor's letter", now=PINNED_NOW
    )
    figures = gather_report_figures(store, calendar, term, school="A school", today=today)
    for mode in REPORT_MODES:
        freeze_report(store, figures, mode, 5, today, actor="head", now=PINNED_NOW)


def walk(kind: str, message: Message, where: str):
    """(where, text) for every string an element shows, but its addresses."""
    for descriptor, value in message.ListFields():
        name = descriptor.name
        if name in HIDDEN_FIELDS or (kind, name) in MACHINE_FIELDS:
            continue
        for item in value if descriptor.is_repeated else [value]:
            if isinstance(item, Message):
                yield from walk(kind, item, f"{where}.{name}")
            elif isinstance(item, str):
                yield f"{where}.{name}", item


def problems_on(app: AppTest, page: str) -> list[str]:
    """Everything on the page the school would not write."""
    found = []
    for node in [*app.main, *app.sidebar]:
        proto = getattr(node, "proto", None)
        if proto is None or node.type in {"vega_lite_chart", "html"}:
            # Charts are read by their own tests; st.html carries our download links.
            continue
        for where, text in walk(node.type, proto, f"{page}: {node.type}"):
            found += [f"{where} shows {text!r}" for pattern in (ISO_DAY, MIDNIGHT, SNAKE_CASE)
                      if pattern.search(text)]  # fmt: skip
        if node.type == "date_input" and proto.format != DATE_FORMAT:
            found.append(f"{page}: date field {proto.label!r} is written {proto.format}")
        if node.type == "dataframe":
            found += table_problems(node, page)
    return found


def table_problems(node, page: str) -> list[str]:
    frame, config = node.value, json.loads(node.proto.columns or "{}")
    found = []
    for name in map(str, frame.columns):
        where = f"{page}: table column {name!r}"
        if name and ((not name[0].isupper() and not name[0].isdigit()) or "_" in name):
            found.append(f"{where} is a column name, not a heading")
        column = frame[name]
        days = (
            pd.api.types.is_datetime64_any_dtype(column)
            or column.map(lambda value: isinstance(value, date)).any()
        )
        written = config.get(name, {}).get("type_config", {}).get("format")
        if days and written not in {DATE_FORMAT, MOMENT_FORMAT}:
            found.append(f"{where} holds dates written {written or 'as 2026-11-25 00:00:00'}")
        texts = [value for value in column if isinstance(value, str)]
        if texts and column.isna().any():
            found.append(f"{where} shows None for an empty cell")
        for cell in texts:
            if cell in CODES or ISO_DAY.search(cell) or SNAKE_CASE.fullmatch(cell):
                found.append(f"{where} shows {cell!r}")
    return found


def read_every_page(app: AppTest, views: list[str], case_id: int) -> list[str]:
    found = []
    for view in views:
        open_page(
            app, f"views/{view}.py", **({"case": str(case_id)} if view == "incidents" else {})
        )
        found += problems_on(app, view)
    return found


def test_every_page_for_every_role_speaks_the_schools_language(db_path):
    seeded(db_path, seed_every_kind_of_row)
    store = open_store(db_path, now=PINNED_NOW)
    try:
        case_id = find_case_id(store, REFERENCE)
    finally:
        store.close()
    found = []
    for role, views in [
        ("headteacher", VIEWS),
        ("staff", sorted(PAGES_BY_ROLE["staff"])),
        ("governor", sorted(PAGES_BY_ROLE["governor"])),
    ]:
        app = app_as(db_path, role).run()
        found += [f"as {role}, {problem}" for problem in read_every_page(app, views, case_id)]
    assert not found, "\n".join(found)
