"""Signing in, the role guard every view calls first, and signing out."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from analytics.accounts import (
    ROLES,
    Account,
    SignInRefused,
    count_accounts,
    load_account,
    record_first_headteacher,
    record_own_password,
    record_sign_out,
    sign_in,
    sign_in_by_email,
    wait_before_next_sign_in,
)
from analytics.cases import RulesBroken
from analytics.store import Store
from ui.shared import get_store, show_problems

SESSION_ACCOUNT = "account_id"
SIGN_IN_FAILURES, SIGN_IN_WAIT_UNTIL = "sign_in_failures", "sign_in_wait_until"
PROVIDER_LABELS = {"microsoft": "Sign in with Microsoft", "google": "Sign in with Google"}


def current_account(store: Store) -> Account | None:
    """The signed-in account, read afresh so a deactivation or role change applies at once."""
    account_id = st.session_state.get(SESSION_ACCOUNT)
    account = load_account(store, account_id) if account_id is not None else None
    if account is None or not account.active:
        st.session_state.pop(SESSION_ACCOUNT, None)
        return None
    return account


def sign_in_gate(store: Store) -> Account:
    """The signed-in account; until there is one, the first-run or sign-in screen, and stop.
    An account whose password is temporary first chooses its own."""
    account = current_account(store)
    if account is not None:
        if account.must_change_password:
            _render_password_change(store, account, first=True)
            st.stop()
        return account
    if count_accounts(store) == 0:
        _render_first_run(store)
    else:
        _render_sign_in(store)
    st.stop()


def require_page(page: str) -> Account:
    """The first line of every view: the account allowed to open page, or nothing shown.

    A view is normally reached through app.py, which has already asked for sign-in; this
    guard holds even if it is not.
    """
    store = get_store()
    account = current_account(store)
    if account is None:
        if count_accounts(store):
            _render_sign_in(store)
        else:
            _render_first_run(store)
        st.stop()
    if account.must_change_password:
        _render_password_change(store, account, first=True)
        st.stop()
    if not account.may_open(page):
        st.error("This page is not open to your role.")
        st.stop()
    return account


def render_account_bar(store: Store, account: Account) -> None:
    with st.sidebar:
        st.caption(f"Signed in as {account.display_name} ({ROLES[account.role]})")
        with st.expander("Change your password"):
            _render_password_change(store, account, first=False)
        if st.button("Sign out", key="sign_out"):
            record_sign_out(store, account)
            st.session_state.clear()
            if _signed_in_with_provider():
                st.logout()
            st.rerun()


def _render_password_change(store: Store, account: Account, *, first: bool) -> None:
    """The form to choose one's own password, giving the current one first."""
    if first:
        st.title("Choose your password")
        st.write(
            "The password you signed in with was set for you. Choose your own: at least 12 "
            "characters; three or four unrelated words make a strong one."
        )
    with st.form("own_password" if first else "own_password_sidebar"):
        current = st.text_input("Current password", type="password")
        new = st.text_input("New password (at least 12 characters)", type="password")
        again = st.text_input("New password again", type="password")
        if st.form_submit_button("Change the password", type="primary" if first else "secondary"):
            if new != again:
                st.error("Nothing was saved. The two new passwords are not the same.")
                return
            try:
                record_own_password(store, account, current, new)
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                st.success("Password changed.")
                if first:
                    st.rerun()


def _render_first_run(store: Store) -> None:
    st.title("Welcome")
    st.write(
        "This store has no accounts yet. Create the headteacher's account: the headteacher "
        "then adds accounts for staff and governors. There is no default password."
    )
    with st.form("first_headteacher"):
        setup_code = st.text_input(
            "Setup code",
            help="Printed in the server's console when the app was first opened after it "
            "started, for example ABCD-EFGH-JKLM-NPQR. Whoever runs the server can read it "
            "to you.",
        )
        username = st.text_input("Username", help="Lower-case letters, digits, '.', '_' or '-'.")
        display_name = st.text_input("Your name")
        email = st.text_input("Email (optional, for signing in with Microsoft or Google)")
        password = st.text_input("Password (at least 12 characters)", type="password")
        confirm = st.text_input("Password again", type="password")
        if st.form_submit_button("Create the headteacher's account", type="primary"):
            if password != confirm:
                st.error("Nothing was saved. The two passwords are not the same.")
                return
            try:
                account = record_first_headteacher(
                    store, username, display_name, password, email, setup_code=setup_code
                )
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                st.session_state[SESSION_ACCOUNT] = account.id
                st.rerun()


def _render_sign_in(store: Store) -> None:
    st.title("Sign in")
    if _signed_in_with_provider():
        try:
            account = sign_in_by_email(store, getattr(st.user, "email", None))
        except SignInRefused as refused:
            st.error(str(refused))
            if st.button("Sign out of the provider"):
                st.logout()
            return
        st.session_state[SESSION_ACCOUNT] = account.id
        st.rerun()
    with st.form("sign_in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            # After a few refusals in this browser session, each try waits longer.
            waiting = st.session_state.get(SIGN_IN_WAIT_UNTIL)
            now = datetime.now()
            if waiting is not None and now < waiting:
                seconds = max(1, round((waiting - now).total_seconds()))
                st.error(f"Too many tries. Wait {seconds} seconds, then sign in again.")
                return
            try:
                account = sign_in(store, username, password)
            except SignInRefused as refused:
                failures = st.session_state.get(SIGN_IN_FAILURES, 0) + 1
                st.session_state[SIGN_IN_FAILURES] = failures
                st.session_state[SIGN_IN_WAIT_UNTIL] = now + wait_before_next_sign_in(failures)
                st.error(str(refused))
            else:
                st.session_state.pop(SIGN_IN_FAILURES, None)
                st.session_state.pop(SIGN_IN_WAIT_UNTIL, None)
                st.session_state[SESSION_ACCOUNT] = account.id
                st.rerun()
    for provider in _configured_providers():
        if st.button(PROVIDER_LABELS.get(provider, f"Sign in with {provider}"), key=provider):
            st.login(provider)


def _configured_providers() -> list[str]:
    """The OpenID Connect providers set up under [auth] in Streamlit's secrets, if any."""
    try:
        auth = st.secrets.get("auth")
    except Exception:
        return []
    if not auth:
        return []
    return [name for name in PROVIDER_LABELS if name in auth] or (
        ["default"] if "client_id" in auth else []
    )


def _signed_in_with_provider() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False
