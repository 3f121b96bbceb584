"""The forms that follow a case: discussion, escalation, removal, closing, edits, legal
hold and evidence."""

from __future__ import annotations

import base64
import html

import streamlit as st

from analytics.access import Account
from analytics.cases import (
    CODE_FIELDS,
    CODE_LIST_FIELDS,
    DATE_FIELDS,
    EDITABLE_FIELDS,
    LONG_TEXT_FIELDS,
    MAX_TEXT_LENGTH,
    Case,
    EscalationStep,
    describe_upload_limits,
    is_on_legal_hold,
    load_evidence_list,
    record_closing,
    record_discussion,
    record_edit,
    record_escalation,
    record_evidence,
    record_legal_hold,
    record_removal,
    record_thumbnails_viewed,
)
from analytics.problems import RulesBroken
from analytics.records import Store
from analytics.vocabulary import DISCUSSION_OUTCOMES, ESCALATION_ACTIONS, FIELD_LABELS, as_day
from ui import clock
from ui.actions import (
    render_download,
    save,
)
from ui.auth import authorise
from ui.widgets import (
    code_label,
    current_opening,
    date_field,
    flash,
    inert,
    input_key,
    show_problems,
)


def render_step_forms(store: Store, incident_id: int, case: Case, actor: str) -> None:
    """One tab per next step the case can take; steps already recorded are edited instead."""
    tabs = {"Escalation step": _escalation_form}
    if case.discussion_outcome is None:
        tabs = {"Discussion with the parent": _discussion_form} | tabs
    if case.content_removed_on is None:
        tabs["Content removed"] = _removal_form
    if case.closed_on is None:
        tabs["Close the case"] = _closing_form
    tabs["Change a recorded field"] = _edit_form
    for tab, render in zip(st.tabs(list(tabs)), tabs.values(), strict=True):
        with tab:
            render(store, incident_id, case, actor)


def _discussion_form(store: Store, incident_id: int, case: Case, actor: str) -> None:
    with st.form("discussion_form"):
        outcome = st.selectbox(
            "Outcome",
            list(DISCUSSION_OUTCOMES),
            index=None,
            format_func=code_label(DISCUSSION_OUTCOMES),
            key=input_key("discussion", "outcome"),
        )
        held_on = date_field(
            st,
            "Date of the discussion (leave empty if none was held)",
            value=None,
            key=input_key("discussion", "on"),
        )
        if st.form_submit_button("Record the discussion"):
            save(
                lambda: record_discussion(
                    store, incident_id, held_on, outcome, actor=actor, now=clock.now()
                ),
                "Discussion recorded.",
                "discussion",
                action="record_step",
            )


def _escalation_form(store: Store, incident_id: int, case: Case, actor: str) -> None:
    with st.form("escalation_form"):
        action = st.selectbox(
            "Action",
            list(ESCALATION_ACTIONS),
            index=None,
            format_func=code_label(ESCALATION_ACTIONS),
            key=input_key("escalation", "action"),
            help="Blocking access is possible only for posts on the school's own website or forum.",
        )
        taken_on = date_field(st, "Date taken", value="today", key=input_key("escalation", "on"))
        note = st.text_input(
            "Note (optional)", max_chars=MAX_TEXT_LENGTH, key=input_key("escalation", "note")
        )
        if st.form_submit_button("Record the escalation step"):
            if action is None:
                st.error("Nothing was saved. Please choose the action taken.")
                return
            save(
                lambda: record_escalation(
                    store,
                    incident_id,
                    EscalationStep(action, taken_on, note),
                    actor=actor,
                    now=clock.now(),
                ),
                "Escalation step recorded.",
                "escalation",
                action="record_step",
            )


def _removal_form(store: Store, incident_id: int, case: Case, actor: str) -> None:
    with st.form("removal_form"):
        removed_on = date_field(
            st,
            "Date the content came down",
            value="today",
            key=input_key("removal", "on"),
        )
        if st.form_submit_button("Record the removal"):
            save(
                lambda: record_removal(
                    store, incident_id, removed_on, actor=actor, now=clock.now()
                ),
                "Removal recorded.",
                "removal",
                action="record_step",
            )


