"""Incidents: the case list with its filters (kept in the URL), and one case followed in full."""

from datetime import date

import streamlit as st

from analytics.register import (
    CaseFilter,
    CaseNotFound,
    count_cases,
    describe_case_list,
    describe_timeline,
    load_case,
    load_case_list,
    load_edit_history,
    load_stage,
)
from analytics.retention import is_on_legal_hold, record_legal_hold
from analytics.vocabulary import (
    ABOUT,
    CATEGORIES,
    PLATFORMS,
    POSTED_BY,
    STAGES,
    label_of,
)
from ui.auth import authorise, require_page
from ui.case_forms import render_step_forms
from ui.shared import (
    UrlState,
    get_store,
    inert,
    render_demo_banner,
    render_demo_offer,
    show_flash,
)

ROWS_SHOWN = 500

account = require_page("incidents")
store = get_store()
st.title("Incidents")
render_demo_banner(store, account)

if count_cases(store) == 0:
    render_demo_offer(store, account)
    st.page_link("views/log_incident.py", label="Log an incident")
    st.stop()

# Every filter lives in the URL, so a filtered view can be bookmarked and shared.
url = UrlState("incidents")
url.seed("reported_from", None, date.fromisoformat)
url.seed("reported_to", None, date.fromisoformat)
with st.container(border=True):
    first, second, third = st.columns(3)
    categories = url.codes(first, "Category", CATEGORIES, "category")
    platforms = url.codes(second, "Platform", PLATFORMS, "platform")
    stages = url.codes(third, "Stage", STAGES, "stage")
    first, second, _ = st.columns(3)
    reported_from = first.date_input("Reported from", key=url.key("reported_from"))
    reported_to = second.date_input("Reported to", key=url.key("reported_to"))
url.keep("reported_from", reported_from)
url.keep("reported_to", reported_to)

case_filter = CaseFilter(
    categories=tuple(categories),
    platforms=tuple(platforms),
    stages=tuple(stages),
    reported_from=reported_from,
    reported_to=reported_to,
)
cases = load_case_list(store, case_filter, row_limit=ROWS_SHOWN)
matching = int(cases["matching_cases"].iloc[0]) if len(cases) else 0
if matching > len(cases):
    st.caption(f"Showing the {len(cases):,} most recent of {matching:,} matching cases.")
else:
    st.caption(f"{matching:,} matching case(s).")
st.dataframe(describe_case_list(cases), hide_index=True)

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
options = list(references)
chosen_id = st.selectbox(
    "Open a case",
    options,
    index=options.index(chosen_id) if chosen_id in references else None,
    format_func=lambda incident_id: references[incident_id],
    placeholder="Choose a case by its reference",
)
if chosen_id is None:
    st.query_params.pop("case", None)
    st.stop()
st.query_params["case"] = str(chosen_id)

case = load_case(store, chosen_id)
st.header(f"Case {inert(case.reference)}")
st.markdown(f"**Stage:** {label_of(STAGES, load_stage(store, chosen_id))}")
facts = {
    "Reported on": case.reported_on,
    "Posted on": case.posted_on or "not recorded",
    "Platform": label_of(PLATFORMS, case.platform) or "not recorded",
    "Posted by": label_of(POSTED_BY, case.posted_by) or "not recorded",
    "About": ", ".join(label_of(ABOUT, code) for code in case.about) or "not recorded",
    "Person reference": case.person_ref or "not recorded",
}
columns = st.columns(3)
for position, (label, value) in enumerate(facts.items()):
    columns[position % 3].text(f"{label}: {value}")
if case.summary:
    st.text(case.summary)
if case.evidence_url:
    st.link_button("Open the evidence", case.evidence_url)
if case.closed_on:
    st.text(f"Closed on {case.closed_on}. Rationale: {case.rationale}")

st.subheader("Timeline")
st.dataframe(describe_timeline(case), hide_index=True)
edits = load_edit_history(store, chosen_id)
if len(edits):
    with st.expander(f"Changes to recorded fields ({len(edits)})"):
        st.dataframe(edits, hide_index=True)

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
                    store, chosen_id, not on_hold, actor=acting.actor, reason=reason.strip()
                )
                st.rerun()

st.subheader("Record a step")
show_flash()  # next to the forms, where the user's eyes are after saving a step
render_step_forms(store, chosen_id, case, account.actor)
