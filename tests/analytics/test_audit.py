"""The audit trail's writer and readers."""

import getpass
import re
from datetime import date
from pathlib import Path

from analytics.audit import command_line_actor, load_audit_trail, record_audit, verify_audit_chain


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


def write_five_rows(store) -> None:
    for n in range(5):
        with store.transaction() as cursor:
            record_audit(cursor, "head", "case logged", "incident", n)


def test_the_chain_holds_for_a_trail_written_by_the_app(store):
    write_five_rows(store)
    assert verify_audit_chain(store) is None


def test_changing_a_row_behind_the_apps_back_breaks_the_chain(store):
    write_five_rows(store)
    with store.transaction() as cursor:
        cursor.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    assert verify_audit_chain(store) == 3


def test_deleting_a_row_behind_the_apps_back_breaks_the_chain(store):
    write_five_rows(store)
    with store.transaction() as cursor:
        cursor.execute("DELETE FROM audit_log WHERE id = 2")
    assert verify_audit_chain(store) == 3


def test_the_app_never_updates_or_deletes_audit_rows():
    """Append-only by construction: no statement anywhere in the app changes the trail."""
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("analytics/**/*.py"), *root.glob("analytics/**/*.sql"),
               *root.glob("ui/*.py"), *root.glob("views/*.py"), *root.glob("*.py")]  # fmt: skip
    offending = [
        str(path.relative_to(root))
        for path in sources
        if re.search(
            r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+audit_log", path.read_text(), re.I
        )
    ]
    assert offending == []
    assert len(sources) > 20


def test_the_trail_filters_by_person_action_and_day(store):
    with store.transaction() as cursor:
        record_audit(cursor, "head", "case logged", "incident", 1)
        record_audit(cursor, "teacher", "case closed", "incident", 1)
        record_audit(cursor, "head", "case closed", "incident", 2)
    assert len(load_audit_trail(store, actor="head")) == 2
    assert load_audit_trail(store, actions=["case closed"])["actor"].tolist() == ["head", "teacher"]
    assert len(load_audit_trail(store, start=date.today(), end=date.today())) == 3
    assert len(load_audit_trail(store, end=date(2000, 1, 1))) == 0


def test_the_audit_trail_csv_keeps_a_typed_formula_inert(store):
    from analytics.audit import audit_trail_csv, load_audit_trail, record_audit

    with store.transaction() as cursor:
        record_audit(cursor, '=HYPERLINK("http://example.org")', "sign-in failed")
    text = audit_trail_csv(load_audit_trail(store))
    assert "'=HYPERLINK" in text
    assert not any(line.split(",")[1].startswith("=") for line in text.splitlines()[1:])
