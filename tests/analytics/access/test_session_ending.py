"""Ending an account's sessions: every open one of that account, and no one else's."""

from __future__ import annotations

from datetime import datetime

from analytics.access.accounts import record_account
from analytics.access.session_ending import SESSION_ENDED_PASSWORD_RESET, end_account_sessions
from analytics.access.sessions import (
    ENDED_SIGNED_OUT,
    check_session,
    record_session_start,
    record_sign_out,
)
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"
MORNING = datetime(2026, 11, 30, 8, 0)


def test_every_open_session_of_the_account_ends_and_no_other(store):
    head = record_account(
        store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW
    )
    staff = record_account(
        store, "teacher", "A Teacher", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )
    laptop, phone, signed_out = (
        record_session_start(store, staff, how="password", now=MORNING) for _ in range(3)
    )
    record_sign_out(store, signed_out, now=MORNING)
    others = record_session_start(store, head, how="password", now=MORNING)
    with store.transaction() as cursor:
        ended = end_account_sessions(cursor, staff.id, SESSION_ENDED_PASSWORD_RESET, now=MORNING)
    assert ended == 2
    for token in (laptop, phone):
        check = check_session(store, token, now=MORNING)
        assert (check.account, check.ended_why) == (None, SESSION_ENDED_PASSWORD_RESET)
    assert check_session(store, signed_out, now=MORNING).ended_why == ENDED_SIGNED_OUT
    assert check_session(store, others, now=MORNING).account == head