def _closing_form(store: Store, incident_id: int, case: Case, actor: str) -> None:
    with st.form("closing_form"):
        closed_on = date_field(st, "Closing date", value="today", key=input_key("closing", "on"))
        outcome = st.text_area(
            "Outcome", max_chars=MAX_TEXT_LENGTH, key=input_key("closing", "outcome")
        )
        rationale = st.text_area(
            "Rationale (why the case can close)",
            max_chars=MAX_TEXT_LENGTH,
            key=input_key("closing", "rationale"),
        )
        if st.form_submit_button("Close the case"):
            save(
                lambda: record_closing(
                    store, incident_id, closed_on, outcome, rationale, actor=actor, now=clock.now()
                ),
                "Case closed.",
                "closing",
                action="record_step",
            )


def _edit_form(store: Store, incident_id: int, case: Case, actor: str) -> None:
    field_name = st.selectbox(
        "Field to change",
        EDITABLE_FIELDS,
        format_func=lambda name: FIELD_LABELS.get(name, name),
        key=input_key("edit", "field"),
    )
    with st.form("edit_form"):
        new_value = _edit_input(field_name, getattr(case, field_name))
        reason = st.text_input("Reason for the change (required)", key=input_key("edit", "reason"))
        if st.form_submit_button("Save the change"):
            save(
                lambda: record_edit(
                    store,
                    incident_id,
                    {field_name: new_value},
                    reason,
                    actor=actor,
                    now=clock.now(),
                ),
                f"{FIELD_LABELS[field_name]} changed.",
                "edit",
                action="record_step",
            )


def _edit_input(field_name: str, current):
    """The input for one field, showing its recorded value."""
    label = f"New {FIELD_LABELS[field_name].lower()}"
    key = input_key("edit", f"value_{field_name}")
    if field_name in DATE_FIELDS:
        return date_field(st, label, value=current, key=key)
    if field_name in CODE_FIELDS:
        vocabulary = CODE_FIELDS[field_name]
        codes = list(vocabulary)
        return st.selectbox(
            label,
            codes,
            index=codes.index(current) if current in vocabulary else None,
            format_func=code_label(vocabulary),
            key=key,
        )
    if field_name in CODE_LIST_FIELDS:
        vocabulary = CODE_LIST_FIELDS[field_name]
        return tuple(
            st.multiselect(
                label,
                list(vocabulary),
                default=list(current),
                format_func=code_label(vocabulary),
                key=key,
            )
        )
    if field_name in LONG_TEXT_FIELDS:
        return st.text_area(label, value=current or "", max_chars=MAX_TEXT_LENGTH, key=key)
    return st.text_input(label, value=current or "", key=key)


def render_legal_hold(store: Store, account: Account, incident_id: int) -> None:
    """For those who may: place the case on legal hold (it is then never disposed of), or
    lift the hold, for a reason (analytics.cases.record_legal_hold refuses one without)."""
    if not account.may("place_legal_hold"):
        return
    on_hold = is_on_legal_hold(store, incident_id)
    with st.expander("Legal hold (on hold)" if on_hold else "Legal hold"):
        reason = st.text_input("Reason (required)", key=f"hold_reason_{incident_id}")
        action = "Lift the legal hold" if on_hold else "Place on legal hold"
        if st.button(action, key=f"hold_{incident_id}") and (
            acting := authorise("place_legal_hold")
        ):
            try:
                record_legal_hold(
                    store, incident_id, not on_hold, actor=acting.actor, reason=reason,
                    now=clock.now(),
                )  # fmt: skip
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                st.rerun()


# The refusal of the last file attached, with the case opening it belongs to.
EVIDENCE_REFUSAL_KEY = "evidence_refusal"
# The items whose thumbnails are on the trail for this opening of the case, with the opening.
THUMBNAILS_SHOWN_KEY = "evidence_thumbnails_shown"


