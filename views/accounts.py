"""Accounts: the headteacher adds people, changes roles, deactivates and resets passwords."""

import streamlit as st

from analytics.access import (
    ROLES,
    count_recovery_codes_left,
    describe_accounts,
    has_second_factor,
    load_accounts,
    record_account,
    record_active,
    record_password,
    record_role,
    record_second_factor_reset,
    requires_second_factor,
)
from ui import clock
from ui.actions import save
from ui.auth import require_page
from ui.resources import get_store
from ui.widgets import (
    inert,
    input_key,
    show_flash,
    show_table,
)

account = require_page("accounts")
store = get_store()
st.title("Accounts")
show_flash()

accounts = load_accounts(store)
show_table(describe_accounts(accounts))

with st.expander("Add an account"), st.form("new_account"):
    first, second = st.columns(2)
    username = first.text_input("Username", key=input_key("account", "username"))
    display_name = second.text_input("Name", key=input_key("account", "name"))
    email = first.text_input("Email (optional)", key=input_key("account", "email"))
    # No default role: a new account is never a headteacher by a missed click.
    role = second.selectbox(
        "Role", list(ROLES), index=None, placeholder="Choose a role", format_func=ROLES.get,
        key=input_key("account", "role"),
    )  # fmt: skip
    password = st.text_input(
        "First password (at least 12 characters; give it to them in person: they choose "
        "their own at first sign-in)",
        type="password", key=input_key("account", "password"),
    )  # fmt: skip
    if st.form_submit_button("Add the account"):
        save(
            lambda: record_account(
                store,
                username,
                display_name,
                role,
                password,
                email,
                actor=account.actor,
                temporary=True,
                now=clock.now(),
            ),
            f"Added {inert(username.strip().lower())}.",
            "account",
            action="manage_accounts",
        )

by_id = {a.id: a for a in accounts}
chosen = st.selectbox(
    "Change an account",
    list(by_id),
    format_func=lambda account_id: (
        f"{by_id[account_id].display_name} ({by_id[account_id].username})"
    ),
    key="account_chosen",
)
person = by_id[chosen]
# Names are typed by people: shown as text, never as Markdown (in labels and messages too).
who, name = inert(person.username), inert(person.display_name)
role_column, active_column, password_column = st.columns(3)
with role_column, st.form("change_role"):
    new_role = st.selectbox(
        "Role", list(ROLES), index=list(ROLES).index(person.role), format_func=ROLES.get,
        key=input_key("role", str(person.id)),
    )  # fmt: skip
    confirmed = st.checkbox(
        f"Yes, change the role of {name} ({who})",
        key=input_key("role_confirm", str(person.id)),
    )
    if st.form_submit_button("Change the role"):
        if not confirmed:
            st.error(f"Nothing changed: tick the box to confirm the change for {who}.")
        else:
            save(
                lambda: record_role(
                    store, person.id, new_role, actor=account.actor, now=clock.now()
                ),
                f"{who} is now {ROLES[new_role].lower()}.",
                "role",
                action="manage_accounts",
            )
with active_column:
    label = "Reactivate" if not person.active else "Deactivate"
    st.write(f"{who} is {'active' if person.active else 'deactivated'}.")
    confirmed_active = st.checkbox(
        f"Yes, {label.lower()} {name} ({who})",
        key=input_key("active_confirm", str(person.id)),
    )
    if st.button(f"{label} {who}", key="toggle_active"):
        if not confirmed_active:
            st.error(f"Nothing changed: tick the box to confirm for {who}.")
        else:
            save(
                lambda: record_active(
                    store, person.id, not person.active, actor=account.actor, now=clock.now()
                ),
                f"{who} {'reactivated' if not person.active else 'deactivated'}.",
                "active",
                action="manage_accounts",
            )
with password_column, st.form("reset_password"):
    new_password = st.text_input(
        "Temporary password (they choose their own at next sign-in)",
        type="password", key=input_key("password", str(person.id)),
    )  # fmt: skip
    if st.form_submit_button("Reset the password"):
        save(
            lambda: record_password(
                store, person.id, new_password, actor=account.actor, now=clock.now()
            ),
            f"Password reset for {who}.",
            "password",
            action="manage_accounts",
        )

with st.expander(f"Two-factor sign-in of {who}"):
    if has_second_factor(store, person.id):
        left = count_recovery_codes_left(store, person.id)
        st.write(
            f"{who} signs in with a code from an authenticator app ({left} recovery "
            f"code{'s' if left != 1 else ''} left). If they lost their phone and their recovery "
            "codes, reset it: they set it up again at their next sign-in."
        )
        confirmed_reset = st.checkbox(
            f"Yes, reset two-factor sign-in for {name} ({who})",
            key=input_key("second_factor_confirm", str(person.id)),
        )
        if st.button(f"Reset two-factor sign-in for {who}", key="reset_second_factor"):
            if not confirmed_reset:
                st.error(f"Nothing changed: tick the box to confirm for {who}.")
            else:
                save(
                    lambda: record_second_factor_reset(
                        store, person.id, actor=account.actor, now=clock.now()
                    ),
                    f"Two-factor sign-in reset for {who}.",
                    "second_factor_confirm",
                    action="manage_accounts",
                )
    elif requires_second_factor(person.role):
        st.write(f"{who} has not set up two-factor sign-in yet: it is asked for at sign-in.")
    else:
        st.write(f"{who} has not set up two-factor sign-in (optional for governors).")
