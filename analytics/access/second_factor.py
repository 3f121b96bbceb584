"""The second factor for signing in: one-time codes from an authenticator app (RFC 6238).

Enrolment keeps a new secret unconfirmed until the app's first code is checked, then hands
out ten single-use recovery codes (stored only as hashes) for a lost phone. Each code is
taken once: the last 30-second time step used is kept, and a code from it or before it is
refused. Every refused code counts toward the account's lock, as a wrong password does.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyotp
import segno

from analytics.access.accounts import AccountInvalid
from analytics.access.roles import ROLE_TABLE, ROLES
from analytics.access.session_ending import (
    SESSION_ENDED_SECOND_FACTOR_RESET,
    end_account_sessions,
)

# Recovery codes are written in the setup code's alphabet: characters no one misreads.
from analytics.access.setup_code import UNAMBIGUOUS_ALPHABET

# Refused codes go on the trail and into sign_in_failures exactly as refused passwords do,
# and a right one clears the count as a right password does.
from analytics.access.signing_in import (
    LOCK_PERIOD,
    MAX_FAILED_SIGN_INS,
    clear_sign_in_failures,
    record_sign_in_failure,
)
from analytics.problems import Problem
from analytics.records import (
    Store,
    record_audit,
)

# Codes of the time step either side of now are taken too: a phone's clock may be up to 30
# seconds out, and a code typed just as it changes arrives in the next step.
VALID_WINDOW = 1  # time steps, of 30 seconds
RECOVERY_CODE_COUNT = 10
# Three groups of four from 32 characters: 12 x 5 = 60 random bits in each code.
RECOVERY_CODE_PATTERN = re.compile(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){2}")
# Wrong codes in a row after which authenticator codes are refused (recovery codes still
# work), until the headteacher resets the second factor; and the longest lock before that.
MAX_WRONG_CODES = 20
LONGEST_CODE_LOCK = timedelta(hours=24)
WRONG_CODE = "is not the code your authenticator app shows now"
_TOTP_CODE = re.compile(r"[0-9]{6}")  # ASCII digits only: compare_digest refuses others
# What a person may type around a code: spaces ("123 456") and dashes ("ABCD-EFGH-JKLM").
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Enrolment:
    """A secret awaiting its first code, as the enrolment page shows it (never in a log:
    every field holds the secret)."""

    key_text: str = field(repr=False)  # the secret in groups of four, to type into an app
    provisioning_uri: str = field(repr=False)  # otpauth://totp/...: what the QR code holds
    qr_png: bytes = field(repr=False)

    @property
    def secret(self) -> str:
        return self.key_text.replace(" ", "")


def requires_second_factor(role: str) -> bool:
    """Whether this role must sign in with a second factor (an unknown role must)."""
    known = ROLE_TABLE.get(role)
    return known is None or known.second_factor_required


def has_second_factor(store: Store, account_id: int) -> bool:
    """Whether the account has a confirmed second factor (not merely one begun)."""
    return bool(
        store.read_value(
            "SELECT count(*) FROM second_factors WHERE account_id = ? AND confirmed_at IS NOT NULL",
            [account_id],
        )
    )


def count_recovery_codes_left(store: Store, account_id: int) -> int:
    return int(
        store.read_value(
            "SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL",
            [account_id],
        )
    )


def begin_enrolment(
    store: Store,
    account_id: int,
    *,
    username: str,
    issuer: str,
    restart: bool = False,
    now: datetime,
) -> Enrolment:
    """The secret for the account's authenticator app, kept unconfirmed until
    record_enrolment checks its first code. A secret already waiting is given again (a
    page rerun must not change the QR code under the phone), unless restart asks for a new
    one. Refused once a second factor is confirmed: it must be reset or removed first."""
    with store.transaction() as cursor:
        owner, _, active = _load_account_row(cursor, account_id)
        if not active:
            raise AccountInvalid([Problem("account", "is not active")])
        rows = cursor.execute(
            "SELECT secret, confirmed_at FROM second_factors WHERE account_id = ?", [account_id]
        ).fetchall()
        if rows and rows[0][1] is not None:
            raise AccountInvalid([Problem("second_factor", "is already set up for this account")])
        if rows and not restart:
            secret = rows[0][0]
        else:
            secret = pyotp.random_base32()  # 160 random bits, as RFC 4226 recommends
            if rows:
                cursor.execute(
                    "UPDATE second_factors SET secret = ?, created_at = ? WHERE account_id = ?",
                    [secret, now, account_id],
                )
            else:
                cursor.execute(
                    "INSERT INTO second_factors (account_id, secret, created_at) VALUES (?, ?, ?)",
                    [account_id, secret, now],
                )
            record_audit(
                cursor, owner, "second factor enrolment begun", "account", account_id, now=now
            )
    return _build_enrolment(secret, username=username, issuer=issuer)


def record_enrolment(
    store: Store, account_id: int, code: str, *, actor: str, now: datetime
) -> list[str]:
    """Confirm the waiting secret with a code from the app; returns the ten recovery codes,
    in clear this once (the store keeps only their hashes). The code's time step counts as
    used, so the same code cannot then pass check_second_factor."""
    with store.transaction() as cursor:
        _load_account_row(cursor, account_id)
        rows = cursor.execute(
            "SELECT secret, confirmed_at FROM second_factors WHERE account_id = ?", [account_id]
        ).fetchall()
        if rows and rows[0][1] is not None:
            raise AccountInvalid([Problem("second_factor", "is already set up for this account")])
        if not rows:
            raise AccountInvalid(
                [Problem("code", "has no set-up waiting for it: start setting up again")]
            )
        step = match_time_step(rows[0][0], code, now)
        if step is None:
            raise AccountInvalid([Problem("code", WRONG_CODE)])
        cursor.execute(
            "UPDATE second_factors SET confirmed_at = ?, last_time_step = ?, failed_codes = 0 "
            "WHERE account_id = ?",
            [now, step, account_id],
        )
        codes = _make_recovery_codes()
        # Any left from before a reset would otherwise still let someone in.
        cursor.execute("DELETE FROM recovery_codes WHERE account_id = ?", [account_id])
        cursor.executemany(
            "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES (?, ?, ?)",
            [[account_id, _hash_recovery_code(code), now] for code in codes],
        )
        record_audit(
            cursor, actor, "second factor enrolled", "account", account_id, now=now,
            detail=f"{len(codes)} recovery codes issued",
        )  # fmt: skip
    return codes


def check_second_factor(store: Store, account_id: int, code: str, *, now: datetime) -> bool:
    """Whether this code completes the account's sign-in: a code the app shows now (±30
    seconds) from a time step later than the last one used, or an unused recovery code.

    The check and its record are one transaction under the store's write lock, so the same
    code sent twice at once passes once. A refusal (a wrong or reused code, a locked or
    inactive account) is counted toward the lock and committed before False is returned.
    """
    typed = _normalise_code(code)
    with store.transaction() as cursor:
        rows = cursor.execute(
            "SELECT username, active, failed_sign_ins, locked_until FROM accounts WHERE id = ?",
            [account_id],
        ).fetchall()
        if not rows:
            return False
        username, active, failures, locked_until = rows[0]
        if not active:
            record_sign_in_failure(cursor, username, account_id, now, "inactive")
            return False
        if locked_until is not None and locked_until > now:
            record_sign_in_failure(cursor, username, account_id, now, "locked")
            return False
        factor = cursor.execute(
            "SELECT secret, last_time_step, failed_codes FROM second_factors "
            "WHERE account_id = ? AND confirmed_at IS NOT NULL",
            [account_id],
        ).fetchall()
        if not factor:
            _count_refusal(cursor, username, account_id, failures, None, now, "no second factor")
            return False
        secret, last_step, failed_codes = factor[0]
        # After so many wrong codes in a row, only a recovery code (60 random bits, beyond
        # guessing) or the headteacher's reset opens the account again.
        step = (
            match_time_step(secret, typed, now, after=last_step)
            if failed_codes < MAX_WRONG_CODES
            else None
        )
        if step is not None:
            cursor.execute(
                "UPDATE second_factors SET last_time_step = ?, failed_codes = 0 "
                "WHERE account_id = ?",
                [step, account_id],
            )
            clear_sign_in_failures(cursor, account_id)
            record_audit(cursor, username, "second factor accepted", "account", account_id,
                         now=now, detail="authenticator code")  # fmt: skip
            return True
        if _record_recovery_code_used(cursor, account_id, typed, now):
            ((left,),) = cursor.execute(
                "SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL",
                [account_id],
            ).fetchall()
            cursor.execute(
                "UPDATE second_factors SET failed_codes = 0 WHERE account_id = ?", [account_id]
            )
            clear_sign_in_failures(cursor, account_id)
            record_audit(cursor, username, "recovery code used", "account", account_id,
                         now=now, detail=f"{left} left")  # fmt: skip
            return True
        reused = match_time_step(secret, typed, now) is not None
        why = "second-factor code already used" if reused else "wrong second-factor code"
        _count_refusal(cursor, username, account_id, failures, failed_codes, now, why)
        return False


def record_second_factor_reset(store: Store, account_id: int, *, actor: str, now: datetime) -> None:
    """The headteacher's reset of someone's second factor (a lost phone and lost recovery
    codes), or the server's command line for a headteacher with no one to ask: the secret
    and recovery codes go, every open session of the account ends (a stolen phone may be
    in one), and the next sign-in asks to set one up."""
    with store.transaction() as cursor:
        _load_account_row(cursor, account_id)
        if not _delete_second_factor(cursor, account_id):
            raise AccountInvalid([Problem("second_factor", "is not set up for this account")])
        end_account_sessions(cursor, account_id, SESSION_ENDED_SECOND_FACTOR_RESET, now=now)
        record_audit(cursor, actor, "second factor reset", "account", account_id, now=now)


def record_second_factor_removed(
    store: Store, account_id: int, *, actor: str, now: datetime
) -> None:
    """Remove the second factor of an account whose role does not need one (a governor who
    no longer wants it); refused for a role that must have one."""
    with store.transaction() as cursor:
        _, role, _ = _load_account_row(cursor, account_id)
        if requires_second_factor(role):
            label = ROLES.get(role, role).lower()
            raise AccountInvalid(
                [Problem("second_factor", f"cannot be removed: every {label} account needs one")]
            )
        if not _delete_second_factor(cursor, account_id):
            raise AccountInvalid([Problem("second_factor", "is not set up for this account")])
        record_audit(cursor, actor, "second factor removed", "account", account_id, now=now)


def match_time_step(
    secret: str, code: str | None, now: datetime, *, after: int | None = None
) -> int | None:
    """The latest time step within VALID_WINDOW of now, and later than `after`, whose code
    is the one typed (spaces allowed); None when there is none."""
    typed = _normalise_code(code)
    if not _TOTP_CODE.fullmatch(typed):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        fresh = after is None or step > after
        # Compared in constant time, and every step compared, so timing tells nothing.
        if hmac.compare_digest(totp.generate_otp(step), typed) and fresh:
            found = step
    return found


def _build_enrolment(secret: str, *, username: str, issuer: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)
    png = io.BytesIO()
    segno.make(uri, error="m").save(png, kind="png", scale=5, border=4)
    key_text = " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))
    return Enrolment(key_text=key_text, provisioning_uri=uri, qr_png=png.getvalue())


def _make_recovery_codes() -> list[str]:
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(
            "-".join(
                "".join(secrets.choice(UNAMBIGUOUS_ALPHABET) for _ in range(4)) for _ in range(3)
            )
        )
    return sorted(codes)


def _normalise_code(code: str | None) -> str:
    """A code as compared: without spaces or dashes, in capitals."""
    return _SEPARATORS.sub("", code or "").upper()


def _hash_recovery_code(code: str) -> str:
    # Each code holds 60 random bits: too many to guess, so a fast hash is enough.
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _record_recovery_code_used(cursor, account_id: int, typed: str, now: datetime) -> bool:
    used = cursor.execute(
        "UPDATE recovery_codes SET used_at = ? "
        "WHERE account_id = ? AND code_hash = ? AND used_at IS NULL RETURNING code_hash",
        [now, account_id, _hash_recovery_code(typed)],
    ).fetchall()
    return bool(used)


def _count_refusal(
    cursor,
    username: str,
    account_id: int,
    failures: int,
    failed_codes: int | None,
    now: datetime,
    why: str,
) -> None:
    """Count a refused code toward the lock, as a wrong password is counted. The account's
    own count starts again at each right password, so the second factor keeps a count of
    its own, which only a right code clears: the password cannot buy fresh guesses, and
    each lock it brings is twice as long as the one before."""
    failures += 1
    codes = None if failed_codes is None else failed_codes + 1
    lock_for = code_lock_period(codes or 0) if codes else None
    if lock_for is None and failures >= MAX_FAILED_SIGN_INS:
        lock_for = LOCK_PERIOD
    lock = now + lock_for if lock_for else None
    cursor.execute(
        "UPDATE accounts SET failed_sign_ins = ?, locked_until = ? WHERE id = ?",
        [0 if lock else failures, lock, account_id],
    )
    if codes is not None:
        cursor.execute(
            "UPDATE second_factors SET failed_codes = ? WHERE account_id = ?", [codes, account_id]
        )
    detail = f"{why}; locked for {_describe(lock_for)}" if lock else why
    record_sign_in_failure(cursor, username, account_id, now, detail)


def code_lock_period(wrong_codes: int) -> timedelta | None:
    """How long the account locks after this many wrong codes in a row: 15 minutes at the
    fifth, doubling at each fifth after, up to a day; None between."""
    if wrong_codes == 0 or wrong_codes % MAX_FAILED_SIGN_INS:
        return None
    doublings = min(wrong_codes // MAX_FAILED_SIGN_INS - 1, 7)  # 15 minutes x 128 > a day
    return min(LOCK_PERIOD * 2**doublings, LONGEST_CODE_LOCK)


def _describe(period: timedelta) -> str:
    minutes = int(period.total_seconds() // 60)
    return f"{minutes} minutes" if minutes < 120 else f"{minutes // 60} hours"


def _delete_second_factor(cursor, account_id: int) -> bool:
    """Delete the account's secret and recovery codes; whether there was anything to delete."""
    ((held,),) = cursor.execute(
        "SELECT (SELECT count(*) FROM second_factors WHERE account_id = ?) "
        "+ (SELECT count(*) FROM recovery_codes WHERE account_id = ?)",
        [account_id, account_id],
    ).fetchall()
    cursor.execute("DELETE FROM recovery_codes WHERE account_id = ?", [account_id])
    cursor.execute("DELETE FROM second_factors WHERE account_id = ?", [account_id])
    return bool(held)


def _load_account_row(cursor, account_id: int) -> tuple[str, str, bool]:
    """The account's username, role and whether it is active; refused if there is none."""
    rows = cursor.execute(
        "SELECT username, role, active FROM accounts WHERE id = ?", [account_id]
    ).fetchall()
    if not rows:
        raise AccountInvalid([Problem("account", "does not exist")])
    return rows[0]
