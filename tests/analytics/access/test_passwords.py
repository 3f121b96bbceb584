"""Password rules and hashing: argon2 at its recommended cost, and the NCSC's rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.access.accounts import (
    AccountInvalid,
    record_password,
)
from analytics.access.passwords import password_problems
from analytics.access.signing_in import sign_in
from tests.analytics.access.conftest import NOW, PASSWORD
from tests.conftest import PINNED_NOW


def test_passwords_are_stored_as_argon2_hashes(store, head):
    (stored,) = store.read_rows("SELECT password_hash FROM accounts")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_app_hashes_at_argon2s_recommended_cost():
    """RFC 9106's second recommended option (argon2-cffi's default): 64 MiB, three passes.
    (The tests' own process hashes at the lowest cost, tests/conftest.py says why.)"""
    from tests.conftest import APP_NO_ACCOUNTS_HASH, APP_PASSWORD_HASHER

    stored = APP_PASSWORD_HASHER.hash(PASSWORD)
    app_cost = "$argon2id$v=19$m=65536,t=3,p=4$"
    assert stored.startswith(app_cost)
    assert APP_PASSWORD_HASHER.verify(stored, PASSWORD)
    # An unknown username costs the same verification as a known one.
    assert APP_NO_ACCOUNTS_HASH.startswith(app_cost)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("password12", "at least 12 characters"),
        (" " * 12, "only spaces"),
        ("123456789012", "too easy to guess"),
        ("passwordpassword", "too easy to guess"),
        ("head horse battery staple", "the username"),
        ("All Saints rocks forever!", "the school's name"),
    ],
)
def test_a_weak_password_is_refused_with_its_rule(store, head, password, rule):
    with pytest.raises(AccountInvalid, match=rule):
        record_password(store, head.id, password, actor="head", now=PINNED_NOW)
    assert sign_in(store, "head", PASSWORD, now=NOW).id == head.id


@settings(max_examples=40, deadline=None)
@given(password=st.text(max_size=40))
def test_any_password_is_either_refused_with_a_named_rule_or_strong(password):
    problems = password_problems(password, username="head", school="St Mary's CE Primary")
    if problems:
        assert all(problem.field == "password" and problem.rule for problem in problems)
    else:
        assert len(password) >= 12 and password.strip()
        assert "head" not in password.lower() and "mary" not in password.lower()
