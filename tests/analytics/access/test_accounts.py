"""Accounts and sign-in: no default account, argon2 hashes, lockout, roles."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.access.accounts import (
    ACTIONS_BY_ROLE,
    NOT_A_USERNAME,
    PAGES_BY_ROLE,
    SETUP_CODE_PATTERN,
    WRONG_CREDENTIALS,
    AccountInvalid,
    SignInRefused,
    count_accounts,
    issue_setup_code,
    load_account,
    load_credentials_mark,
    password_problems,
    record_account,
    record_active,
    record_first_headteacher,
    record_own_password,
    record_password,
    record_role,
    sign_in,
    sign_in_by_email,
    wait_before_next_sign_in,
)
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, 9, 0)


@pytest.fixture
def head(store):
    code = issue_setup_code(store, now=PINNED_NOW)
    return record_first_headteacher(
        store, "head", "Ms Head", PASSWORD, "Head@School.example", setup_code=code, now=PINNED_NOW
    )


def audit(store) -> list[tuple[str, str]]:
    return store.read_rows("SELECT actor, action FROM audit_log ORDER BY id")


def test_a_new_store_has_no_account_at_all(store):
    assert count_accounts(store) == 0
    with pytest.raises(SignInRefused):
        sign_in(store, "admin", "admin", now=NOW)


def test_the_first_account_is_the_headteachers_and_only_once(store, head):
    assert (head.username, head.role) == ("head", "headteacher")
    with pytest.raises(AccountInvalid, match="already exists"):
        record_first_headteacher(
            store, "other", "Other", PASSWORD, setup_code="ANY", now=PINNED_NOW
        )


def test_the_first_account_needs_the_setup_code_and_the_code_is_used_once(store):
    with pytest.raises(AccountInvalid, match="setup_code"):
        record_first_headteacher(
            store, "head", "Ms Head", PASSWORD, setup_code=None, now=PINNED_NOW
        )
    first = issue_setup_code(store, now=PINNED_NOW)
    # A restart prints a new code: the old one is void.
    second = issue_setup_code(store, now=PINNED_NOW)
    assert re.fullmatch(SETUP_CODE_PATTERN, second) and first != second
    for wrong in (first, "", second[:-1] + ("A" if second[-1] != "A" else "B")):
        with pytest.raises(AccountInvalid, match="setup_code"):
            record_first_headteacher(
                store, "head", "Ms Head", PASSWORD, setup_code=wrong, now=PINNED_NOW
            )
    assert count_accounts(store) == 0
    assert store.read_value("SELECT count(*) FROM audit_log") == 0
    # Typed in lower case with spaces around it, the right code works, once.
    record_first_headteacher(
        store, "head", "Ms Head", PASSWORD, setup_code=f" {second.lower()} ", now=PINNED_NOW
    )
    assert store.read_value("SELECT count(*) FROM settings WHERE name = 'setup_code_hash'") == 0
    assert issue_setup_code(store, now=PINNED_NOW) is None


def test_the_setup_code_is_kept_only_as_a_hash(store):
    code = issue_setup_code(store, now=PINNED_NOW)
    assert code not in str(store.read_rows("SELECT * FROM settings"))


def test_passwords_are_stored_as_argon2_hashes(store, head):
    (stored,) = store.read_rows("SELECT password_hash FROM accounts")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_app_hashes_at_argon2s_recommended_cost():
    """RFC 9106's second recommended option (argon2-cffi's default): 64 MiB, three passes.
    (The tests' own process hashes at the lowest cost, tests/conftest.py says why.)"""
    from tests.conftest import APP_NO_ACCOUNTS_HASH, APP_PASSWORD_HASHER

    stored = APP_PASSWORD_HASHER.hash(PASSWORD)
    app_cost = "$argon2id$v=19$m=65536,t=3,p=4$"
    assert stored.startswith(app_cost)
    assert APP_PASSWORD_HASHER.verify(stored, PASSWORD)
    # An unknown username costs the same verification as a known one.
    assert APP_NO_ACCOUNTS_HASH.startswith(app_cost)


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


def test_signing_in_and_every_attempt_is_audited(store, head):
    assert sign_in(store, "HEAD ", PASSWORD, now=NOW).id == head.id
    with pytest.raises(SignInRefused, match="do not match an active account"):
        sign_in(store, "head", "wrong password!", now=NOW)
    with pytest.raises(SignInRefused, match="do not match an active account"):
        sign_in(store, "nobody", PASSWORD, now=NOW)
    # "signed in" is written when the session begins, after any second factor.
    assert audit(store)[1:] == [("head", "sign-in failed"), ("nobody", "sign-in failed")]


def test_five_failures_in_a_row_lock_the_account_for_15_minutes(store, head):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(store, "head", "wrong password!", now=NOW)
    # A stranger guessing on is told nothing of the lock; the owner, with the password, is.
    with pytest.raises(SignInRefused) as refused:
        sign_in(store, "head", "another guess!!", now=NOW + timedelta(minutes=1))
    assert str(refused.value) == WRONG_CREDENTIALS
    with pytest.raises(
        SignInRefused, match=r"locked after 5 failed sign-ins\. Try again in 14 minutes"
    ):
        sign_in(store, "head", PASSWORD, now=NOW + timedelta(minutes=1))
    assert (
        sign_in(store, "head", PASSWORD, now=NOW + timedelta(minutes=15, seconds=1)).id == head.id
    )


def test_a_success_resets_the_count_of_failures(store, head):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            sign_in(store, "head", "wrong password!", now=NOW)
    sign_in(store, "head", PASSWORD, now=NOW)
    for _ in range(4):
        with pytest.raises(SignInRefused, match="do not match"):
            sign_in(store, "head", "wrong password!", now=NOW)
    assert sign_in(store, "head", PASSWORD, now=NOW).id == head.id


def test_a_password_reset_lifts_the_lock(store, head):
    governor = record_account(
        store, "gov", "A Governor", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(store, "gov", "wrong password!", now=NOW)
    record_password(store, governor.id, "a brand new password", actor="head", now=PINNED_NOW)
    assert sign_in(store, "gov", "a brand new password", now=NOW).role == "governor"


def test_a_deactivated_account_cannot_sign_in(store, head):
    staff = record_account(
        store, "teacher", "A Teacher", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )
    record_active(store, staff.id, False, actor="head", now=PINNED_NOW)
    with pytest.raises(SignInRefused) as refused:
        sign_in(store, "teacher", PASSWORD, now=NOW)
    assert str(refused.value) == WRONG_CREDENTIALS  # the same answer as for a stranger
    record_active(store, staff.id, True, actor="head", now=PINNED_NOW)
    assert sign_in(store, "teacher", PASSWORD, now=NOW).id == staff.id


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


def test_single_sign_on_needs_an_active_account_with_that_email(store, head):
    assert sign_in_by_email(store, "head@school.example", now=PINNED_NOW).id == head.id
    with pytest.raises(SignInRefused, match="No active account"):
        sign_in_by_email(store, "stranger@example.org", now=PINNED_NOW)


def test_every_action_a_lesser_role_may_take_the_headteacher_may_take_too():
    assert ACTIONS_BY_ROLE["governor"] < ACTIONS_BY_ROLE["staff"] < ACTIONS_BY_ROLE["headteacher"]
    assert "download_confidential_report" not in ACTIONS_BY_ROLE["governor"]
    assert (
        not {"download_backup", "manage_accounts", "read_server_metrics"}
        & (ACTIONS_BY_ROLE["staff"])
    )


def test_an_inactive_account_may_do_nothing(store, head):
    assert head.may("download_backup")
    assert not replace(head, active=False).may("download_backup")
    assert not replace(head, role="governor").may("download_backup")


def test_what_each_role_may_open():
    assert PAGES_BY_ROLE["governor"] == {"overview", "termly_report", "policies"}
    assert {"incidents", "log_incident"} <= PAGES_BY_ROLE["staff"]
    assert not {"accounts", "audit", "retention"} & PAGES_BY_ROLE["staff"]
    assert PAGES_BY_ROLE["staff"] < PAGES_BY_ROLE["headteacher"]


def test_every_refusal_says_the_same_and_costs_one_verification(store, head, monkeypatch):
    """Unknown, wrong, inactive and locked all answer alike, after the same argon2 work."""
    import analytics.access.accounts as accounts

    record_account(store, "idle", "Idle", "staff", PASSWORD, actor="head", now=PINNED_NOW)
    record_active(store, load_accounts_by_name(store)["idle"], False, actor="head", now=PINNED_NOW)
    verified = []
    real = accounts._password_matches
    monkeypatch.setattr(
        accounts, "_password_matches", lambda h, p: verified.append(1) or real(h, p)
    )
    answers = set()
    for username, password in [
        ("nobody", PASSWORD), ("head", "wrong password!"), ("idle", PASSWORD),
        ("correct horse battery", PASSWORD), ("x" * 2_000_000, PASSWORD),
    ]:  # fmt: skip
        with pytest.raises(SignInRefused) as refused:
            sign_in(store, username, password, now=NOW)
        answers.add(str(refused.value))
    assert answers == {WRONG_CREDENTIALS}
    assert len(verified) == 5


def load_accounts_by_name(store) -> dict[str, int]:
    return dict(store.read_rows("SELECT username, id FROM accounts"))


def test_failed_sign_ins_are_one_audit_row_per_username_per_minute(store, head):
    for second in range(30):
        with pytest.raises(SignInRefused):
            sign_in(store, "head", "wrong password!", now=NOW + timedelta(seconds=second))
    rows = store.read_rows("SELECT actor FROM audit_log WHERE action = 'sign-in failed'")
    assert rows == [("head",)]
    attempts = store.read_value("SELECT attempts FROM sign_in_failures WHERE username = 'head'")
    assert attempts == 30


def test_no_text_but_a_valid_username_reaches_the_audit_trail(store, head):
    typed = [
        "correct horse battery",  # a password in the username box
        '=HYPERLINK("http://example.org")',
        "a" * 2_000_000,
        "b" * 41,
    ]
    for minute, text in enumerate(typed):
        with pytest.raises(SignInRefused):
            sign_in(store, text, PASSWORD, now=NOW + timedelta(minutes=minute))
    actors = [row[0] for row in store.read_rows(
        "SELECT actor FROM audit_log WHERE action = 'sign-in failed' ORDER BY id"
    )]  # fmt: skip
    assert actors == [NOT_A_USERNAME, NOT_A_USERNAME, "a" * 40, "b" * 40]
    stored = str(store.read_rows("SELECT * FROM audit_log")) + str(
        store.read_rows("SELECT * FROM sign_in_failures")
    )
    assert "horse" not in stored and "HYPERLINK" not in stored and "a" * 41 not in stored


def test_one_browser_session_waits_longer_after_each_refusal_past_five():
    waits = [wait_before_next_sign_in(n).total_seconds() for n in range(1, 12)]
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("password12", "at least 12 characters"),
        (" " * 12, "only spaces"),
        ("123456789012", "too easy to guess"),
        ("passwordpassword", "too easy to guess"),
        ("head horse battery staple", "the username"),
        ("All Saints rocks forever!", "the school's name"),
    ],
)
def test_a_weak_password_is_refused_with_its_rule(store, head, password, rule):
    with pytest.raises(AccountInvalid, match=rule):
        record_password(store, head.id, password, actor="head", now=PINNED_NOW)
    assert sign_in(store, "head", PASSWORD, now=NOW).id == head.id


@settings(max_examples=40, deadline=None)
@given(password=st.text(max_size=40))
def test_any_password_is_either_refused_with_a_named_rule_or_strong(password):
    problems = password_problems(password, username="head", school="St Mary's CE Primary")
    if problems:
        assert all(problem.field == "password" and problem.rule for problem in problems)
    else:
        assert len(password) >= 12 and password.strip()
        assert "head" not in password.lower() and "mary" not in password.lower()


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
