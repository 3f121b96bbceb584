"""Audit rows for the audit tests: five written by the app, changes made behind its back,
and the verdict on them."""

from __future__ import annotations

from analytics.records.audit import record_audit
from analytics.records.audit_verify import verify_audit_trail
from tests.conftest import PINNED_NOW


def write_five_rows(store) -> None:
    for n in range(1, 6):
        with store.transaction() as cursor:
            record_audit(
                cursor, "head", "case edited", "incident", n, reason=f"typo {n}", now=PINNED_NOW
            )


def tamper(store, sql: str, params=None) -> None:
    """A change made behind the app's back (as with the DuckDB shell)."""
    with store.cursor() as cursor:
        cursor.execute(sql, params)


def broken(store) -> tuple[str | None, int | None]:
    verdict = verify_audit_trail(store)
    assert verdict.whole is (verdict.problem is None)
    return verdict.problem, verdict.first_bad_row
