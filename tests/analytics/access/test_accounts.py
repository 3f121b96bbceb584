"""Accounts: no default account, what each may do, a headteacher always remains, passwords
set and changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.access.accounts import (
    AccountInvalid,
    count_accounts,
    load_account,
    load_credentials_mark,
    record_account,
    record_active,
    record_own_password,
    record_password,
    record_role,
)
from analytics.access.signing_in import (
    SignInRefused,
    sign_in,
)
from tests.analytics.access.conftest import NOW, PASSWORD, audit
from tests.conftest import PINNED_NOW


def test_a_new_store_has_no_account_at_all(store):
    assert count_accounts(store) == 0
    with pytest.raises(SignInRefused):
        sign_in(store, "admin", "admin", now=NOW)


def test_the_credentials_mark_changes_with_the_password_the_role_or_activity(store, head):
    teacher = record_account(
        store, "teacher", "Mr T", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )
    marks = [load_credentials_mark(store, teacher.id)]
    sign_in(store, "teacher", PASSWORD, now=NOW)  # signing in changes nothing it vouched for
    assert load_credentials_mark(store, teacher.id) == marks[0]
    for change in (
        lambda: record_password(
            store, teacher.id, "another long passphrase", actor="head", now=PINNED_NOW
        ),
        lambda: record_role(store, teacher.id, "governor", actor="head", now=PINNED_NOW),
        lambda: record_active(store, teacher.id, False, actor="head", now=PINNED_NOW),
        # Changed back, it is not the account the password vouched for either.
        lambda: record_active(store, teacher.id, True, actor="head", now=PINNED_NOW),
        lambda: record_role(store, teacher.id, "staff", actor="head", now=PINNED_NOW),
    ):
        change()
        marks.append(load_credentials_mark(store, teacher.id))
    assert len(set(marks)) == 6
    assert load_credentials_mark(store, 999) is None


def test_roles_change_but_one_active_headteacher_always_remains(store, head):
    with pytest.raises(AccountInvalid, match="at least one active headteacher"):
        record_role(store, head.id, "staff", actor="head", now=PINNED_NOW)
    with pytest.raises(AccountInvalid, match="at least one active headteacher"):
        record_active(store, head.id, False, actor="head", now=PINNED_NOW)
    deputy = record_account(
        store, "deputy", "Deputy", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )
    record_role(store, deputy.id, "headteacher", actor="head", now=PINNED_NOW)
    record_role(store, head.id, "governor", actor="deputy", now=PINNED_NOW)
    assert load_account(store, head.id).role == "governor"


@pytest.mark.parametrize(
    ("username", "password", "email", "field"),
    [("Bad Name", PASSWORD, None, "username"), ("ok", PASSWORD, None, "username"),
     ("okay", "short", None, "password"), ("okay", PASSWORD, "not-an-email", "email"),
     ("head", PASSWORD, None, "username")],
)  # fmt: skip
def test_a_bad_account_names_the_field_and_writes_nothing(
    store, head, username, password, email, field
):
    with pytest.raises(AccountInvalid) as raised:
        record_account(
            store, username, "Name", "staff", password, email, actor="head", now=PINNED_NOW
        )
    assert field in [problem.field for problem in raised.value.problems]
    assert count_accounts(store) == 1


def test_an_inactive_account_may_do_nothing(store, head):
    assert head.may("download_backup")
    assert not replace(head, active=False).may("download_backup")
    assert not replace(head, role="governor").may("download_backup")


def test_a_password_set_by_the_headteacher_must_be_changed_at_next_sign_in(store, head):
    staff = record_account(
        store, "teacher", "A Teacher", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )
    record_password(store, staff.id, "temporary lantern orchard", actor="head", now=PINNED_NOW)
    signed_in = sign_in(store, "teacher", "temporary lantern orchard", now=NOW)
    assert signed_in.must_change_password
    with pytest.raises(AccountInvalid, match="current_password"):
        record_own_password(
            store, signed_in, "not it at all", "my own quiet meadow song", now=PINNED_NOW
        )
    record_own_password(
        store, signed_in, "temporary lantern orchard", "my own quiet meadow song", now=PINNED_NOW
    )
    again = sign_in(store, "teacher", "my own quiet meadow song", now=NOW)
    assert not again.must_change_password
    actions = [row[1] for row in audit(store)]
    assert actions[-1] == "password changed"
