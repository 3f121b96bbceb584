"""The headteacher's views: accounts and retention (the audit trail: test_audit_page.py)."""

from __future__ import annotations

from datetime import datetime

from streamlit.testing.v1 import AppTest

from analytics.access.accounts import load_accounts
from analytics.access.signing_in import sign_in
from analytics.cases.interchange import import_cases_file
from analytics.cases.register import find_case_id, load_case
from analytics.records.settings import RETENTION_YEARS, record_setting
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import app_as, app_store, plain, seeded


def open_view(db_path, view: str) -> AppTest:
    app = app_as(db_path).run()
    app.switch_page(f"views/{view}.py").run()
    assert not app.exception, app.exception
    return app


def press(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label.startswith(label)).click().run()
    assert not app.exception, app.exception
    return app


def test_the_headteacher_adds_an_account_that_can_then_sign_in(db_path):
    app = open_view(db_path, "accounts")
    app.text_input(key="account_username_0").input("cllr.jones")
    app.text_input(key="account_name_0").input("Cllr Jones")
    app.selectbox(key="account_role_0").set_value("governor")
    app.text_input(key="account_password_0").input("a long first password")
    press(app, "Add the account")
    assert plain(app.success[0].value) == "Added cllr.jones."
    assert (
        sign_in(app_store(), "cllr.jones", "a long first password", now=PINNED_NOW).role
        == "governor"
    )


def test_a_short_password_is_refused_and_nothing_is_added(db_path):
    app = open_view(db_path, "accounts")
    app.text_input(key="account_username_0").input("someone")
    app.text_input(key="account_name_0").input("Someone")
    app.text_input(key="account_password_0").input("short")
    press(app, "Add the account")
    assert "Password: must be at least 12 characters" in app.error[0].value
    assert [a.username for a in load_accounts(app_store())] == ["head"]


def test_cases_past_their_date_are_anonymised_only_after_confirming(db_path):
    def store_with_short_retention(store):
        import_cases_file(store, SAMPLE_CSV, actor="seed", now=datetime(2026, 3, 1, 10))
        record_setting(store, RETENTION_YEARS, "1", actor="head", now=PINNED_NOW)

    seeded(db_path, store_with_short_retention)
    app = open_view(db_path, "retention")
    # One year after closing: 2025-001 (closed 19 Sep 2025) is due; 2025-003 (1 Dec 2025) not yet.
    due = app.dataframe[0].value["Reference"].tolist()
    assert due == ["2025-001"]
    anonymise = next(b for b in app.button if b.label.startswith("Anonymise"))
    assert anonymise.disabled
    app.checkbox(key="confirm_disposal").check().run()
    press(app, "Anonymise 1 case")
    assert app.success[0].value == "Anonymised 1 case."
    disposed = load_case(app_store(), find_case_id(app_store(), "ANON-1"))
    assert disposed.summary is None and disposed.person_ref is None
    assert load_case(app_store(), find_case_id(app_store(), "2025-003")).summary is not None


def test_a_new_account_has_no_default_role(db_path):
    app = open_view(db_path, "accounts")
    assert app.selectbox(key="account_role_0").value is None
    app.text_input(key="account_username_0").input("someone")
    app.text_input(key="account_name_0").input("Someone")
    app.text_input(key="account_password_0").input("a long first password")
    press(app, "Add the account")
    assert "Role:" in app.error[0].value
    assert [a.username for a in load_accounts(app_store())] == ["head"]


def test_a_role_change_names_the_account_and_waits_for_confirmation(db_path):
    app = open_view(db_path, "accounts")
    app.text_input(key="account_username_0").input("teacher")
    app.text_input(key="account_name_0").input("A Teacher")
    app.selectbox(key="account_role_0").set_value("staff")
    app.text_input(key="account_password_0").input("a long first password")
    press(app, "Add the account")
    teacher = next(a for a in load_accounts(app_store()) if a.username == "teacher")
    app.selectbox(key="account_chosen").set_value(teacher.id).run()
    app.selectbox(key=f"role_{teacher.id}_0").set_value("governor")
    press(app, "Change the role")
    assert "tick the box to confirm the change for teacher" in app.error[0].value
    assert next(a for a in load_accounts(app_store()) if a.username == "teacher").role == "staff"
    confirm = next(box for box in app.checkbox if "A Teacher (teacher)" in box.label)
    confirm.check()
    press(app, "Change the role")
    assert next(a for a in load_accounts(app_store()) if a.username == "teacher").role == "governor"
