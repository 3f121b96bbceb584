"""Audit trail: every write, by whom and why; filterable, downloadable, never editable."""

import streamlit as st

from analytics.audit import list_audit_choices, load_audit_trail, verify_audit_chain
from ui.auth import require_page
from ui.shared import get_store, render_download

account = require_page("audit")
store = get_store()
st.title("Audit trail")

broken_at = verify_audit_chain(store)
if broken_at is None:
    st.success("The trail is whole: no row has been changed or removed since it was written.")
else:
    st.error(f"The trail has been altered outside the app, at or just before row {broken_at}.")

actors, actions = list_audit_choices(store)
first, second, third, fourth = st.columns(4)
actor = first.selectbox("Person", actors, index=None, placeholder="Anyone", key="audit_actor")
chosen_actions = second.multiselect("Action", actions, key="audit_actions")
start = third.date_input("From", value=None, key="audit_from")
end = fourth.date_input("To", value=None, key="audit_to")
trail = load_audit_trail(store, actor=actor, actions=chosen_actions, start=start, end=end)
st.caption(f"{len(trail):,} row(s), newest first (at most 1,000 shown).")
st.dataframe(trail, hide_index=True)
render_download(
    "Download these rows (CSV)", "audit_trail", actor=actor, action=chosen_actions,
    **{"from": start and start.isoformat(), "to": end and end.isoformat()},
)  # fmt: skip
