"""Incidents: the case list with its filters (kept in the URL), and one case followed in full."""

from datetime import date

import streamlit as st

from analytics.cases import (
    CaseFilter,
    CaseNotFound,
    count_cases,
    describe_case_list,
    is_on_legal_hold,
    load_case,
    load_case_list,
    load_edit_history,
    load_status,
    record_legal_hold,
)
from analytics.figures import (
    available_terms,
)
from analytics.records import (
    record_case_opened,
)
from analytics.reporting import (
    describe_case_timeline,
    load_case_timeline,
)
from analytics.terms import parse_term
from analytics.vocabulary import (
    ABOUT,
    CATEGORIES,
    PLATFORMS,
    POSTED_BY,
    STATUSES,
    as_day,
    label_of,
)
from ui import clock
from ui.actions import (
    render_demo_banner,
    render_demo_offer,
)
from ui.auth import authorise, require_page
from ui.case_forms import render_evidence, render_step_forms
from ui.resources import (
    get_calendar,
    get_store,
)
from ui.widgets import (
    DATE_FORMAT,
    UrlState,
    inert,
    one_of,
    show_flash,
    show_table,
)

ROWS_SHOWN = 500
# The case this tab last recorded as opened.
CASE_OPENED_KEY = "incidents_case_opened"
OPEN_CASE_KEY, CASE_IN_URL_KEY = "incidents.open_case", "incidents.case_in_url"

account = require_page("incidents")
store = get_store()
st.title("Incidents")
render_demo_banner(store, account)

if count_cases(store) == 0:
    render_demo_offer(store, account)
    st.page_link("views/log_incident.py", label="Log an incident")
    st.stop()

# Every filter lives in the URL, so a filtered view can be bookmarked and shared.
calendar, today = get_calendar(), clock.today()
terms = [term.label for term in available_terms(store, calendar, today)]
url = UrlState("incidents")
url.seed("reported_from", None, date.fromisoformat)
url.seed("reported_to", None, date.fromisoformat)
# Not "term", which the Overview always sets: the list would open on one term only.
url.seed("reported_in", None, one_of(terms))
url.seed("person", "")
with st.container(border=True):
    first, second, third = st.columns(3)
    categories = url.codes(first, "Category", CATEGORIES, "category")
    platforms = url.codes(second, "Platform", PLATFORMS, "platform")
    statuses = url.codes(third, "Status", STATUSES, "status")
    first, second, third, fourth = st.columns(4)
    term = first.selectbox(
        "Term", terms, index=None, placeholder="Any term", key=url.key("reported_in")
    )
    reported_from = second.date_input(
        "Reported from", key=url.key("reported_from"), format=DATE_FORMAT
    )
    reported_to = third.date_input("Reported to", key=url.key("reported_to"), format=DATE_FORMAT)
    person = fourth.text_input(
        "Person reference", key=url.key("person"), placeholder="e.g. F-01",
        help="Every case of one person, by the reference the school gave them.",
    )  # fmt: skip
for name, value in {
    "reported_in": term, "reported_from": reported_from, "reported_to": reported_to,
    "person": person.strip() or None,
}.items():  # fmt: skip
    url.keep(name, value)

period = calendar.reporting_period(parse_term(term)) if term else None
case_filter = CaseFilter(
    categories=tuple(categories),
    platforms=tuple(platforms),
    statuses=tuple(statuses),
    # A term and dates together: the cases reported in both.
    reported_from=max(filter(None, [reported_from, period and period.start]), default=None),
    reported_to=min(filter(None, [reported_to, period and period.end]), default=None),
    person_ref=person,
)
cases = load_case_list(store, case_filter, row_limit=ROWS_SHOWN, today=today)
matching = int(cases["matching_cases"].iloc[0]) if len(cases) else 0
if matching > len(cases):
    st.caption(f"Showing the {len(cases):,} most recent of {matching:,} matching cases.")
else:
    st.caption(f"{matching:,} matching case(s).")
show_table(describe_case_list(cases))

