"""The Audit trail page (its verdict in words, its filters) and who opened which case."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from analytics.access.accounts import record_account
from analytics.cases.interchange import import_cases_file
from analytics.cases.register import find_case_id
from analytics.records.audit import CASE_OPENED, record_event
from analytics.records.audit_tail import audit_tail_path
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import PASSWORD, app_as, app_store, open_page, plain, seeded

INCIDENTS = "views/incidents.py"
AUDIT = "views/audit.py"


def sample_app(db_path, role: str = "headteacher") -> AppTest:
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="os:head", now=PINNED_NOW)
    )
    return app_as(db_path, role).run()


def opened_cases() -> list[tuple[str, str]]:
    return app_store().read_rows(
        "SELECT actor, record_id FROM audit_log WHERE action = ? ORDER BY id", [CASE_OPENED]
    )


def open_case(app: AppTest, reference: str) -> AppTest:
    app.query_params["case"] = str(find_case_id(app_store(), reference))
    app.run()
    assert not app.exception, app.exception
    assert plain(app.header[0].value) == f"Case {reference}"
    return app


def test_the_audit_trail_lists_writes_and_is_whole(db_path):
    app = open_page(sample_app(db_path), AUDIT)
    assert app.success[0].value.startswith("The trail is whole")
    trail = app.dataframe[0].value
    assert {"Cases imported", "Account created"} <= set(trail["What"])
    app.multiselect(key="audit_actions").set_value(["cases imported"]).run()
    assert app.dataframe[0].value["Who"].tolist() == ["head (on the server's command line)"]


def test_a_trail_changed_behind_the_apps_back_is_named_by_row_and_why(db_path):
    def tamper(store):
        import_cases_file(store, SAMPLE_CSV, actor="os:head", now=PINNED_NOW)
        with store.cursor() as cursor:
            cursor.execute("UPDATE audit_log SET actor = 'nobody' WHERE action = 'cases imported'")

    seeded(db_path, tamper)
    app = open_page(app_as(db_path).run(), AUDIT)
    edited = app_store().read_value("SELECT id FROM audit_log WHERE actor = 'nobody'")
    assert not app.success
    assert plain(app.error[0].value) == (
        f"The trail is not as the app wrote it. Row {edited} has been changed outside the app."
    )


def test_a_case_and_an_account_changed_in_the_file_are_named_on_the_page(db_path):
    """Issue 20.3: records edited outside the app, not the trail, are named by what people
    know them by: a case's summary rewritten, a staff account made headteacher."""

    def tamper(store):
        import_cases_file(store, SAMPLE_CSV, actor="os:head", now=PINNED_NOW)
        record_account(store, "tom", "Mr T", "staff", PASSWORD, actor="os:head", now=PINNED_NOW)
        with store.cursor() as cursor:
            cursor.execute("UPDATE incidents SET summary = 'x' WHERE reference = '2025-001'")
            cursor.execute("UPDATE accounts SET role = 'headteacher' WHERE username = 'tom'")

    seeded(db_path, tamper)
    app = open_page(app_as(db_path).run(), AUDIT)
    assert not app.success
    message = plain(app.error[0].value)
    assert message.startswith("The trail is not as the app wrote it. The trail's rows are as")
    assert "case 2025-001 (changed)" in message
    assert "account tom (changed)" in message


def test_the_newest_rows_removed_with_the_tail_rewritten_to_match_are_named(db_path):
    """Issue 20: the tail rewritten from what the store file shows, which needs no key."""

    def truncate(store):
        import_cases_file(store, SAMPLE_CSV, actor="os:head", now=PINNED_NOW)
        record_event(store, "os:head", "cases exported", now=PINNED_NOW)
        with store.cursor() as cursor:
            newest = cursor.execute("SELECT max(id) FROM audit_log").fetchone()[0]
            cursor.execute("DELETE FROM audit_log WHERE id = ?", [newest])
            row_id, chain = cursor.execute(
                "SELECT id, chain FROM audit_log ORDER BY id DESC LIMIT 1"
            ).fetchone()
        audit_tail_path(store.path).write_text(json.dumps({"row": row_id, "chain": chain}))

    seeded(db_path, truncate)
    app = open_page(app_as(db_path).run(), AUDIT)
    assert not app.success
    message = plain(app.error[0].value)
    assert message.startswith("The trail is not as the app wrote it. The tail file")
    assert "the removal of the newest rows cannot be ruled out" in message


def test_opening_a_case_is_recorded_once_per_opening_not_per_rerun(db_path):
    app = open_page(sample_app(db_path), INCIDENTS)
    first, second = (find_case_id(app_store(), ref) for ref in ("2025-002", "2025-003"))
    assert opened_cases() == []  # the list alone opens nothing
    open_case(app, "2025-002")
    app.run()
    app.run()
    assert opened_cases() == [("head", str(first))]
    open_case(app, "2025-003")
    open_case(app, "2025-002")  # back again: another opening
    assert opened_cases() == [("head", str(first)), ("head", str(second)), ("head", str(first))]


def test_a_case_opened_from_its_link_is_recorded_with_the_account(db_path):
    app = sample_app(db_path, role="staff")
    incident_id = find_case_id(app_store(), "2026-001")
    open_page(app, INCIDENTS, case=str(incident_id))
    assert plain(app.header[0].value) == "Case 2026-001"
    assert opened_cases() == [("staff", str(incident_id))]


def test_the_trail_filters_by_case_reference_to_answer_who_has_seen_it(db_path):
    app = sample_app(db_path, role="staff")
    open_page(app, INCIDENTS, case=str(find_case_id(app_store(), "2026-001")))
    head = open_page(app_as(db_path).run(), AUDIT)
    head.text_input(key="audit_case").input("2026-001").run()
    trail = head.dataframe[0].value
    assert trail[["Who", "What", "About"]].values.tolist() == [
        ["staff", CASE_OPENED.capitalize(), "Case 2026-001"]
    ]
    head.selectbox(key="audit_actor").set_value("head").run()
    assert head.dataframe[0].value.empty


def test_an_unknown_case_reference_says_so(db_path):
    app = open_page(sample_app(db_path), AUDIT)
    app.text_input(key="audit_case").input("2099-999").run()
    assert plain(app.info[0].value) == "No case has the reference 2099-999."
    assert not app.dataframe
