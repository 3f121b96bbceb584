"""Server-side sessions: how long they last, what ends them, and the single-use hand-off."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.access.accounts import (
    record_account,
    record_active,
    record_own_password,
    record_password,
    record_role,
)
from analytics.access.session_ending import (
    SESSION_ENDED_DEACTIVATED,
    SESSION_ENDED_EVERYWHERE,
    SESSION_ENDED_PASSWORD_CHANGED,
    SESSION_ENDED_PASSWORD_RESET,
    SESSION_ENDED_ROLE_CHANGED,
)
from analytics.access.sessions import (
    ENDED_IDLE,
    ENDED_LIFETIME,
    ENDED_SIGNED_OUT,
    HAND_OFF_LIFETIME,
    NO_SESSION,
    HandOffs,
    check_session,
    record_session_start,
    record_sign_out,
    record_sign_out_everywhere,
    safe_return_path,
)
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"
MORNING = datetime(2026, 11, 30, 8, 0)


@pytest.fixture
def staff(store):
    record_account(store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW)
    return record_account(
        store, "teacher", "A Teacher", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )


def audit_actions(store) -> list[str]:
    return [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")]


def test_a_session_signs_its_account_in_and_is_kept_only_as_a_hash(store, staff):
    token = record_session_start(store, staff, how="password", now=MORNING)
    assert check_session(store, token, now=MORNING).account == staff
    assert len(token) >= 40
    (stored,) = store.read_rows("SELECT token_hash FROM sessions")[0]
    assert token not in stored and len(stored) == 64
    assert audit_actions(store)[-1] == "signed in"


def test_no_token_or_an_unknown_one_signs_no_one_in(store, staff):
    record_session_start(store, staff, how="password", now=MORNING)
    for token in (None, "", "not-a-token", 42):
        assert check_session(store, token, now=MORNING) == NO_SESSION


def test_use_within_eight_hours_keeps_a_session_until_twelve_hours_in_all(store, staff):
    token = record_session_start(store, staff, how="password", now=MORNING)
    for hours in range(1, 12):
        assert check_session(store, token, now=MORNING + timedelta(hours=hours)).account
    ended = check_session(store, token, now=MORNING + timedelta(hours=12))
    assert ended.account is None and ended.ended_why == ENDED_LIFETIME
    # Once ended, it stays ended, with its reason.
    assert check_session(store, token, now=MORNING + timedelta(hours=12, minutes=1)) == ended
    assert audit_actions(store)[-1] == "session ended"


def test_eight_hours_without_use_end_a_session(store, staff):
    token = record_session_start(store, staff, how="password", now=MORNING)
    other = record_session_start(store, staff, how="password", now=MORNING)
    last_used = MORNING + timedelta(hours=1)
    assert check_session(store, token, now=last_used).account
    assert check_session(store, other, now=last_used).account
    assert check_session(store, other, now=last_used + timedelta(hours=7, minutes=59)).account
    quiet = last_used + timedelta(hours=8)
    assert check_session(store, token, now=quiet).ended_why == ENDED_IDLE


def test_a_check_that_is_not_use_does_not_push_the_idle_limit_back(store, staff):
    token = record_session_start(store, staff, how="password", now=MORNING)
    # Say, the server metrics or a route peeking at the session: not someone using a page.
    assert check_session(store, token, now=MORNING + timedelta(hours=7), activity=False).account
    assert check_session(store, token, now=MORNING + timedelta(hours=8)).ended_why == ENDED_IDLE


def test_reading_pages_writes_the_last_seen_time_at_most_once_a_minute_and_no_figure_moves(
    store, staff
):
    token = record_session_start(store, staff, how="password", now=MORNING)
    version = store.version
    for seconds in range(0, 60, 5):
        check_session(store, token, now=MORNING + timedelta(seconds=seconds))
    assert store.read_value("SELECT last_seen_at FROM sessions") == MORNING
    check_session(store, token, now=MORNING + timedelta(minutes=1))
    assert store.read_value("SELECT last_seen_at FROM sessions") == MORNING + timedelta(minutes=1)
    # A bookkeeping write: cached figures stay valid.
    assert store.version == version


def test_signing_out_ends_the_session_in_every_tab_that_shares_it(store, staff):
    token = record_session_start(store, staff, how="password", now=MORNING)
    other = record_session_start(store, staff, how="password", now=MORNING)
    record_sign_out(store, token, now=MORNING + timedelta(minutes=5))
    assert check_session(store, token, now=MORNING + timedelta(minutes=6)).ended_why == (
        ENDED_SIGNED_OUT
    )
    # Another browser's own sign-in is its own session.
    assert check_session(store, other, now=MORNING + timedelta(minutes=6)).account == staff
    assert audit_actions(store)[-1] == "signed out"


def test_changing_ones_own_password_ends_every_other_session_and_keeps_this_one(store, staff):
    """Someone who fears a session was taken changes the password: the taken one ends."""
    here = record_session_start(store, staff, how="password", now=MORNING)
    taken = record_session_start(store, staff, how="password", now=MORNING)
    someone_else = record_account(
        store, "gov", "A Governor", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )
    theirs = record_session_start(store, someone_else, how="password", now=MORNING)
    later = MORNING + timedelta(minutes=5)
    ended = record_own_password(
        store, staff, PASSWORD, "lantern orchard thimble", now=later, this_session=here
    )
    assert ended == 1
    assert check_session(store, taken, now=later).ended_why == SESSION_ENDED_PASSWORD_CHANGED
    assert check_session(store, here, now=later).account == staff
    assert check_session(store, theirs, now=later).account == someone_else
    assert store.read_rows("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("password changed", "1 other session ended")
    ]


def test_signing_out_everywhere_ends_every_session_of_the_account_alone(store, staff):
    sessions = [record_session_start(store, staff, how="password", now=MORNING) for _ in "abc"]
    someone_else = record_account(
        store, "gov", "A Governor", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )
    theirs = record_session_start(store, someone_else, how="password", now=MORNING)
    later = MORNING + timedelta(minutes=5)
    assert record_sign_out_everywhere(store, sessions[0], now=later) == 3
    for token in sessions:
        assert check_session(store, token, now=later).ended_why == SESSION_ENDED_EVERYWHERE
    assert check_session(store, theirs, now=later).account == someone_else
    assert store.read_rows("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("signed out everywhere", "3 sessions ended")
    ]
    # A session already ended signs no one out, and writes nothing.
    assert record_sign_out_everywhere(store, sessions[1], now=later) == 0
    assert audit_actions(store)[-1] == "signed out everywhere"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda store, who: record_active(store, who.id, False, actor="head", now=PINNED_NOW),
         SESSION_ENDED_DEACTIVATED),
        (lambda store, who: record_role(store, who.id, "governor", actor="head", now=PINNED_NOW),
         SESSION_ENDED_ROLE_CHANGED),
        (lambda store, who: record_password(store, who.id, "temporary lantern orchard",
                                            actor="head", now=PINNED_NOW),
         SESSION_ENDED_PASSWORD_RESET),
    ],
)  # fmt: skip
def test_a_change_to_the_account_ends_its_sessions_at_once(store, staff, change, why):
    token = record_session_start(store, staff, how="password", now=PINNED_NOW)
    change(store, staff)
    check = check_session(store, token, now=PINNED_NOW)
    assert check.account is None and check.ended_why == why


def test_reactivating_an_account_revives_none_of_its_old_sessions(store, staff):
    token = record_session_start(store, staff, how="password", now=PINNED_NOW)
    record_active(store, staff.id, False, actor="head", now=PINNED_NOW)
    record_active(store, staff.id, True, actor="head", now=PINNED_NOW)
    assert check_session(store, token, now=PINNED_NOW).account is None


def test_a_role_changed_behind_the_apps_back_still_ends_the_session(store, staff):
    token = record_session_start(store, staff, how="password", now=PINNED_NOW)
    with store.transaction() as cursor:
        cursor.execute("UPDATE accounts SET role = 'governor' WHERE id = ?", [staff.id])
    assert check_session(store, token, now=PINNED_NOW).ended_why == SESSION_ENDED_ROLE_CHANGED


def test_a_hand_off_is_good_once_for_its_own_purpose_within_thirty_seconds():
    hand_offs = HandOffs()
    offered = hand_offs.offer("start", "session-token", now=MORNING)
    assert hand_offs.redeem("end", offered, now=MORNING) == (False, None)
    # A hand-off offered for another purpose is spent by a wrong use too.
    again = hand_offs.offer("start", "session-token", now=MORNING)
    assert hand_offs.redeem("start", again, now=MORNING) == (True, "session-token")
    assert hand_offs.redeem("start", again, now=MORNING) == (False, None)
    late = hand_offs.offer("start", "session-token", now=MORNING)
    too_late = MORNING + HAND_OFF_LIFETIME + timedelta(seconds=1)
    assert hand_offs.redeem("start", late, now=too_late) == (False, None)
    assert hand_offs.redeem("start", None, now=PINNED_NOW) == (False, None)
    assert hand_offs.redeem("start", "made-up", now=PINNED_NOW) == (False, None)


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/incidents?case=3", "/incidents?case=3"),
        ("/", "/"),
        ("//example.org/x", "/"),
        ("/\\example.org", "/"),
        ("https://example.org/", "/"),
        ("javascript:alert(1)", "/"),
        (None, "/"),
    ],
)
def test_after_signing_in_the_browser_returns_only_to_a_page_of_this_app(asked, landing):
    assert safe_return_path(asked) == landing


@given(st.text())
def test_no_return_path_leaves_the_app(asked):
    landing = safe_return_path(asked)
    assert landing.startswith("/") and not landing.startswith(("//", "/\\"))
    assert not any(character.isspace() for character in landing)
