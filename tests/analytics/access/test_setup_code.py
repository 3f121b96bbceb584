"""The first account: the headteacher's, once, with the setup code the server printed."""

from __future__ import annotations

import re

import pytest

from analytics.access.accounts import (
    AccountInvalid,
    count_accounts,
)
from analytics.access.setup_code import (
    SETUP_CODE_PATTERN,
    issue_setup_code,
    record_first_headteacher,
)
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"


def test_the_first_account_is_the_headteachers_and_only_once(store, head):
    assert (head.username, head.role) == ("head", "headteacher")
    with pytest.raises(AccountInvalid, match="already exists"):
        record_first_headteacher(
            store, "other", "Other", PASSWORD, setup_code="ANY", now=PINNED_NOW
        )


def test_the_first_account_needs_the_setup_code_and_the_code_is_used_once(store):
    with pytest.raises(AccountInvalid, match="setup_code"):
        record_first_headteacher(
            store, "head", "Ms Head", PASSWORD, setup_code=None, now=PINNED_NOW
        )
    first = issue_setup_code(store, now=PINNED_NOW)
    # A restart prints a new code: the old one is void.
    second = issue_setup_code(store, now=PINNED_NOW)
    assert re.fullmatch(SETUP_CODE_PATTERN, second) and first != second
    for wrong in (first, "", second[:-1] + ("A" if second[-1] != "A" else "B")):
        with pytest.raises(AccountInvalid, match="setup_code"):
            record_first_headteacher(
                store, "head", "Ms Head", PASSWORD, setup_code=wrong, now=PINNED_NOW
            )
    assert count_accounts(store) == 0
    assert store.read_value("SELECT count(*) FROM audit_log") == 0
    # Typed in lower case with spaces around it, the right code works, once.
    record_first_headteacher(
        store, "head", "Ms Head", PASSWORD, setup_code=f" {second.lower()} ", now=PINNED_NOW
    )
    assert store.read_value("SELECT count(*) FROM settings WHERE name = 'setup_code_hash'") == 0
    assert issue_setup_code(store, now=PINNED_NOW) is None


def test_the_setup_code_is_kept_only_as_a_hash(store):
    code = issue_setup_code(store, now=PINNED_NOW)
    assert code not in str(store.read_rows("SELECT * FROM settings"))
