"""In a real Chromium against a freshly started server: every page's URL shows only sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from analytics.accounts import SETUP_CODE_PATTERN, record_account
from analytics.interchange import import_cases_file
from analytics.store import open_store
from tests.browser.conftest import (
    ARTIFACTS,
    PASSWORD,
    free_port,
    running_app,
    sample_store,
    sign_in,
    wait_until_idle,
)
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.browser

PAGE_PATHS = ["/", "/overview", "/incidents?case=3", "/log_incident", "/policies",
              "/termly_report?mode=confidential", "/accounts", "/audit", "/retention"]  # fmt: skip
# Paths that are no page at all: the server gives a blank page, with nothing in it.
ODD_PATHS = ["/views/incidents.py", "/pages/incidents"]
CASE_TEXT = ("2025-003", "F-03", "Comment on the school forum", "Incidents")


def test_every_url_of_a_fresh_server_shows_the_sign_in_and_no_data(browser: Browser, tmp_path):
    db_path = sample_store(tmp_path / "fresh.duckdb")
    with running_app(db_path, free_port()) as base_url:
        for path in PAGE_PATHS:
            page = browser.new_context().new_page()  # a new visitor each time
            page.goto(base_url + path)
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            wait_until_idle(page)
            body = page.locator("body").inner_text()
            assert not any(text in body for text in CASE_TEXT), path
            assert page.get_by_test_id("stDataFrame").count() == 0, path
            assert page.get_by_test_id("stMetric").count() == 0, path
            page.context.close()
        for path in ODD_PATHS:
            page = browser.new_context().new_page()
            # Every script and style the page asks for has been fetched and run: what it
            # shows now is all it will show (here, nothing: its assets do not resolve).
            page.goto(base_url + path, wait_until="networkidle")
            if page.get_by_test_id("stApp").count():
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                wait_until_idle(page)
            body = page.locator("body").inner_text()
            assert not any(text in body for text in CASE_TEXT), path
            assert page.get_by_test_id("stDataFrame").count() == 0, path
            page.context.close()
        # The first path, once more, and this time signing in opens the app.
        page = browser.new_context().new_page()
        page.goto(base_url + "/incidents")
        sign_in(page)
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Audit trail")
        page.context.close()


def test_a_governor_session_sees_figures_and_no_case(browser: Browser, tmp_path):
    db_path = sample_store(tmp_path / "governor.duckdb")
    store = open_store(db_path)
    record_account(store, "gov", "A Governor", "governor", "correct horse battery", actor="head")
    store.close()
    with running_app(db_path, free_port()) as base_url:
        page = browser.new_context().new_page()
        page.goto(f"{base_url}/?period=year&year=2025/26")
        sign_in(page, "gov")
        navigation = page.get_by_test_id("stSidebarNav")
        expect(navigation).to_contain_text("Overview")
        expect(navigation).not_to_contain_text("Incidents")
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        for path in ["/incidents?case=3", "/log_incident", "/audit"]:
            page.goto(base_url + path)
            sign_in(page, "gov")  # a new page load is a new session
            wait_until_idle(page)
            body = page.locator("body").inner_text()
            assert not any(text in body for text in CASE_TEXT[:3]), path
            assert page.get_by_test_id("stDataFrame").filter(has_text="2025-003").count() == 0
        page.context.close()


def test_the_first_run_takes_only_the_code_the_server_printed(browser: Browser, tmp_path):
    """The first visitor of a store made on the command line is no headteacher by default."""
    db_path = tmp_path / "first-run.duckdb"
    store = open_store(db_path)
    import_cases_file(store, SAMPLE_CSV, actor="os:admin")  # history imported first
    store.close()
    port = free_port()
    with running_app(db_path, port) as base_url:
        page = browser.new_context().new_page()
        page.goto(base_url + "/incidents")
        expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
        printed = SETUP_CODE_PATTERN.search((ARTIFACTS / f"server-{port}.log").read_text())
        assert printed, "the server printed a setup code"

        def create(setup_code: str) -> None:
            page.get_by_role("textbox", name="Setup code").fill(setup_code)
            page.get_by_role("textbox", name="Username").fill("head")
            page.get_by_role("textbox", name="Your name").fill("Ms Head")
            page.get_by_role("textbox", name="Password (at least 12 characters)").fill(PASSWORD)
            page.get_by_role("textbox", name="Password again").fill(PASSWORD)
            page.get_by_role("button", name="Create the headteacher's account").click()

        create("ABCD-EFGH-JKLM-NPQR")  # a stranger's guess
        expect(
            page.get_by_text("Setup code: is not the code the server printed on its console")
        ).to_be_visible()
        wait_until_idle(page)
        assert not any(text in page.locator("body").inner_text() for text in CASE_TEXT)
        create(printed.group(0))
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Audit trail")
        page.context.close()
    store = open_store(db_path)
    try:
        assert store.read_rows("SELECT username, role FROM accounts") == [("head", "headteacher")]
    finally:
        store.close()
