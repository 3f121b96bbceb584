"""Audit trail: every write and every case opened, by whom and why; filterable, never editable."""

import streamlit as st

from analytics.records import (
    describe_actor,
    find_audit_case,
    list_audit_choices,
    load_audit_trail,
    verify_audit_trail,
)
from analytics.reporting import describe_audit_trail
from ui.actions import render_download
from ui.auth import require_page
from ui.resources import get_store
from ui.widgets import (
    DATE_FORMAT,
    inert,
    show_table,
)

account = require_page("audit")
store = get_store()
st.title("Audit trail")

verdict = verify_audit_trail(store)
if verdict.whole:
    st.success(inert(verdict.message))
else:
    st.error(f"The trail is not as the app wrote it. {inert(verdict.message)}")

actors, actions = list_audit_choices(store)
first, second, third, fourth, fifth = st.columns(5)
actor = first.selectbox(
    "Person", actors, index=None, placeholder="Anyone", key="audit_actor",
    format_func=describe_actor,
)  # fmt: skip
chosen_actions = second.multiselect(
    "Action", actions, key="audit_actions", format_func=str.capitalize
)
start = third.date_input("From", value=None, key="audit_from", format=DATE_FORMAT)
end = fourth.date_input("To", value=None, key="audit_to", format=DATE_FORMAT)
reference = fifth.text_input("Case reference", key="audit_case", placeholder="Any case").strip()
case_id = find_audit_case(store, reference) if reference else None
if reference and case_id is None:
    st.info(f"No case has the reference {inert(reference)}.")
    st.stop()
trail = load_audit_trail(
    store, actor=actor, actions=chosen_actions, start=start, end=end, case_id=case_id
)
st.caption(f"{len(trail):,} row(s), newest first (at most 1,000 shown).")
show_table(describe_audit_trail(trail))
render_download(
    "Download these rows (CSV)", "audit_trail", actor=actor, action=chosen_actions, case=case_id,
    **{"from": start and start.isoformat(), "to": end and end.isoformat()},
)  # fmt: skip
