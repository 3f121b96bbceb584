"""The command line's one reading of the real clock: every command takes today and now from
here and hands them to the rules, which never read a clock themselves."""

from __future__ import annotations

from datetime import datetime


def now() -> datetime:
    """The server's local time."""
    return datetime.now()
