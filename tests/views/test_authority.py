"""Authority at the moment of each action: a button or link still on the screen of someone
deactivated, demoted or signed out does nothing but say why."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics.access.accounts import find_account_id, record_account, record_active, record_role
from analytics.access.sessions import record_sign_out
from analytics.cases.interchange import import_cases_file
from analytics.records.opening import open_store
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import (
    APP,
    PASSWORD,
    account_in,
    app_as,
    app_store,
    download_links,
    follow,
    open_page,
    seeded,
    session_for,
)
from ui.auth import SESSION_TOKEN


def audit_actions() -> list[str]:
    return [row[0] for row in app_store().read_rows("SELECT action FROM audit_log ORDER BY id")]


def test_a_headteacher_deactivated_after_the_page_was_drawn_gets_no_backup(db_path):
    def two_headteachers(store):
        import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
        account_in(db_path)  # the first, who stays: a store always keeps one
        record_account(
            store, "head2", "Mr Other", "headteacher", PASSWORD, actor="head", now=PINNED_NOW
        )

    seeded(db_path, two_headteachers)
    second = AppTest.from_file(APP, default_timeout=60)
    second.session_state[SESSION_TOKEN] = session_for(db_path, find_id(db_path, "head2"))
    open_page(second.run(), "views/retention.py")
    assert "Download a backup" in download_links(second)
    record_active(
        app_store(), find_account_id(app_store(), "head2"), False, actor="head", now=PINNED_NOW
    )
    reply = follow(second, "Download a backup")
    assert reply.status_code == 403 and b"DUCK" not in reply.content
    assert "backup made" not in audit_actions()


def find_id(db_path, username: str) -> int:
    store = open_store(db_path, now=PINNED_NOW)
    try:
        return find_account_id(store, username)
    finally:
        store.close()


def test_staff_demoted_to_governor_gets_no_confidential_report(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    staff_id = account_in(db_path, "staff")
    app = app_as(db_path, "staff").run()
    open_page(app, "views/termly_report.py", term="Autumn 2025", mode="confidential")
    assert "Download PDF (confidential)" in download_links(app)
    before = audit_actions()
    record_role(app_store(), staff_id, "governor", actor="head", now=PINNED_NOW)
    reply = follow(app, "Download PDF (confidential)")
    assert reply.status_code == 403 and not reply.content.startswith(b"%PDF")
    assert "report downloaded" not in audit_actions()[len(before) :]
    # The page itself, at its next run, says why it closed.
    app.run()
    assert app.title[0].value == "Sign in"
    assert any("your account's role changed" in info.value for info in app.info)


def test_no_download_link_works_once_its_session_has_ended(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = app_as(db_path).run()
    open_page(app, "views/termly_report.py", term="Autumn 2025", mode="confidential")
    assert follow(app, "Download CSV").status_code == 200
    record_sign_out(app_store(), app.session_state[SESSION_TOKEN], now=PINNED_NOW)
    reply = follow(app, "Download CSV")
    assert reply.status_code == 403 and "Sign in again" in reply.text


def test_a_document_is_made_when_its_link_is_followed_not_when_the_page_is_drawn(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = app_as(db_path).run()
    open_page(app, "views/termly_report.py", term="Autumn 2025", mode="circulation")
    assert "report downloaded" not in audit_actions()
    reply = follow(app, "Download PDF (to circulate)")
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF")
    assert reply.headers["cache-control"] == "no-store"
    assert audit_actions()[-1] == "report downloaded"


def test_a_staff_member_deactivated_mid_form_logs_nothing_and_is_told_why(db_path):
    staff_id = account_in(db_path, "staff")
    app = app_as(db_path, "staff").run()
    open_page(app, "views/log_incident.py")
    record_active(app_store(), staff_id, False, actor="head", now=PINNED_NOW)
    app.text_input(key=next(k for k in app.session_state if k.startswith("log_reference"))).input(
        "2026-900"
    )
    next(b for b in app.button if b.label == "Log incident").click().run()
    assert app_store().read_value("SELECT count(*) FROM incidents") == 0
    assert any("your account was deactivated" in info.value for info in app.info)
