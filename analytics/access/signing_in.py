"""Signing in: a password or a provider's word checked, every refusal counted and audited.

Five failed sign-ins in a row lock an account for 15 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics.access.accounts import (
    USERNAME_PATTERN,
    Account,
    find_account_id,
    load_account,
    load_account_by_email,
)
from analytics.access.passwords import password_matches
from analytics.records import (
    ACCOUNT_LOCK,
    COUNTED_WITH_IT,
    SIGN_IN_FAILED,
    SIGN_IN_FAILURES,
    Store,
    note_counter_change,
    record_audit,
)

MAX_FAILED_SIGN_INS = 5
LOCK_PERIOD = timedelta(minutes=15)
# One answer for every refused sign-in, so a stranger learns nothing of which accounts exist,
# are active or are locked; the lock is told only to someone who then gives the password.
WRONG_CREDENTIALS = "That username and password do not match an active account."
# Where a typed username is not a valid one (a password typed in the wrong box, say), the
# audit trail records this instead of the text.
NOT_A_USERNAME = "(not a username)"
# After this many refused sign-ins in one browser session, each try waits longer.
FAILURES_BEFORE_WAITING = 5


class SignInRefused(Exception):
    """The sign-in did not succeed; the message is safe to show."""


def sign_in(store: Store, username: str, password: str, *, now: datetime) -> Account:
    """The account for these credentials, or SignInRefused; every attempt is audited.

    A refusal is committed (the failure counted, the attempt audited) before it is raised.
    """
    username = (username or "").strip().lower()
    with store.transaction() as cursor:
        refusal = _check_sign_in(cursor, username, password, now)
    if refusal is not None:
        raise SignInRefused(refusal)
    return load_account(store, find_account_id(store, username))


def _check_sign_in(cursor, username: str, password: str, now: datetime) -> str | None:
    """Count and audit one attempt; the reason to refuse it, or None to let it in."""
    rows = (
        cursor.execute(
            "SELECT id, password_hash, active, failed_sign_ins, locked_until FROM accounts "
            "WHERE username = ?",
            [username],
        ).fetchall()
        if USERNAME_PATTERN.fullmatch(username)
        else []
    )
    # Exactly one verification whatever the username: known and unknown answer alike.
    matches = password_matches(rows[0][1] if rows else None, password)
    if not rows:
        record_sign_in_failure(cursor, username, None, now, "unknown username")
        return WRONG_CREDENTIALS
    account_id, _, active, failures, locked_until = rows[0]
    if not active:
        record_sign_in_failure(cursor, username, account_id, now, "inactive")
        return WRONG_CREDENTIALS
    if locked_until is not None and locked_until > now:
        record_sign_in_failure(cursor, username, account_id, now, "locked")
        if not matches:
            return WRONG_CREDENTIALS
        minutes = max(1, round((locked_until - now).total_seconds() / 60))
        return (
            f"This account is locked after {MAX_FAILED_SIGN_INS} failed sign-ins. Try again "
            f"in {minutes} minute{'s' if minutes != 1 else ''}, or ask the headteacher to "
            "reset the password."
        )
    if not matches:
        failures += 1
        lock = now + LOCK_PERIOD if failures >= MAX_FAILED_SIGN_INS else None
        cursor.execute(
            "UPDATE accounts SET failed_sign_ins = ?, locked_until = ? WHERE id = ?",
            [0 if lock else failures, lock, account_id],
        )
        detail = "locked for 15 minutes" if lock else "wrong password"
        record_sign_in_failure(cursor, username, account_id, now, detail)
        return WRONG_CREDENTIALS
    # The audit trail's "signed in" row is written when the session begins, after any
    # second factor (analytics.access.sessions).
    clear_sign_in_failures(cursor, account_id)
    return None


def clear_sign_in_failures(cursor, account_id: int) -> None:
    """Start the account's count of failed sign-ins again, and lift any lock."""
    cursor.execute(
        "UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?", [account_id]
    )
    note_counter_change(cursor, ACCOUNT_LOCK, account_id)


def record_sign_in_failure(cursor, typed: str, account_id: int | None, now: datetime, detail: str):
    """Count a refused sign-in; the first for a username in a minute goes on the trail."""
    name = audit_name(typed)
    minute = now.replace(second=0, microsecond=0)
    ((attempts,),) = cursor.execute(
        "INSERT INTO sign_in_failures (username, minute, attempts) VALUES (?, ?, 1) "
        "ON CONFLICT (username, minute) DO UPDATE SET attempts = attempts + 1 "
        "RETURNING attempts",
        [name, minute],
    ).fetchall()
    # Counted without a row each time: the counts are sealed instead (records.vouching).
    note_counter_change(cursor, SIGN_IN_FAILURES, f"{name} {minute:%Y-%m-%d %H:%M}")
    if account_id is not None:
        note_counter_change(cursor, ACCOUNT_LOCK, account_id)
    if attempts == 1:
        record_audit(
            cursor, name, SIGN_IN_FAILED, "account" if account_id else None, account_id,
            now=now, detail=f"{detail}; {COUNTED_WITH_IT}",
        )  # fmt: skip


def audit_name(typed: str | None) -> str:
    """A typed username as the audit trail may keep it: cut to 40 characters, and only if
    it is a valid username at all (never a password typed in the wrong box)."""
    cut = (typed or "").strip().lower()[:40]
    return cut if USERNAME_PATTERN.fullmatch(cut) else NOT_A_USERNAME


def wait_before_next_sign_in(failures: int) -> timedelta:
    """How long one browser session waits before its next try, after this many refusals:
    nothing for the first few, then 30 seconds doubling to 15 minutes."""
    if failures < FAILURES_BEFORE_WAITING:
        return timedelta(0)
    return min(timedelta(seconds=30 * 2 ** (failures - FAILURES_BEFORE_WAITING)), LOCK_PERIOD)


def sign_in_by_email(store: Store, email: str | None, *, now: datetime) -> Account:
    """The active account whose email a provider (Microsoft, Google) vouched for."""
    account = load_account_by_email(store, email) if email else None
    if account is None or not account.active:
        with store.transaction() as cursor:
            record_audit(
                cursor, audit_name(email.split("@")[0] if email else None), SIGN_IN_FAILED,
                now=now, detail="single sign-on: no active account has this email",
            )  # fmt: skip
        raise SignInRefused(
            "No active account has this email address. Ask the headteacher to add it."
        )
    return account
