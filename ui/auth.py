"""Signing in (password, then a code from an authenticator app), the session that keeps
someone signed in across refreshes and tabs, the guard every view calls first, and the
check every action makes at the moment it is taken."""

from __future__ import annotations

import base64
import html
import json
from datetime import timedelta

import streamlit as st

from analytics.access import (
    ENDED_SIGNED_OUT,
    HAND_OFFS,
    ROLES,
    SESSION_COOKIE,
    Account,
    SessionCheck,
    SignInRefused,
    begin_enrolment,
    check_second_factor,
    check_session,
    count_accounts,
    count_recovery_codes_left,
    has_second_factor,
    load_account,
    load_credentials_mark,
    record_enrolment,
    record_first_headteacher,
    record_own_password,
    record_session_start,
    record_sign_out,
    record_sign_out_everywhere,
    requires_second_factor,
    sign_in,
    sign_in_by_email,
    wait_before_next_sign_in,
)
from analytics.problems import RulesBroken
from analytics.records import (
    SCHOOL_NAME,
    Store,
    load_setting,
)
from ui import clock
from ui.resources import get_store
from ui.routes import HAND_OFF_FIELD, RETURN_FIELD, SESSION_END_PATH, SESSION_START_PATH
from ui.widgets import (
    inert,
    render_display_switch,
    show_problems,
)

# This tab's own copy of its session token: set the moment it signs in (before the cookie
# is), and the way AppTest signs in, since it cannot send cookies.
SESSION_TOKEN = "session_token"
# A password checked, a second factor still to come: {account_id, how, at}.
SIGNING_IN = "signing_in"
SIGNING_IN_LIFETIME = timedelta(minutes=5)
# The recovery codes just made, with the account they belong to: {account_id, codes}.
RECOVERY_CODES_SHOWN = "recovery_codes_shown"
# The enrolment this tab began, by account: a new secret each time enrolment starts afresh
# (one seen by someone else earlier is void), the same one across reruns.
ENROLMENT_BEGUN = "enrolment_begun"
COOKIE_HAND_OFF = "cookie_hand_off"
SIGN_IN_FAILURES, SIGN_IN_WAIT_UNTIL = "sign_in_failures", "sign_in_wait_until"
PROVIDER_LABELS = {"microsoft": "Sign in with Microsoft", "google": "Sign in with Google"}
CODE_LABEL = "Code from your authenticator app, or a recovery code"


def read_session_cookie() -> str | None:
    """The session token the browser sent when this tab connected (the one place the
    cookie is read; tests replace it, as AppTest cannot send cookies)."""
    token = st.context.cookies.get(SESSION_COOKIE)
    return token if isinstance(token, str) else None  # AppTest's context holds a stand-in


def current_session(store: Store, *, activity: bool = True) -> SessionCheck:
    """This tab's session as the store holds it now: a deactivation, a role change or a
    sign-out in another tab applies at the next run."""
    # An ended token is kept: every check of it says why it ended, to tell the person.
    token = st.session_state.get(SESSION_TOKEN) or read_session_cookie()
    return check_session(store, token, activity=activity, now=clock.now())


def current_account(store: Store) -> Account | None:
    return current_session(store).account


def sign_in_gate(store: Store) -> Account:
    """The signed-in account; until there is one, the first-run or sign-in screen, and stop.
    An account whose password is temporary first chooses its own."""
    check = current_session(store)
    account = check.account
    if account is not None:
        _hand_cookie_to_browser()
        if account.must_change_password:
            _render_password_change(store, account, first=True)
            st.stop()
        return account
    _hand_sign_out_to_browser()
    if SIGNING_IN not in st.session_state:
        st.session_state.pop(RECOVERY_CODES_SHOWN, None)
    if count_accounts(store) == 0:
        _render_first_run(store)
    else:
        _render_sign_in(store, check.ended_why)
    st.stop()


def require_page(page: str) -> Account:
    """The first line of every view: the account allowed to open page, or nothing shown.

    A view is normally reached through the navigation script, which has already asked for
    sign-in; this guard holds even if it is not.
    """
    store = get_store()
    account = sign_in_gate(store)
    if not account.may_open(page):
        st.error("This page is not open to your role.")
        st.stop()
    return account


def authorise(action: str) -> Account | None:
    """The account, read from the store at this moment, if it may take the action now;
    otherwise None, having said why. Every write, download and document asks first, so a
    button still on the screen of someone deactivated or demoted does nothing."""
    check = current_session(get_store())
    if check.account is None:
        why = check.ended_why or "you are not signed in"
        st.error(f"Nothing was done: {why}. Sign in again to carry on.")
        return None
    if not check.account.may(action):
        st.error(
            f"Nothing was done: your account ({ROLES[check.account.role]}) may not do this. "
            "If your role changed, ask the headteacher."
        )
        return None
    return check.account


