"""Local accounts: adding them, changing their role, activity and password, reading them.

There is no default account: a new store asks for its headteacher first (setup_code.py).
What each role may open and do is the table of roles (roles.py); an Account answers for it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analytics.access.passwords import hash_password, password_matches, password_problems
from analytics.access.roles import HEADTEACHER, ROLE_TABLE, ROLES
from analytics.access.session_ending import (
    SESSION_ENDED_DEACTIVATED,
    SESSION_ENDED_PASSWORD_CHANGED,
    SESSION_ENDED_PASSWORD_RESET,
    SESSION_ENDED_ROLE_CHANGED,
    end_account_sessions,
    stored_token_digest,
)
from analytics.problems import Problem, RulesBroken
from analytics.records import (
    SCHOOL_NAME,
    Store,
    load_setting_in,
    record_audit,
)
from analytics.sql import load_query

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ACCOUNT_COLUMNS = "id, username, display_name, email, role, active, must_change_password"
_ACCOUNT_BY_ID = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?"
_ACCOUNT_BY_EMAIL = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE email = ?"


class AccountInvalid(RulesBroken):
    """An account change breaks a rule; nothing was written."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    active: bool
    must_change_password: bool = False

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return self.username

    def may_open(self, page: str) -> bool:
        return self.active and page in ROLE_TABLE[self.role].pages

    def may(self, action: str) -> bool:
        """Whether this account, as loaded, may take the action (its role's actions)."""
        return self.active and action in ROLE_TABLE[self.role].actions

    @property
    def audience(self) -> str:
        """How figures are shown to this person: exactly, or protected."""
        return ROLE_TABLE[self.role].audience


def count_accounts(store: Store) -> int:
    return int(store.read_value("SELECT count(*) FROM accounts"))


def load_account(store: Store, account_id: int) -> Account | None:
    rows = store.read_rows(_ACCOUNT_BY_ID, [account_id])
    return Account(*rows[0]) if rows else None


def load_account_by_email(store: Store, email: str) -> Account | None:
    """The account with this email address (as typed: trimmed, any case), active or not."""
    rows = store.read_rows(_ACCOUNT_BY_EMAIL, [email.strip().lower()])
    return Account(*rows[0]) if rows else None


# The changes to an account that end a sign-in half finished (see load_credentials_mark).
CREDENTIAL_CHANGES = (
    "role changed", "account deactivated", "account reactivated", "password reset",
    "password changed", "second factor reset", "second factor removed",
)  # fmt: skip


def load_credentials_mark(store: Store, account_id: int) -> str | None:
    """A digest of what a password vouched for: the account's password hash, role and
    whether it is active, and the newest change of any of them on the audit trail (None if
    there is no such account). A sign-in half finished (password given, code not yet)
    holds it, and ends if it changes meanwhile: a password reset, a role changed or a
    deactivation after the password was typed must not let the code finish it, even once
    changed back."""
    rows = store.read_rows(
        load_query("credentials_mark"), {"id": account_id, "changes": list(CREDENTIAL_CHANGES)}
    )
    return hashlib.sha256(repr(rows[0]).encode()).hexdigest() if rows else None


