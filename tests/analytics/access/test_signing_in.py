"""Signing in: every attempt audited, one answer for every refusal, lockout, waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.access.accounts import (
    record_account,
    record_active,
    record_password,
)
from analytics.access.signing_in import (
    NOT_A_USERNAME,
    WRONG_CREDENTIALS,
    SignInRefused,
    sign_in,
    sign_in_by_email,
    wait_before_next_sign_in,
)
from tests.analytics.access.conftest import NOW, PASSWORD, audit
from tests.conftest import PINNED_NOW


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


def test_single_sign_on_needs_an_active_account_with_that_email(store, head):
    assert sign_in_by_email(store, "head@school.example", now=PINNED_NOW).id == head.id
    with pytest.raises(SignInRefused, match="No active account"):
        sign_in_by_email(store, "stranger@example.org", now=PINNED_NOW)


def test_every_refusal_says_the_same_and_costs_one_verification(store, head, monkeypatch):
    """Unknown, wrong, inactive and locked all answer alike, after the same argon2 work."""
    import analytics.access.signing_in as signing_in

    record_account(store, "idle", "Idle", "staff", PASSWORD, actor="head", now=PINNED_NOW)
    record_active(store, load_accounts_by_name(store)["idle"], False, actor="head", now=PINNED_NOW)
    verified = []
    real = signing_in.password_matches
    monkeypatch.setattr(
        signing_in, "password_matches", lambda h, p: verified.append(1) or real(h, p)
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