def render_account_bar(store: Store, account: Account) -> None:
    with st.sidebar:
        st.caption(f"Signed in as {inert(account.display_name)} ({ROLES[account.role]})")
        render_display_switch()
        with st.expander("Change your password"):
            _render_password_change(store, account, first=False)
        if not requires_second_factor(account.role):
            with st.expander("Two-factor sign-in"):
                _render_optional_second_factor(store, account)
        signing_out = st.button("Sign out", key="sign_out")
        everywhere = st.button(
            "Sign out everywhere",
            key="sign_out_everywhere",
            help="Ends every session of your account, on every computer and phone.",
        )
        if signing_out or everywhere:
            ending = record_sign_out_everywhere if everywhere else record_sign_out
            ending(store, _this_session_token(), now=clock.now())
            st.session_state.clear()
            st.session_state[COOKIE_HAND_OFF] = ("end", HAND_OFFS.offer("end", now=clock.now()))
            if _signed_in_with_provider():
                st.logout()
            st.rerun()


def _this_session_token() -> str | None:
    """The token of the session this tab runs in: kept by the tab, else the browser's cookie."""
    return st.session_state.get(SESSION_TOKEN) or read_session_cookie()


def _begin_session(store: Store, account: Account, how: str) -> None:
    """Sign this tab in, and have the browser keep the session in its cookie."""
    token = record_session_start(store, account, how=how, now=clock.now())
    for key in (SIGNING_IN, SIGN_IN_FAILURES, SIGN_IN_WAIT_UNTIL, RECOVERY_CODES_SHOWN):
        st.session_state.pop(key, None)
    st.session_state[SESSION_TOKEN] = token
    st.session_state[COOKIE_HAND_OFF] = ("start", HAND_OFFS.offer("start", token, now=clock.now()))
    st.rerun()


def _hand_cookie_to_browser() -> None:
    """Once, after signing in: post the hand-off to the route that sets the cookie; the
    browser comes back to the page it is on, now carrying the session."""
    pending = st.session_state.get(COOKIE_HAND_OFF)
    if pending and pending[0] == "start":
        del st.session_state[COOKIE_HAND_OFF]
        _post_hand_off(SESSION_START_PATH, pending[1])


def _hand_sign_out_to_browser() -> None:
    pending = st.session_state.get(COOKIE_HAND_OFF)
    if pending and pending[0] == "end":
        del st.session_state[COOKIE_HAND_OFF]
        _post_hand_off(SESSION_END_PATH, pending[1])


def _post_hand_off(path: str, hand_off: str) -> None:
    # A form posted by script: the cookie is set by the response to a POST of our own page,
    # so it is never in a URL, and the token is useless once used or 30 seconds old.
    st.html(
        f'<form id="session-hand-off" method="post" action="{path}" hidden>'
        f'<input name="{HAND_OFF_FIELD}" value="{html.escape(hand_off)}">'
        f'<input name="{RETURN_FIELD}" value="/"></form>'
        "<script>"
        "const form = document.getElementById('session-hand-off');"
        f"form.elements[{json.dumps(RETURN_FIELD)}].value = "
        "window.location.pathname + window.location.search;"
        "form.submit();"
        "</script>",
        unsafe_allow_javascript=True,
    )


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
                ended = record_own_password(
                    store,
                    account,
                    current,
                    new,
                    now=clock.now(),
                    this_session=_this_session_token(),
                )
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                others = (
                    f" {ended} other session{'' if ended == 1 else 's'} ended." if ended else ""
                )
                st.success(f"Password changed.{others}")
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
                    store,
                    username,
                    display_name,
                    password,
                    email,
                    setup_code=setup_code,
                    now=clock.now(),
                )
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                _password_accepted(store, account)


def _password_accepted(store: Store, account: Account) -> None:
    """The password was right: on to the second factor, or (where none is needed) in."""
    # Nothing of an earlier half-finished sign-in in this tab carries over to this one.
    for key in (RECOVERY_CODES_SHOWN, ENROLMENT_BEGUN):
        st.session_state.pop(key, None)
    if requires_second_factor(account.role) or has_second_factor(store, account.id):
        st.session_state[SIGNING_IN] = {
            "account_id": account.id,
            "at": clock.now(),
            "credentials": load_credentials_mark(store, account.id),
        }
        st.rerun()
    _begin_session(store, account, "password")


