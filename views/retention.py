"""Retention: the retention period, cases past their disposal date, legal holds."""

import streamlit as st

from analytics.cases import (
    anonymise_cases,
    describe_case_dates,
    load_cases_due_for_disposal,
    load_cases_on_hold,
    retention_years,
)
from analytics.records import (
    BACKUP_FOLDER,
    MAX_FOLDER_LENGTH,
    RETENTION_YEARS,
    load_setting,
    record_setting,
)
from ui import clock
from ui.actions import (
    render_download,
    save,
)
from ui.auth import authorise, require_page
from ui.resources import get_store
from ui.widgets import (
    show_flash,
    show_table,
)

account = require_page("retention")
store, today = get_store(), clock.today()
st.title("Retention")
show_flash()

with st.form("retention_period"):
    years = st.number_input(
        "Keep a closed case's details for (years after closing)",
        min_value=1, max_value=50, value=retention_years(store), step=1, key="retention_years",
    )  # fmt: skip
    if st.form_submit_button("Save the retention period"):
        save(
            lambda: record_setting(
                store, RETENTION_YEARS, str(years), actor=account.actor, now=clock.now()
            ),
            f"Retention period set to {years} years.",
            "retention",
            action="manage_retention",
        )

due = load_cases_due_for_disposal(store, today=today)
st.subheader("Past their disposal date")
st.caption(
    "Anonymising removes a case's summary, evidence link, reference text, person reference, "
    "outcome and rationale, and keeps its coded fields and dates: past terms' figures and "
    "frozen reports stay as they were. Cases on legal hold are never listed."
)
if due.empty:
    st.info("No case is past its disposal date.")
else:
    show_table(describe_case_dates(due))
    confirmed = st.checkbox(
        f"I confirm these {len(due)} cases may be anonymised; this cannot be undone.",
        key="confirm_disposal",
    )
    if st.button(
        f"Anonymise {len(due)} case{'s' if len(due) != 1 else ''}",
        disabled=not confirmed,
        key="anonymise",
    ) and (acting := authorise("manage_retention")):
        done = anonymise_cases(store, due["id"].tolist(), actor=acting.actor, now=clock.now())
        st.session_state["flash_message"] = f"Anonymised {done} case{'s' if done != 1 else ''}."
        st.rerun()

on_hold = load_cases_on_hold(store)
st.subheader("On legal hold")
if on_hold.empty:
    st.caption("No case is on legal hold. A hold is placed from the case's own page.")
else:
    show_table(describe_case_dates(on_hold))

st.subheader("Backup")
st.caption(
    "A copy of the whole store: cases, policies, accounts, reports and the audit trail. "
    "Keep it somewhere as safe as the store itself; restore it with "
    "`python -m analytics restore FILE` into a new store."
)
render_download("Download a backup", "backup")

with st.form("backup_folder"):
    folder = st.text_input(
        "Folder for backups asked for from the command line while the app runs",
        value=load_setting(store, BACKUP_FOLDER), max_chars=MAX_FOLDER_LENGTH,
        placeholder="/srv/school-backups", key="backup_folder",
        help="A full path on the server. The folder must belong to the user the app runs as "
        "and be writable by no one else; a missing one is made, readable by that user only. "
        "`python -m analytics backup` writes only here while the app runs; leave it empty "
        "to refuse such requests.",
    )  # fmt: skip
    if st.form_submit_button("Save the backup folder"):
        save(
            lambda: record_setting(
                store, BACKUP_FOLDER, folder, actor=account.actor, now=clock.now()
            ),
            f"Backup folder set to {folder.strip()}." if folder.strip()
            else "No backup folder: command-line backups are refused while the app runs.",
            "backup_folder",
            action="manage_retention",
        )  # fmt: skip
