"""The Incidents page's pieces: the list's filters (kept in the URL), choosing a case, its
opening on the audit trail, and one case as recorded with its timeline."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.access import Account
from analytics.cases import (
    Case,
    CaseFilter,
    CaseNotFound,
    describe_case_list,
    describe_case_timeline,
    load_case,
    load_case_timeline,
    load_edit_history,
    load_status,
)
from analytics.figures import available_terms
from analytics.records import (
    Store,
    record_case_opened,
)
from analytics.terms import TermCalendar, parse_term
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
from ui.widgets import (
    DATE_FORMAT,
    UrlState,
    count_case_opening,
    inert,
    one_of,
    show_table,
)

# The case this tab last recorded as opened.
CASE_OPENED_KEY = "incidents_case_opened"
OPEN_CASE_KEY, CASE_IN_URL_KEY = "incidents.open_case", "incidents.case_in_url"


def render_case_filters(store: Store, calendar: TermCalendar, today: date) -> CaseFilter:
    """The list's filters, each kept in the URL so a filtered view can be bookmarked and
    shared; returns the cases they choose."""
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
        reported_to = third.date_input(
            "Reported to", key=url.key("reported_to"), format=DATE_FORMAT
        )
        person = fourth.text_input(
            "Person reference", key=url.key("person"), placeholder="e.g. F-01",
            help="Every case of one person, by the reference the school gave them.",
        )  # fmt: skip
    for name, value in {
        "reported_in": term, "reported_from": reported_from, "reported_to": reported_to,
        "person": person.strip() or None,
    }.items():  # fmt: skip
        url.keep(name, value)
    chosen = CaseFilter(
        categories=tuple(categories),
        platforms=tuple(platforms),
        statuses=tuple(statuses),
        reported_from=reported_from,
        reported_to=reported_to,
        person_ref=person,
    )
    return chosen.within(calendar.reporting_period(parse_term(term)) if term else None)


def render_case_list(cases: pd.DataFrame) -> None:
    """The cases of load_case_list, with how many matched in all."""
    matching = int(cases["matching_cases"].iloc[0]) if len(cases) else 0
    if matching > len(cases):
        st.caption(f"Showing the {len(cases):,} most recent of {matching:,} matching cases.")
    else:
        st.caption(f"{matching:,} matching case(s).")
    show_table(describe_case_list(cases))


def choose_case(store: Store, cases: pd.DataFrame) -> int | None:
    """The case to open: chosen from the list, or named in the URL (?case=, its internal
    number, never its reference, even if the filters leave it out). None if none is."""
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
    # without a key would then drop the next pick); the URL wins whenever it changed, as
    # when a link opened a case.
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
        return None
    st.query_params["case"] = str(chosen_id)
    return chosen_id


def record_opening(store: Store, account: Account, incident_id: int) -> None:
    """Who looked: once per opening of a case in this tab, not at every rerun while it is
    open (analytics.records.record_case_opened)."""
    if st.session_state.get(CASE_OPENED_KEY) != incident_id:
        record_case_opened(store, account.actor, incident_id, now=clock.now())
        st.session_state[CASE_OPENED_KEY] = incident_id
        count_case_opening()


def render_case(store: Store, incident_id: int, case: Case) -> None:
    """One case as recorded: its status and facts, then its timeline and any corrections."""
    st.header(f"Case {inert(case.reference)}")
    st.markdown(f"**Status:** {label_of(STATUSES, load_status(store, incident_id))}")
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
    show_table(describe_case_timeline(load_case_timeline(store, incident_id)))
    edits = load_edit_history(store, incident_id)
    if len(edits):
        with st.expander(f"Changes to recorded fields ({len(edits)})"):
            show_table(edits)
