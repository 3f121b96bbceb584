"""Ending an account's sessions when the account changes, wherever they are open."""

from __future__ import annotations

from datetime import datetime

# Why a session ends when its account changes, as the person signed in is told.
SESSION_ENDED_DEACTIVATED = "your account was deactivated"
SESSION_ENDED_ROLE_CHANGED = "your account's role changed"
SESSION_ENDED_PASSWORD_RESET = "your password was reset"
SESSION_ENDED_SECOND_FACTOR_RESET = "your two-factor sign-in was reset"


def end_account_sessions(cursor, account_id: int, why: str, *, now: datetime) -> int:
    """End every open session of an account at now, inside the caller's transaction; how
    many."""
    ended = cursor.execute(
        "UPDATE sessions SET ended_at = ?, ended_why = ? "
        "WHERE account_id = ? AND ended_at IS NULL RETURNING 1",
        [now, why, account_id],
    ).fetchall()
    return len(ended)
