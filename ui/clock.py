"""The app's one reading of the real clock: every view, form and route takes today and now
from here, and hands them to the rules in analytics/, which never read a clock themselves.

Tests pin this clock (time-machine, tests/conftest.py), so they pass on any date.
"""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The server's local time, to the microsecond."""
    return datetime.now()


def today() -> date:
    """The server's local date."""
    return now().date()
