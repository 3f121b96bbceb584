"""Incidents: the case list with its filters (kept in the URL), and one case followed in full."""

import streamlit as st

from analytics.cases import (
    count_cases,
    load_case,
    load_case_list,
)
from ui import clock
from ui.actions import (
    render_demo_banner,
    render_demo_offer,
)
from ui.auth import require_page
from ui.case_forms import render_evidence, render_legal_hold, render_step_forms
from ui.case_view import (
    choose_case,
    record_opening,
    render_case,
    render_case_filters,
    render_case_list,
)
from ui.resources import (
    get_calendar,
    get_store,
)
from ui.widgets import show_flash

ROWS_SHOWN = 500

account = require_page("incidents")
store = get_store()
st.title("Incidents")
render_demo_banner(store, account)

if count_cases(store) == 0:
    render_demo_offer(store, account)
    st.page_link("views/log_incident.py", label="Log an incident")
    st.stop()

today = clock.today()
case_filter = render_case_filters(store, get_calendar(), today)
cases = load_case_list(store, case_filter, today=today, row_limit=ROWS_SHOWN)
render_case_list(cases)

incident_id = choose_case(store, cases)
if incident_id is None:
    st.stop()
case = load_case(store, incident_id)
# Recorded before anything of the case is shown, so a view that cannot be audited fails.
record_opening(store, account, incident_id)
render_case(store, incident_id, case)
render_legal_hold(store, account, incident_id)
render_evidence(store, account, incident_id)

st.subheader("Record a step")
show_flash()  # next to the forms, where the user's eyes are after saving a step
render_step_forms(store, incident_id, case, account.actor)
