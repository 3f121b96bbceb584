"""The first account: a new store's one-time setup code, and the headteacher's it creates."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from analytics.access.accounts import Account, AccountInvalid, insert_account, load_account
from analytics.access.roles import HEADTEACHER
from analytics.problems import Problem
from analytics.records import (
    Store,
    delete_setting,
    load_setting_in,
    record_audit,
    write_setting,
)

# The one-time code a new store's first-run screen asks for: kept only as a hash, in the
# settings table, until it is used (or the server starts again and prints a new one).
SETUP_CODE_SETTING = "setup_code_hash"
UNAMBIGUOUS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
SETUP_CODE_PATTERN = re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}")


def issue_setup_code(store: Store, *, now: datetime) -> str | None:
    """On a store with no account, a new one-time setup code for the first-run screen (any
    earlier one is void); None once an account exists. The caller prints it on the server."""
    code = "-".join(
        "".join(secrets.choice(UNAMBIGUOUS_ALPHABET) for _ in range(4)) for _ in range(4)
    )
    with store.transaction() as cursor:
        if _has_accounts(cursor):
            delete_setting(cursor, SETUP_CODE_SETTING)
            return None
        write_setting(cursor, SETUP_CODE_SETTING, _digest(code), now=now)
    return code


def record_first_headteacher(
    store: Store,
    username: str,
    display_name: str,
    password: str,
    email: str | None = None,
    *,
    setup_code: str | None,
    now: datetime,
) -> Account:
    """Create the headteacher's account on a store that has none, given the setup code the
    server printed; the code is void once used. Refused once any account exists."""
    typed = (setup_code or "").strip().upper()
    with store.transaction() as cursor:
        if _has_accounts(cursor):
            raise AccountInvalid([Problem("username", "the headteacher's account already exists")])
        stored = load_setting_in(cursor, SETUP_CODE_SETTING)
        if stored is None or not hmac.compare_digest(stored, _digest(typed)):
            raise AccountInvalid(
                [
                    Problem(
                        "setup_code",
                        "is not the code the server printed on its console (ask whoever "
                        "runs the server; a new code is printed each time it starts)",
                    )
                ]
            )
        account_id = insert_account(
            cursor, username, display_name, HEADTEACHER, password, email, now
        )
        delete_setting(cursor, SETUP_CODE_SETTING)
        record_audit(cursor, username, "account created", "account", account_id, now=now,
                     detail=f"{HEADTEACHER} (first account, with the setup code)")  # fmt: skip
    return load_account(store, account_id)


def _has_accounts(cursor) -> bool:
    ((existing,),) = cursor.execute("SELECT count(*) FROM accounts").fetchall()
    return bool(existing)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