def _render_sign_in(store: Store, ended_why: str | None) -> None:
    signing_in = st.session_state.get(SIGNING_IN)
    if (
        signing_in
        and clock.now() - signing_in["at"] < SIGNING_IN_LIFETIME
        and load_credentials_mark(store, signing_in["account_id"]) == signing_in["credentials"]
    ):
        account = load_account(store, signing_in["account_id"])
        if account is not None and account.active:
            _render_second_factor(store, account)
            return
    st.session_state.pop(SIGNING_IN, None)
    st.title("Sign in")
    if ended_why == ENDED_SIGNED_OUT:
        st.info("You have signed out.")
    elif ended_why:
        st.info(f"You were signed out: {ended_why}.")
    if _signed_in_with_provider():
        try:
            account = sign_in_by_email(store, getattr(st.user, "email", None), now=clock.now())
        except SignInRefused as refused:
            st.error(str(refused))
            if st.button("Sign out of the provider"):
                st.logout()
            return
        # The provider (Microsoft, Google) asked for its own second factor.
        _begin_session(store, account, "single sign-on")
    with st.form("sign_in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            if not _may_try_now():
                return
            try:
                account = sign_in(store, username, password, now=clock.now())
            except SignInRefused as refused:
                _count_refusal()
                st.error(str(refused))
            else:
                _password_accepted(store, account)
    for provider in _configured_providers():
        if st.button(PROVIDER_LABELS.get(provider, f"Sign in with {provider}"), key=provider):
            st.login(provider)


def _may_try_now() -> bool:
    """After a few refusals in this browser session, each try waits longer."""
    waiting = st.session_state.get(SIGN_IN_WAIT_UNTIL)
    now = clock.now()
    if waiting is not None and now < waiting:
        seconds = max(1, round((waiting - now).total_seconds()))
        st.error(f"Too many tries. Wait {seconds} seconds, then sign in again.")
        return False
    return True


def _count_refusal() -> None:
    failures = st.session_state.get(SIGN_IN_FAILURES, 0) + 1
    st.session_state[SIGN_IN_FAILURES] = failures
    st.session_state[SIGN_IN_WAIT_UNTIL] = clock.now() + wait_before_next_sign_in(failures)


def _render_second_factor(store: Store, account: Account) -> None:
    """After the password: a code from the authenticator app, or enrolment if there is none
    yet (required for the headteacher and staff)."""
    shown = _recovery_codes_of(account)
    if shown:
        _render_recovery_codes(shown)
        if st.button("I have kept these codes somewhere safe: continue", type="primary"):
            _begin_session(store, account, "password and two-factor code")
        return
    if not has_second_factor(store, account.id):
        st.title("Set up two-factor sign-in")
        st.write(
            "Accounts that can read cases sign in with a password and a code from an "
            "authenticator app on your phone (for example Microsoft Authenticator or Google "
            "Authenticator)."
        )
        _render_enrolment(store, account)
        return
    st.title("Sign in: your code")
    with st.form("second_factor"):
        code = st.text_input(CODE_LABEL, autocomplete="one-time-code", max_chars=20)
        if st.form_submit_button("Sign in", type="primary"):
            if not _may_try_now():
                return
            if check_second_factor(store, account.id, code, now=clock.now()):
                _begin_session(store, account, "password and two-factor code")
            _count_refusal()
            st.error(
                "That code was not accepted: it may be mistyped, already used or out of "
                "date. Type the code your app shows now."
            )
    if st.button("Start again with the password"):
        st.session_state.pop(SIGNING_IN, None)
        st.rerun()


def _render_enrolment(store: Store, account: Account) -> None:
    """The QR code and key for the authenticator app, then its first code to confirm."""
    begun = st.session_state.setdefault(ENROLMENT_BEGUN, {})
    enrolment = begin_enrolment(
        store, account.id, username=account.username, issuer=load_setting(store, SCHOOL_NAME),
        restart=account.id not in begun, now=clock.now(),
    )  # fmt: skip
    begun[account.id] = True
    st.write("1. In your authenticator app, add an account by scanning this code:")
    # Drawn inline, not through Streamlit's /media URLs, which answer anyone who has the
    # address whatever their session: this image holds the account's secret.
    st.html(
        f'<img src="data:image/png;base64,{base64.b64encode(enrolment.qr_png).decode()}" '
        'alt="QR code for your authenticator app" width="220" height="220">'
    )
    st.write("Or, if the app cannot scan, type this key:")
    st.code(enrolment.key_text, language=None)
    with st.form("enrol_second_factor"):
        code = st.text_input(
            "2. The code your app now shows", autocomplete="one-time-code", max_chars=20
        )
        if st.form_submit_button("Turn on two-factor sign-in", type="primary"):
            try:
                codes = record_enrolment(
                    store, account.id, code, actor=account.actor, now=clock.now()
                )
            except RulesBroken as broken:
                show_problems(broken.problems)
            else:
                st.session_state[RECOVERY_CODES_SHOWN] = {"account_id": account.id, "codes": codes}
                st.rerun()


def _recovery_codes_of(account: Account) -> list[str] | None:
    """The recovery codes this tab just made for this account, if any (never another's)."""
    shown = st.session_state.get(RECOVERY_CODES_SHOWN)
    return shown["codes"] if shown and shown["account_id"] == account.id else None


def _render_recovery_codes(codes: list[str]) -> None:
    st.title("Your recovery codes")
    st.write(
        "If you lose your phone, each of these codes signs you in once instead of the "
        "app's code. Print them or write them down now and keep them somewhere safe: they "
        "are not shown again."
    )
    st.code("\n".join(codes), language=None)


def _render_optional_second_factor(store: Store, account: Account) -> None:
    """For a governor: two-factor sign-in, offered rather than required."""
    if has_second_factor(store, account.id):
        left = count_recovery_codes_left(store, account.id)
        st.write(f"On. {left} recovery code{'s' if left != 1 else ''} left.")
        return
    shown = _recovery_codes_of(account)
    if shown:
        _render_recovery_codes(shown)
        return
    st.write("Sign in with a code from an authenticator app as well as your password.")
    if st.toggle("Set it up", key="set_up_second_factor"):
        _render_enrolment(store, account)


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
