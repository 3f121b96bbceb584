"""What the tests of the access package share: the first headteacher, made as a new store
makes it, and the audit trail's actors and actions."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics.access.setup_code import issue_setup_code, record_first_headteacher
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"
# A moment of the tests' own, for sign-ins and lock-outs.
NOW = datetime(2026, 11, 24, 9, 0)


@pytest.fixture
def head(store):
    code = issue_setup_code(store, now=PINNED_NOW)
    return record_first_headteacher(
        store, "head", "Ms Head", PASSWORD, "Head@School.example", setup_code=code, now=PINNED_NOW
    )


def audit(store) -> list[tuple[str, str]]:
    return store.read_rows("SELECT actor, action FROM audit_log ORDER BY id")