def render_evidence(store: Store, account: Account, incident_id: int) -> None:
    """The case's evidence: thumbnails, downloads (audited by the route), attaching more,
    and the case file for the police, legal advice or a platform."""
    st.subheader("Evidence")
    items = load_evidence_list(store, incident_id)
    _record_thumbnails(store, account, incident_id, items)
    if not items:
        st.caption("No screenshots or documents are attached yet.")
    columns = st.columns(4)
    for position, item in enumerate(items):
        with columns[position % 4]:
            if item.thumbnail:
                # Inline, never a /media URL (which answers anyone who has the address).
                encoded = base64.b64encode(item.thumbnail).decode()
                alt = html.escape(f"Thumbnail of {item.file_name}", quote=True)
                st.html(f'<img src="data:image/jpeg;base64,{encoded}" alt="{alt}">')
            st.text(
                f"{item.file_name}\n{item.type_label}, added {as_day(item.added_at)} by "
                f"{item.added_by}\nSHA-256 {item.sha256[:16]}…"
            )
            if account.may("download_evidence"):
                render_download(f"Download item {item.id}", "evidence", id=item.id)
    if account.may("record_step"):
        _evidence_form(store, incident_id)
    if account.may("make_case_file"):
        render_download("Make the case file (PDF, confidential)", "casefile", case=incident_id)


def _record_thumbnails(store: Store, account: Account, incident_id: int, items) -> None:
    """Put each thumbnail on the trail before it is shown: once per item each time the case
    is opened in this tab (as the opening itself is, ui.case_view.record_opening), not at
    every rerun while it stays open, which would bury the trail in repeats. An item
    attached while the case is open is recorded at the rerun that first shows it."""
    opening = current_opening()
    shown_in, recorded = st.session_state.get(THUMBNAILS_SHOWN_KEY, (None, frozenset()))
    if shown_in != opening:
        recorded = frozenset()
    new = [item.id for item in items if item.thumbnail and item.id not in recorded]
    record_thumbnails_viewed(store, incident_id, new, actor=account.actor, now=clock.now())
    st.session_state[THUMBNAILS_SHOWN_KEY] = (opening, recorded | set(new))


def _evidence_form(store: Store, incident_id: int) -> None:
    """One file at a time, so that a refusal is about the one file just chosen and no more
    than one file's bytes wait in the server's memory. A refusal stays above the form, through
    whatever reruns come between, until the next file is attached or the case is closed."""
    refusal_slot = st.empty()
    with st.form(f"evidence_{incident_id}", clear_on_submit=True):
        upload = st.file_uploader(
            f"Screenshot or document of the post. {describe_upload_limits()}",
            type=["png", "jpg", "jpeg", "webp", "pdf"],
            accept_multiple_files=False,
        )
        note = st.text_input("Note (optional)", max_chars=MAX_TEXT_LENGTH)
        if st.form_submit_button("Attach") and upload and (acting := authorise("record_step")):
            _attach(store, incident_id, upload, note, acting.actor)
    refused_in, refusal = st.session_state.get(EVIDENCE_REFUSAL_KEY, (None, None))
    if refusal and refused_in == current_opening():
        refusal_slot.error(refusal)


def _attach(store: Store, incident_id: int, upload, note: str, actor: str) -> None:
    st.session_state.pop(EVIDENCE_REFUSAL_KEY, None)
    try:
        record_evidence(
            store,
            incident_id,
            upload.getvalue(),
            upload.name,
            note=note or None,
            actor=actor,
            now=clock.now(),
        )
    except RulesBroken as broken:
        rules = "; ".join(problem.rule for problem in broken.problems)
        refusal = f"{inert(upload.name)} was not attached: {inert(rules)}."
        st.session_state[EVIDENCE_REFUSAL_KEY] = (current_opening(), refusal)
    else:
        flash(f"Attached {upload.name}.")
        st.rerun()
