"""The script each browser tab runs (served by app.py): page settings, sign-in, and
navigation over the views the role may open."""

import streamlit as st

from ui.auth import current_account, render_account_bar, sign_in_gate
from ui.resources import get_store
from ui.widgets import (
    apply_display,
    in_meeting_display,
)

st.set_page_config(
    page_title="Parental social media incidents",
    layout="wide",
    # The meeting display (?display=meeting, bookmarkable) starts with the sidebar folded.
    initial_sidebar_state="collapsed" if in_meeting_display() else "auto",
)
apply_display()

VIEWS = {
    "overview": st.Page("views/overview.py", title="Overview", default=True),
    "incidents": st.Page("views/incidents.py", title="Incidents"),
    "log_incident": st.Page("views/log_incident.py", title="Log an incident"),
    "termly_report": st.Page("views/termly_report.py", title="Termly report"),
    "policies": st.Page("views/policies.py", title="Policies"),
    "accounts": st.Page("views/accounts.py", title="Accounts"),
    "audit": st.Page("views/audit.py", title="Audit trail"),
    "retention": st.Page("views/retention.py", title="Retention"),
}

store = get_store()
account = current_account(store)
# Navigation is built before sign-in (hidden, and never run) so that a link to a page keeps
# its page and query parameters through signing in.
navigation = st.navigation(
    [view for key, view in VIEWS.items() if account is None or account.may_open(key)],
    position="sidebar" if account else "hidden",
)
account = sign_in_gate(store)
render_account_bar(store, account)
navigation.run()
