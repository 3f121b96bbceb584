"""What a page does on someone's behalf, each time checked against the account as it is at
that moment: saving a form, the demonstration data, and download links."""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st

from analytics.access import Account
from analytics.cases import (
    DemoRefused,
    count_cases,
    load_demo_data,
    remove_demo_data,
)
from analytics.problems import RulesBroken
from analytics.records import Store
from analytics.service import download_url
from ui import clock
from ui.auth import authorise
from ui.widgets import clear_form, flash, show_problems

DEMO_CASES_OFFERED = 300


def render_demo_banner(store: Store, account: Account) -> None:
    """While the store holds demonstration cases, say so; the headteacher may remove them."""
    demo_cases = count_cases(store, demo=True)
    if not demo_cases:
        return
    with st.container(border=True):
        st.warning(
            f"This store holds {demo_cases:,} demonstration cases. They are made up, "
            "for trying the dashboard out: no figure here is real."
        )
        if account.may("manage_demo_data") and st.button(
            "Remove demonstration data", key="remove_demo"
        ):
            if not (acting := authorise("manage_demo_data")):
                return
            removed = remove_demo_data(store, actor=acting.actor, now=clock.now())
            st.toast(f"Removed {removed:,} demonstration cases.")
            st.rerun()


def render_demo_offer(store: Store, account: Account) -> None:
    """On an empty store, offer demonstration data so a new user sees a living dashboard."""
    st.info(
        "No incidents are logged yet. Log the first one, or load demonstration data to "
        "see how the dashboard works; it is marked as such and removed with one button."
    )
    if not account.may("manage_demo_data"):
        return
    if st.button(f"Load demonstration data ({DEMO_CASES_OFFERED} cases)", key="load_demo"):
        if not (acting := authorise("manage_demo_data")):
            return
        try:
            load_demo_data(store, DEMO_CASES_OFFERED, actor=acting.actor, now=clock.now())
        except DemoRefused as refusal:
            st.error(f"Demonstration data not loaded: {refusal}.")
        else:
            st.rerun()


def render_download(label: str, kind: str, **params) -> None:
    """A link to a file the server makes when it is followed, for whoever is signed in
    then (see analytics.service.downloads): never made while the page is drawn."""
    url = html.escape(download_url(kind, **params), quote=True)
    st.html(
        f'<a href="{url}" download class="download-link" style="{_DOWNLOAD_STYLE}">'
        f"{html.escape(label)}</a>"
    )


# A link drawn as a secondary button, in the theme's own colours.
_DOWNLOAD_STYLE = (
    "display:inline-block;padding:0.4rem 0.75rem;border:1px solid currentColor;"
    "border-radius:0.5rem;color:inherit;text-decoration:none;"
)


def save(write: Callable[[], object], message: str, form: str, *, action: str) -> None:
    """Run one write, if the account may take the action at this moment; on success say so
    and empty the form, else list what to correct (keeping everything the user typed)."""
    if authorise(action) is None:
        return
    try:
        write()
    except RulesBroken as broken:
        show_problems(broken.problems)
    else:
        flash(message)
        clear_form(form)
        st.rerun()
