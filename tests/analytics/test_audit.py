"""The audit trail's writer and readers."""

import getpass

from analytics.audit import command_line_actor, load_audit_trail, record_audit


def test_an_audit_row_commits_with_its_write(store):
    with store.transaction() as cursor:
        record_audit(cursor, "head", "case edited", "incident", 7, reason="typo", detail="summary")
    trail = load_audit_trail(store)
    assert trail[
        ["actor", "action", "record_type", "record_id", "reason", "detail"]
    ].values.tolist() == [["head", "case edited", "incident", "7", "typo", "summary"]]


def test_an_audit_row_is_rolled_back_with_a_failed_write(store):
    try:
        with store.transaction() as cursor:
            record_audit(cursor, "head", "case logged")
            raise ValueError("the write failed")
    except ValueError:
        pass
    assert len(load_audit_trail(store)) == 0


def test_command_line_writes_are_by_the_operating_system_user():
    assert command_line_actor() == f"os:{getpass.getuser()}"
