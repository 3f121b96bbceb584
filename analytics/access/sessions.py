"""Signed-in sessions kept on the server: a random token in the browser, its hash here.

A refresh, a new tab or a bookmark keeps someone signed in because the browser sends the
token back in an HttpOnly cookie. Every page run checks the token against the store, so a
session ends everywhere at once: on sign-out, after 8 hours idle or 12 in all, and the
moment its account is deactivated, changes role, or has its password or second factor
reset by someone else. Changing one's own password ends every other session of the
account, and "Sign out everywhere" ends them all.

The cookie is set by a route of the server (see ui/routes.py), which the signed-in page
reaches with a single-use hand-off: HAND_OFFS below, held in this process's memory only.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.access.accounts import Account, load_account
from analytics.access.session_ending import (
    SESSION_ENDED_DEACTIVATED,
    SESSION_ENDED_EVERYWHERE,
    SESSION_ENDED_ROLE_CHANGED,
    end_account_sessions,
    stored_token_digest,
    token_digest,
)
from analytics.records import (
    KeyFileProblem,
    Store,
    record_audit,
)

SESSION_COOKIE = "incidents_session"
IDLE_LIMIT = timedelta(hours=8)
LIFETIME = timedelta(hours=12)
# A session's last-seen time is written at most this often: reading pages is not a write
# each time, and 8 hours idle is measured to the minute.
TOUCH_INTERVAL = timedelta(minutes=1)
HAND_OFF_LIFETIME = timedelta(seconds=30)
# Why a session ended, as the person it belonged to is told.
ENDED_SIGNED_OUT = "you signed out"
ENDED_IDLE = "8 hours passed without use"
ENDED_LIFETIME = "12 hours passed since you signed in"


@dataclass(frozen=True)
class SessionCheck:
    """What a session token is worth now: its account, or why it no longer signs anyone in
    (None when there was no session to speak of)."""

    account: Account | None
    ended_why: str | None = None


NO_SESSION = SessionCheck(None)


def record_session_start(store: Store, account: Account, *, how: str, now: datetime) -> str:
    """Begin a session for an account whose sign-in has just been checked; the token to
    give the browser. The audit trail's "signed in" row is written here, with how."""
    token = secrets.token_urlsafe(32)
    with store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO sessions (token_hash, account_id, role, started_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [stored_token_digest(store, token), account.id, account.role, now, now],
        )
        record_audit(cursor, account.actor, "signed in", "account", account.id, now=now, detail=how)
    return token


def check_session(
    store: Store, token: str | None, *, now: datetime, activity: bool = True
) -> SessionCheck:
    """The account a session token signs in now, or why it does not. With activity, the
    check counts as use of the session (a page run), pushing its idle limit back."""
    if not token or not isinstance(token, str):
        return NO_SESSION
    try:
        digest = stored_token_digest(store, token)
    except KeyFileProblem:
        return NO_SESSION  # no key, no session: signing in again names the key file
    rows = store.read_rows(
        "SELECT account_id, role, started_at, last_seen_at, ended_at, ended_why "
        "FROM sessions WHERE token_hash = ?",
        [digest],
    )
    if not rows:
        return NO_SESSION
    account_id, role, started_at, last_seen_at, ended_at, ended_why = rows[0]
    if ended_at is not None:
        return SessionCheck(None, ended_why)
    account = load_account(store, account_id)
    why = _why_it_ends(account, role, started_at, last_seen_at, now)
    if why is not None:
        _end(store, digest, account, why, now)
        return SessionCheck(None, why)
    if activity and now - last_seen_at >= TOUCH_INTERVAL:
        with store.transaction(bookkeeping=True) as cursor:
            cursor.execute(
                "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                [now, digest],
            )
    return SessionCheck(account)


def _why_it_ends(account, role, started_at, last_seen_at, now) -> str | None:
    if account is None or not account.active:
        return SESSION_ENDED_DEACTIVATED
    if account.role != role:
        return SESSION_ENDED_ROLE_CHANGED
    if now - started_at >= LIFETIME:
        return ENDED_LIFETIME
    if now - last_seen_at >= IDLE_LIMIT:
        return ENDED_IDLE
    return None


def _end(store: Store, digest: str, account: Account | None, why: str, now: datetime) -> None:
    with store.transaction() as cursor:
        ended = cursor.execute(
            "UPDATE sessions SET ended_at = ?, ended_why = ? "
            "WHERE token_hash = ? AND ended_at IS NULL RETURNING account_id",
            [now, why, digest],
        ).fetchall()
        if ended and account is not None:
            record_audit(
                cursor, account.actor, "session ended", "account", account.id, now=now, detail=why
            )


def record_sign_out(store: Store, token: str | None, *, now: datetime) -> None:
    """End the session in every tab and window that shares it."""
    check = check_session(store, token, now=now, activity=False)
    if check.account is None:
        return
    with store.transaction() as cursor:
        cursor.execute(
            "UPDATE sessions SET ended_at = ?, ended_why = ? WHERE token_hash = ?",
            [now, ENDED_SIGNED_OUT, stored_token_digest(store, token)],
        )
        record_audit(
            cursor, check.account.actor, "signed out", "account", check.account.id, now=now
        )


def record_sign_out_everywhere(store: Store, token: str | None, *, now: datetime) -> int:
    """End every session of the account this token signs in, this one too (someone who
    fears a session was taken); how many."""
    check = check_session(store, token, now=now, activity=False)
    if check.account is None:
        return 0
    with store.transaction() as cursor:
        ended = end_account_sessions(cursor, check.account.id, SESSION_ENDED_EVERYWHERE, now=now)
        record_audit(
            cursor, check.account.actor, "signed out everywhere", "account", check.account.id,
            now=now, detail=f"{ended} session{'' if ended == 1 else 's'} ended",
        )  # fmt: skip
    return ended


class HandOffs:
    """Single-use tokens a signed-in page gives the browser to post to one of our routes,
    each valid for 30 seconds: the route learns from it which session's cookie to set (or
    that a sign-out asked for the cookie to go). Kept in memory, never in the store or a URL.
    """

    def __init__(self) -> None:
        self._pending: dict[str, tuple[str, str | None, datetime]] = {}
        self._lock = threading.Lock()

    def offer(self, purpose: str, session_token: str | None = None, *, now: datetime) -> str:
        hand_off = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired(now)
            self._pending[token_digest(hand_off)] = (purpose, session_token, now)
        return hand_off

    def redeem(
        self, purpose: str, hand_off: str | None, *, now: datetime
    ) -> tuple[bool, str | None]:
        """Whether the hand-off is a live one for this purpose (it is void from now on), and
        the session token it carries."""
        if not hand_off:
            return False, None
        with self._lock:
            self._forget_expired(now)
            offered = self._pending.pop(token_digest(hand_off), None)
        if offered is None or offered[0] != purpose:
            return False, None
        return True, offered[1]

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, (_, _, at) in self._pending.items() if now - at > HAND_OFF_LIFETIME]:
            del self._pending[key]


HAND_OFFS = HandOffs()

# Where the browser may be sent back to after a route: a path of this app, never another
# site ("//example.org" or "/\\example.org" would leave it).
_SAFE_RETURN = re.compile(r"/(?![/\\])[^\s\\]*")


def safe_return_path(path: str | None) -> str:
    """The page to land on after signing in: the one asked for if it is ours, else home."""
    return path if path and _SAFE_RETURN.fullmatch(path) else "/"
