"""Password rules and hashing: what makes a new password acceptable, and argon2 for the rest."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from analytics.problems import Problem

# The NCSC's advice: length, no composition rules, and no password that is easy to guess.
MIN_PASSWORD_LENGTH = 12
WEAKEST_SCORE_ALLOWED = 3  # zxcvbn's estimate, 0 (guessed at once) to 4 (very hard)
# Words of a school's name too common to identify it ("St Mary's CE Primary School").
_GENERIC_SCHOOL_WORDS = {
    "school", "primary", "infant", "infants", "junior", "juniors", "academy", "ce", "c", "of",
    "e", "church", "england", "rc", "catholic", "the", "and", "st", "saint", "community",
}  # fmt: skip

# Read at each call, so a test process may put a cheaper hasher here (tests/conftest.py).
_HASHER = PasswordHasher()
# Stands in for an unknown username's hash, so every attempt costs one argon2 verification
# and answers in the same time.
_NO_ACCOUNTS_HASH = _HASHER.hash(secrets.token_urlsafe(16))


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


def hash_password(password: str) -> str:
    """The argon2 hash the store keeps in place of a password."""
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str | None) -> bool:
    """Whether the password is the one hashed; with no hash (no such account), one
    verification of the same cost all the same, which fails."""
    try:
        return _HASHER.verify(password_hash or _NO_ACCOUNTS_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _letters(text: str) -> str:
    return "".join(re.findall(r"[a-z0-9]", (text or "").lower()))