def load_accounts(store: Store) -> list[Account]:
    rows = store.read_rows(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY username")
    return [Account(*row) for row in rows]


def describe_accounts(accounts: list[Account]) -> pd.DataFrame:
    """The accounts as the headteacher reads them (never their password hashes)."""
    return pd.DataFrame(
        [(a.username, a.display_name, a.email or "", ROLES[a.role], a.active) for a in accounts],
        columns=["Username", "Name", "Email", "Role", "Active"],
    )


def find_account_id(store: Store, username: str) -> int | None:
    """The id of the account with this username, if any."""
    return store.read_value(
        "SELECT id FROM accounts WHERE username = ?", [(username or "").strip().lower()]
    )


def record_account(
    store: Store,
    username: str,
    display_name: str,
    role: str,
    password: str,
    email: str | None = None,
    *,
    actor: str,
    now: datetime,
    temporary: bool = False,
) -> Account:
    """Add an account (the headteacher's task, or the server's command line). A first
    password given by someone else is temporary: changed at the first sign-in."""
    with store.transaction() as cursor:
        account_id = insert_account(cursor, username, display_name, role, password, email, now)
        if temporary:
            cursor.execute(
                "UPDATE accounts SET must_change_password = true WHERE id = ?", [account_id]
            )
        record_audit(cursor, actor, "account created", "account", account_id, now=now, detail=role)
    return load_account(store, account_id)


def record_role(store: Store, account_id: int, role: str, *, actor: str, now: datetime) -> None:
    if role not in ROLE_TABLE:
        raise AccountInvalid([Problem("role", f"must be one of {', '.join(ROLE_TABLE)}")])
    with store.transaction() as cursor:
        _ensure_a_headteacher_remains(cursor, account_id, role=role)
        cursor.execute("UPDATE accounts SET role = ? WHERE id = ?", [role, account_id])
        end_account_sessions(cursor, account_id, SESSION_ENDED_ROLE_CHANGED, now=now)
        record_audit(cursor, actor, "role changed", "account", account_id, now=now, detail=role)


def record_active(
    store: Store, account_id: int, active: bool, *, actor: str, now: datetime
) -> None:
    """Deactivate (or reactivate) an account; a deactivated account cannot sign in."""
    with store.transaction() as cursor:
        if not active:
            _ensure_a_headteacher_remains(cursor, account_id, active=False)
        cursor.execute("UPDATE accounts SET active = ? WHERE id = ?", [active, account_id])
        # Sessions end on deactivation, so reactivating the account revives none of them.
        end_account_sessions(cursor, account_id, SESSION_ENDED_DEACTIVATED, now=now)
        record_audit(
            cursor, actor, "account reactivated" if active else "account deactivated",
            "account", account_id, now=now,
        )  # fmt: skip


def record_password(
    store: Store,
    account_id: int,
    password: str,
    *,
    actor: str,
    now: datetime,
    temporary: bool = True,
) -> None:
    """Set a new password for someone (the headteacher's reset, or the server's command
    line); it lifts any lock. A password set by someone else is temporary: it must be
    changed at the next sign-in."""
    with store.transaction() as cursor:
        ((username, display_name),) = cursor.execute(
            "SELECT username, display_name FROM accounts WHERE id = ?", [account_id]
        ).fetchall()
        _check_password(cursor, password, username, display_name)
        cursor.execute(
            "UPDATE accounts SET password_hash = ?, failed_sign_ins = 0, locked_until = NULL, "
            "must_change_password = ? WHERE id = ?",
            [hash_password(password), temporary, account_id],
        )
        end_account_sessions(cursor, account_id, SESSION_ENDED_PASSWORD_RESET, now=now)
        record_audit(
            cursor, actor, "password reset", "account", account_id, now=now,
            detail="temporary: to be changed at next sign-in" if temporary else None,
        )  # fmt: skip


def record_own_password(
    store: Store,
    account: Account,
    current: str,
    new: str,
    *,
    now: datetime,
    this_session: str | None = None,
) -> int:
    """Someone changes their own password, giving the current one first. Every other session
    of the account ends (someone who fears a session was taken changes the password): the
    session making the change, this_session's token, stays. How many ended."""
    with store.transaction() as cursor:
        ((password_hash, username, display_name),) = cursor.execute(
            "SELECT password_hash, username, display_name FROM accounts WHERE id = ?",
            [account.id],
        ).fetchall()
        if not password_matches(password_hash, current):
            raise AccountInvalid([Problem("current_password", "is not your current password")])
        if current == new:
            raise AccountInvalid([Problem("password", "must differ from the current one")])
        _check_password(cursor, new, username, display_name)
        cursor.execute(
            "UPDATE accounts SET password_hash = ?, must_change_password = false WHERE id = ?",
            [hash_password(new), account.id],
        )
        ended = end_account_sessions(
            cursor,
            account.id,
            SESSION_ENDED_PASSWORD_CHANGED,
            now=now,
            keeping=this_session and stored_token_digest(store, this_session),
        )
        record_audit(
            cursor, account.actor, "password changed", "account", account.id, now=now,
            detail=f"{ended} other session{'' if ended == 1 else 's'} ended" if ended else None,
        )  # fmt: skip
    return ended


def insert_account(cursor, username, display_name, role, password, email, now) -> int:
    """Check a new account against every rule and insert it inside the caller's
    transaction, which audits it; its id. AccountInvalid names each field at fault."""
    username = (username or "").strip().lower()
    display_name = (display_name or "").strip()
    email = (email or "").strip().lower() or None
    problems = []
    if not USERNAME_PATTERN.fullmatch(username):
        problems.append(
            Problem("username", "must be 3 to 40 lower-case letters, digits, '.', '_' or '-'")
        )
    elif cursor.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall():
        problems.append(Problem("username", f"'{username}' is already taken"))
    if not 1 <= len(display_name) <= 100:
        problems.append(Problem("display_name", "is required (1 to 100 characters)"))
    if role not in ROLE_TABLE:
        problems.append(Problem("role", f"must be one of {', '.join(ROLE_TABLE)}"))
    if email is not None and not EMAIL_PATTERN.fullmatch(email):
        problems.append(Problem("email", "must be an email address"))
    elif email and cursor.execute("SELECT 1 FROM accounts WHERE email = ?", [email]).fetchall():
        problems.append(Problem("email", "belongs to another account"))
    problems.extend(
        password_problems(
            password,
            username=username,
            display_name=display_name,
            school=load_setting_in(cursor, SCHOOL_NAME),
        )
    )
    if problems:
        raise AccountInvalid(problems)
    ((account_id,),) = cursor.execute(
        "INSERT INTO accounts (username, display_name, email, role, password_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [username, display_name, email, role, hash_password(password), now],
    ).fetchall()
    return account_id


def _check_password(cursor, password: str | None, username: str, display_name: str = "") -> None:
    problems = password_problems(
        password,
        username=username,
        display_name=display_name,
        school=load_setting_in(cursor, SCHOOL_NAME),
    )
    if problems:
        raise AccountInvalid(problems)


def _ensure_a_headteacher_remains(cursor, account_id: int, *, role=None, active=True) -> None:
    """Refuse the change that would leave no active headteacher to run the store."""
    ((others, is_headteacher),) = cursor.execute(
        "SELECT count(*) FILTER (WHERE id <> $id), count(*) FILTER (WHERE id = $id) "
        "FROM accounts WHERE role = $headteacher AND active",
        {"id": account_id, "headteacher": HEADTEACHER},
    ).fetchall()
    losing = is_headteacher and ((role is not None and role != HEADTEACHER) or not active)
    if losing and not others:
        raise AccountInvalid([Problem("role", "the store needs at least one active headteacher")])
