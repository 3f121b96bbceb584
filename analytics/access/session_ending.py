"""Ending an account's sessions when the account changes, wherever they are open."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from analytics.records import Store, session_token_key

# Why a session ends when its account changes, as the person signed in is told.
SESSION_ENDED_DEACTIVATED = "your account was deactivated"
SESSION_ENDED_ROLE_CHANGED = "your account's role changed"
SESSION_ENDED_PASSWORD_RESET = "your password was reset"
SESSION_ENDED_SECOND_FACTOR_RESET = "your two-factor sign-in was reset"
SESSION_ENDED_PASSWORD_CHANGED = "your password was changed"
SESSION_ENDED_EVERYWHERE = "you signed out everywhere"


def token_digest(token: str) -> str:
    """How a token is kept in memory (a hand-off): its SHA-256 (it is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def stored_token_digest(store: Store, token: str) -> str:
    """How the store keeps a session's token: an HMAC under the store's session subkey, so
    that a row written into the file by someone without the key signs nobody in."""
    return hmac.new(session_token_key(store), token.encode(), hashlib.sha256).hexdigest()


def end_account_sessions(
    cursor, account_id: int, why: str, *, now: datetime, keeping: str | None = None
) -> int:
    """End every open session of an account at now, inside the caller's transaction, but
    the one whose stored digest (stored_token_digest) is keeping, the session making the
    change, if given; how many."""
    ended = cursor.execute(
        "UPDATE sessions SET ended_at = ?, ended_why = ? "
        "WHERE account_id = ? AND ended_at IS NULL AND token_hash IS DISTINCT FROM ? "
        "RETURNING 1",
        [now, why, account_id, keeping],
    ).fetchall()
    return len(ended)
