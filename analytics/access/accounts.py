"""Local accounts, roles and sign-in.

Passwords are hashed with argon2. There is no default account: a new store asks for its
headteacher first. Five failed sign-ins in a row lock an account for 15 minutes. What each
role may open is declared here once (PAGES_BY_ROLE); the views and navigation read it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from analytics.problems import Problem, RulesBroken
from analytics.records import (
    DEFAULTS,
    SCHOOL_NAME,
    Store,
    record_audit,
)
from analytics.vocabulary import ROLES

MAX_FAILED_SIGN_INS = 5
LOCK_PERIOD = timedelta(minutes=15)
# The NCSC's advice: length, no composition rules, and no password that is easy to guess.
MIN_PASSWORD_LENGTH = 12
WEAKEST_SCORE_ALLOWED = 3  # zxcvbn's estimate, 0 (guessed at once) to 4 (very hard)
# Words of a school's name too common to identify it ("St Mary's CE Primary School").
_GENERIC_SCHOOL_WORDS = {
    "school", "primary", "infant", "infants", "junior", "juniors", "academy", "ce", "c", "of",
    "e", "church", "england", "rc", "catholic", "the", "and", "st", "saint", "community",
}  # fmt: skip
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Which views each role may open. A governor sees figures, never a case.
PAGES_BY_ROLE = {
    "headteacher": {
        "overview", "incidents", "log_incident", "termly_report", "policies",
        "accounts", "audit", "retention",
    },
    "staff": {"overview", "incidents", "log_incident", "termly_report", "policies"},
    "governor": {"overview", "termly_report", "policies"},
}  # fmt: skip
# What each role may do: every write, download and document is checked against this, and
# against the account as the store holds it at that moment (not as the page was drawn).
ACTIONS_BY_ROLE = {
    "headteacher": {
        "log_case", "record_step", "place_legal_hold", "download_cases",
        "download_evidence", "make_case_file",
        "download_report", "download_confidential_report", "freeze_report", "change_settings",
        "record_review", "add_policy", "download_review_pack",
        "manage_accounts", "download_audit_trail", "manage_retention", "download_backup",
        "manage_demo_data", "read_server_metrics",
    },
    "staff": {
        "log_case", "record_step", "download_cases", "download_report",
        "download_evidence", "make_case_file",
        "download_confidential_report", "download_review_pack",
    },
    "governor": {"download_report", "download_review_pack"},
}  # fmt: skip
# The figures each role is shown (analytics.figures.disclosure decides every cell).
AUDIENCE_BY_ROLE = {"headteacher": "exact", "staff": "exact", "governor": "protected"}
# Who must sign in with a second factor (a code from an authenticator app): every role that
# can read cases, as the DfE's cyber security standards for schools ask. Governors may.
SECOND_FACTOR_REQUIRED_BY_ROLE = {"headteacher": True, "staff": True, "governor": False}

_HASHER = PasswordHasher()
# One answer for every refused sign-in, so a stranger learns nothing of which accounts exist,
# are active or are locked; the lock is told only to someone who then gives the password.
WRONG_CREDENTIALS = "That username and password do not match an active account."
# Stands in for an unknown username's hash, so every attempt costs one argon2 verification
# and answers in the same time.
_NO_ACCOUNTS_HASH = _HASHER.hash(secrets.token_urlsafe(16))
# Where a typed username is not a valid one (a password typed in the wrong box, say), the
# audit trail records this instead of the text.
NOT_A_USERNAME = "(not a username)"
# After this many refused sign-ins in one browser session, each try waits longer.
FAILURES_BEFORE_WAITING = 5
_ACCOUNT_COLUMNS = "id, username, display_name, email, role, active, must_change_password"
_ACCOUNT_BY_ID = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?"
_ACCOUNT_BY_EMAIL = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE email = ?"


class AccountInvalid(RulesBroken):
    """An account change breaks a rule; nothing was written."""


class SignInRefused(Exception):
    """The sign-in did not succeed; the message is safe to show."""


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
        return self.active and page in PAGES_BY_ROLE[self.role]

    def may(self, action: str) -> bool:
        """Whether this account, as loaded, may take the action (see ACTIONS_BY_ROLE)."""
        return self.active and action in ACTIONS_BY_ROLE[self.role]

    @property
    def audience(self) -> str:
        """How figures are shown to this person: exactly, or protected."""
        return AUDIENCE_BY_ROLE[self.role]


def count_accounts(store: Store) -> int:
    return int(store.read_value("SELECT count(*) FROM accounts"))


def load_account(store: Store, account_id: int) -> Account | None:
    rows = store.read_rows(_ACCOUNT_BY_ID, [account_id])
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
        """
        SELECT password_hash, role, active, (
            SELECT max(id) FROM audit_log
            WHERE record_type = 'account' AND record_id = CAST($id AS VARCHAR)
                AND list_contains($changes, action)
        )
        FROM accounts WHERE id = $id
        """,
        {"id": account_id, "changes": list(CREDENTIAL_CHANGES)},
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
        ((existing,),) = cursor.execute("SELECT count(*) FROM accounts").fetchall()
        if existing:
            cursor.execute("DELETE FROM settings WHERE name = ?", [SETUP_CODE_SETTING])
            return None
        cursor.execute(
            "INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [SETUP_CODE_SETTING, _digest(code), now],
        )
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
        ((existing,),) = cursor.execute("SELECT count(*) FROM accounts").fetchall()
        if existing:
            raise AccountInvalid([Problem("username", "the headteacher's account already exists")])
        stored = cursor.execute(
            "SELECT value FROM settings WHERE name = ?", [SETUP_CODE_SETTING]
        ).fetchall()
        if not stored or not hmac.compare_digest(stored[0][0], _digest(typed)):
            raise AccountInvalid(
                [
                    Problem(
                        "setup_code",
                        "is not the code the server printed on its console (ask whoever "
                        "runs the server; a new code is printed each time it starts)",
                    )
                ]
            )
        account_id = _insert_account(
            cursor, username, display_name, "headteacher", password, email, now
        )
        cursor.execute("DELETE FROM settings WHERE name = ?", [SETUP_CODE_SETTING])
        record_audit(cursor, username, "account created", "account", account_id, now=now,
                     detail="headteacher (first account, with the setup code)")  # fmt: skip
    return load_account(store, account_id)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


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
        account_id = _insert_account(cursor, username, display_name, role, password, email, now)
        if temporary:
            cursor.execute(
                "UPDATE accounts SET must_change_password = true WHERE id = ?", [account_id]
            )
        record_audit(cursor, actor, "account created", "account", account_id, now=now, detail=role)
    return load_account(store, account_id)


def record_role(store: Store, account_id: int, role: str, *, actor: str, now: datetime) -> None:
    if role not in ROLES:
        raise AccountInvalid([Problem("role", f"must be one of {', '.join(ROLES)}")])
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
            [_HASHER.hash(password), temporary, account_id],
        )
        end_account_sessions(cursor, account_id, SESSION_ENDED_PASSWORD_RESET, now=now)
        record_audit(
            cursor, actor, "password reset", "account", account_id, now=now,
            detail="temporary: to be changed at next sign-in" if temporary else None,
        )  # fmt: skip


def record_own_password(
    store: Store, account: Account, current: str, new: str, *, now: datetime
) -> None:
    """Someone changes their own password, giving the current one first."""
    with store.transaction() as cursor:
        ((password_hash, username, display_name),) = cursor.execute(
            "SELECT password_hash, username, display_name FROM accounts WHERE id = ?",
            [account.id],
        ).fetchall()
        if not _password_matches(password_hash, current):
            raise AccountInvalid([Problem("current_password", "is not your current password")])
        if current == new:
            raise AccountInvalid([Problem("password", "must differ from the current one")])
        _check_password(cursor, new, username, display_name)
        cursor.execute(
            "UPDATE accounts SET password_hash = ?, must_change_password = false WHERE id = ?",
            [_HASHER.hash(new), account.id],
        )
        record_audit(cursor, account.actor, "password changed", "account", account.id, now=now)


def sign_in(store: Store, username: str, password: str, *, now: datetime) -> Account:
    """The account for these credentials, or SignInRefused; every attempt is audited.

    A refusal is committed (the failure counted, the attempt audited) before it is raised.
    """
    username = (username or "").strip().lower()
    with store.transaction() as cursor:
        refusal = _check_sign_in(cursor, username, password, now)
    if refusal is not None:
        raise SignInRefused(refusal)
    return load_account(
        store, store.read_value("SELECT id FROM accounts WHERE username = ?", [username])
    )


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
    matches = _password_matches(rows[0][1] if rows else _NO_ACCOUNTS_HASH, password)
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
    cursor.execute(
        "UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?", [account_id]
    )
    return None


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
    if attempts == 1:
        record_audit(
            cursor, name, "sign-in failed", "account" if account_id else None, account_id,
            now=now, detail=f"{detail}; every failure this minute is counted with it",
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
    rows = store.read_rows(_ACCOUNT_BY_EMAIL, [(email or "").strip().lower()]) if email else []
    if not rows or not rows[0][5]:
        with store.transaction() as cursor:
            record_audit(
                cursor, audit_name(email.split("@")[0] if email else None), "sign-in failed",
                now=now, detail="single sign-on: no active account has this email",
            )  # fmt: skip
        raise SignInRefused(
            "No active account has this email address. Ask the headteacher to add it."
        )
    return Account(*rows[0])


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


def _insert_account(cursor, username, display_name, role, password, email, now) -> int:
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
    if role not in ROLES:
        problems.append(Problem("role", f"must be one of {', '.join(ROLES)}"))
    if email is not None and not EMAIL_PATTERN.fullmatch(email):
        problems.append(Problem("email", "must be an email address"))
    elif email and cursor.execute("SELECT 1 FROM accounts WHERE email = ?", [email]).fetchall():
        problems.append(Problem("email", "belongs to another account"))
    problems.extend(
        password_problems(
            password, username=username, display_name=display_name, school=_school_name(cursor)
        )
    )
    if problems:
        raise AccountInvalid(problems)
    ((account_id,),) = cursor.execute(
        "INSERT INTO accounts (username, display_name, email, role, password_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [username, display_name, email, role, _HASHER.hash(password), now],
    ).fetchall()
    return account_id


def _check_password(cursor, password: str | None, username: str, display_name: str = "") -> None:
    problems = password_problems(
        password, username=username, display_name=display_name, school=_school_name(cursor)
    )
    if problems:
        raise AccountInvalid(problems)


def password_problems(
    password: str | None, *, username: str, school: str, display_name: str = ""
) -> list[Problem]:
    """What is wrong with a new password, as the NCSC advises: at least 12 characters, not
    only spaces, not the username or the school's name, and not easy to guess."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")]
    if not password.strip():
        return [Problem("password", "must not be only spaces")]
    letters = _letters(password)
    username_letters = _letters(username)
    if len(username_letters) >= 3 and username_letters in letters:
        return [Problem("password", "must not contain the username")]
    school_words = [
        w for w in re.findall(r"[a-z0-9]+", school.lower()) if w not in _GENERIC_SCHOOL_WORDS
    ]
    if len("".join(school_words)) >= 3 and "".join(school_words) in letters:
        return [Problem("password", "must not contain the school's name")]
    estimate = zxcvbn(password[:100], user_inputs=[username, display_name, school, *school_words])
    if estimate["score"] < WEAKEST_SCORE_ALLOWED:
        return [
            Problem(
                "password",
                "is too easy to guess: three or four unrelated words make a strong one",
            )
        ]
    return []


def _letters(text: str) -> str:
    return "".join(re.findall(r"[a-z0-9]", (text or "").lower()))


def _school_name(cursor) -> str:
    rows = cursor.execute("SELECT value FROM settings WHERE name = ?", [SCHOOL_NAME]).fetchall()
    return rows[0][0] if rows else DEFAULTS[SCHOOL_NAME]


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _ensure_a_headteacher_remains(cursor, account_id: int, *, role=None, active=True) -> None:
    """Refuse the change that would leave no active headteacher to run the store."""
    ((others,),) = cursor.execute(
        "SELECT count(*) FROM accounts WHERE role = 'headteacher' AND active AND id <> ?",
        [account_id],
    ).fetchall()
    ((is_headteacher,),) = cursor.execute(
        "SELECT count(*) FROM accounts WHERE id = ? AND role = 'headteacher' AND active",
        [account_id],
    ).fetchall()
    losing = is_headteacher and ((role is not None and role != "headteacher") or not active)
    if losing and not others:
        raise AccountInvalid([Problem("role", "the store needs at least one active headteacher")])