# The chosen case is kept in the URL by its internal number, never its reference.
references = dict(zip(cases["id"].tolist(), cases["reference"].tolist(), strict=True))
asked_for = st.query_params.get("case", "")
chosen_id = int(asked_for) if asked_for.isdigit() else None
if chosen_id is not None and chosen_id not in references:
    try:
        references = {chosen_id: load_case(store, chosen_id).reference, **references}
    except CaseNotFound:
        st.info("That case is not in the register.")
        chosen_id = None
# The choice has a key of its own (its options change as cases are opened, and a widget
# without a key would then drop the next pick); the URL wins whenever it changed, as when
# a link opened a case.
if st.session_state.get(CASE_IN_URL_KEY) != asked_for:
    st.session_state[OPEN_CASE_KEY] = chosen_id
chosen_id = st.selectbox(
    "Open a case",
    list(references),
    format_func=lambda incident_id: references[incident_id],
    placeholder="Choose a case by its reference",
    key=OPEN_CASE_KEY,
)
st.session_state[CASE_IN_URL_KEY] = str(chosen_id) if chosen_id is not None else ""
if chosen_id is None:
    st.query_params.pop("case", None)
    st.session_state.pop(CASE_OPENED_KEY, None)  # choosing it again is another opening
    st.stop()
st.query_params["case"] = str(chosen_id)

case = load_case(store, chosen_id)
# Who looked: once per opening of a case in this tab, not at every rerun while it is open.
# Recorded before anything of the case is shown, so a view that cannot be audited fails.
if st.session_state.get(CASE_OPENED_KEY) != chosen_id:
    record_case_opened(store, account.actor, chosen_id, now=clock.now())
    st.session_state[CASE_OPENED_KEY] = chosen_id
st.header(f"Case {inert(case.reference)}")
st.markdown(f"**Status:** {label_of(STATUSES, load_status(store, chosen_id))}")
facts = {
    "Reported on": as_day(case.reported_on),
    "Posted on": as_day(case.posted_on) if case.posted_on else "not recorded",
    "Platform": label_of(PLATFORMS, case.platform) or "not recorded",
    "Posted by": label_of(POSTED_BY, case.posted_by) or "not recorded",
    "About": ", ".join(label_of(ABOUT, code) for code in case.about) or "not recorded",
    "Person reference": case.person_ref or "not recorded",
    "Categories": "; ".join(label_of(CATEGORIES, code) for code in case.categories),
}
columns = st.columns(3)
for position, (label, value) in enumerate(facts.items()):
    columns[position % 3].text(f"{label}: {value}")
if case.summary:
    st.text(case.summary)
if case.evidence_url:
    st.link_button("Open the evidence", case.evidence_url)
if case.closed_on:
    st.text(f"Closed on {as_day(case.closed_on)}. Rationale: {case.rationale}")

st.subheader("Timeline")
show_table(describe_case_timeline(load_case_timeline(store, chosen_id)))
edits = load_edit_history(store, chosen_id)
if len(edits):
    with st.expander(f"Changes to recorded fields ({len(edits)})"):
        show_table(edits)

if account.may("place_legal_hold"):
    on_hold = is_on_legal_hold(store, chosen_id)
    with st.expander("Legal hold (on hold)" if on_hold else "Legal hold"):
        reason = st.text_input("Reason (required)", key=f"hold_reason_{chosen_id}")
        action = "Lift the legal hold" if on_hold else "Place on legal hold"
        if st.button(action, key=f"hold_{chosen_id}"):
            if not reason.strip():
                st.error("Nothing was saved. Reason: is required.")
            elif acting := authorise("place_legal_hold"):
                record_legal_hold(
                    store,
                    chosen_id,
                    not on_hold,
                    actor=acting.actor,
                    reason=reason.strip(),
                    now=clock.now(),
                )
                st.rerun()

render_evidence(store, account, chosen_id)

st.subheader("Record a step")
show_flash()  # next to the forms, where the user's eyes are after saving a step
render_step_forms(store, chosen_id, case, account.actor)
