"""Log an incident: one form, checked by the same rules as an import."""

import streamlit as st

from analytics.cases import (
    MAX_TEXT_LENGTH,
    Case,
    CaseInvalid,
    record_case,
)
from analytics.vocabulary import ABOUT, CATEGORIES, PLATFORMS, POSTED_BY
from ui import clock
from ui.actions import render_demo_banner
from ui.auth import authorise, require_page
from ui.resources import get_store
from ui.widgets import (
    clear_form,
    code_label,
    date_field,
    flash,
    inert,
    input_key,
    show_flash,
    show_problems,
)

account = require_page("log_incident")
store = get_store()
st.title("Log an incident")
render_demo_banner(store, account)
show_flash()
if last_logged := st.session_state.get("last_logged_id"):
    st.page_link(
        "views/incidents.py",
        label="Open the case just logged",
        query_params={"case": str(last_logged)},
    )

# The form keeps every value after a failure, and is emptied only once the case is saved.
with st.form("log_incident"):
    st.caption(
        "Record what was posted and who it was about. Use the school's own case number "
        "and a person reference (a code such as F-07), never a name."
    )
    reference = st.text_input(
        "Reference (the school's case number)", key=input_key("log", "reference")
    )
    first, second = st.columns(2)
    reported_on = date_field(
        first, "Reported on", value="today", key=input_key("log", "reported_on")
    )
    posted_on = date_field(
        second, "Posted on (if known)", value=None, key=input_key("log", "posted_on")
    )
    platform = first.selectbox(
        "Platform",
        list(PLATFORMS),
        index=None,
        format_func=code_label(PLATFORMS),
        key=input_key("log", "platform"),
    )
    posted_by = second.selectbox(
        "Posted by",
        list(POSTED_BY),
        index=None,
        format_func=code_label(POSTED_BY),
        key=input_key("log", "posted_by"),
    )
    categories = st.multiselect(
        "Categories (one or more)",
        list(CATEGORIES),
        format_func=code_label(CATEGORIES),
        key=input_key("log", "categories"),
    )
    about = st.multiselect(
        "About", list(ABOUT), format_func=code_label(ABOUT), key=input_key("log", "about")
    )
    person_ref = st.text_input(
        "Person reference",
        help="A code the school assigns to the poster, never a name.",
        key=input_key("log", "person_ref"),
    )
    summary = st.text_area(
        "Summary",
        max_chars=MAX_TEXT_LENGTH,
        help="No names of children.",
        key=input_key("log", "summary"),
    )
    evidence_url = st.text_input("Evidence link", key=input_key("log", "evidence_url"))
    submitted = st.form_submit_button("Log incident", type="primary")

if submitted:
    case = Case(
        reference=reference,
        reported_on=reported_on,
        posted_on=posted_on,
        platform=platform,
        categories=tuple(categories),
        posted_by=posted_by,
        about=tuple(about),
        person_ref=person_ref,
        summary=summary,
        evidence_url=evidence_url,
    )
    if acting := authorise("log_case"):
        try:
            incident_id = record_case(store, case, actor=acting.actor, now=clock.now())
        except CaseInvalid as invalid:
            show_problems(invalid.problems)
        else:
            flash(f"Logged case {inert(case.reference.strip())}.")
            st.session_state["last_logged_id"] = incident_id
            clear_form("log")
            st.rerun()
