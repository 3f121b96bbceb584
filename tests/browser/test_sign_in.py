"""In a real Chromium against a freshly started server: every page's URL shows only sign-in."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from analytics.access.sessions import SESSION_COOKIE
from analytics.access.setup_code import SETUP_CODE_PATTERN
from analytics.cases.interchange import import_cases_file
from analytics.records.opening import open_store
from tests.browser.conftest import (
    ARTIFACTS,
    HOSTILE_REFERENCE,
    PASSWORD,
    SampleSchool,
    free_port,
    machine_now,
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


def test_a_governor_session_sees_figures_and_no_case(browser: Browser, sample_school: SampleSchool):
    base_url = sample_school.base_url  # gov: a governor's account, password only
    page = browser.new_context().new_page()
    page.goto(f"{base_url}/?period=year&year=2025/26")
    sign_in(page, "gov")
    navigation = page.get_by_test_id("stSidebarNav")
    expect(navigation).to_contain_text("Overview")
    expect(navigation).not_to_contain_text("Incidents")
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    for path in ["/incidents?case=3", "/log_incident", "/audit"]:
        page.goto(base_url + path)  # still signed in: the session is in the cookie
        page.get_by_test_id("stSidebarNav").wait_for()
        wait_until_idle(page)
        body = page.locator("body").inner_text()
        assert not any(text in body for text in CASE_TEXT[:3]), path
        assert page.get_by_test_id("stDataFrame").filter(has_text="2025-003").count() == 0
    page.context.close()


def test_the_first_run_takes_only_the_code_the_server_printed(browser: Browser, tmp_path):
    """The first visitor of a store made on the command line is no headteacher by default."""
    db_path = tmp_path / "first-run.duckdb"
    store = open_store(db_path, now=machine_now())
    # History imported first.
    import_cases_file(store, SAMPLE_CSV, actor="os:admin", now=machine_now())
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
        # The headteacher reads every case: the second factor is set up before any page.
        expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        wait_until_idle(page)
        assert not any(text in page.locator("body").inner_text() for text in CASE_TEXT)
        key = page.get_by_test_id("stCode").first.inner_text()
        assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", key.strip())
        secret = key.replace(" ", "").strip()
        page.get_by_role("textbox", name=re.compile("code")).fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        # The heading can be drawn while the enrolment key's block is still on the page:
        # read the codes once the run is over and the last element drawn.
        wait_until_idle(page)
        codes = page.get_by_test_id("stCode").first.inner_text().split()
        assert len(set(codes)) == 10
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("I have kept these codes")).click()
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Audit trail")
        # Back where they asked to go, and a refresh keeps them signed in.
        expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
        page.reload()
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Audit trail")
        page.context.close()
    store = open_store(db_path, now=machine_now())
    try:
        assert store.read_rows("SELECT username, role FROM accounts") == [("head", "headteacher")]
    finally:
        store.close()


def test_a_session_survives_a_refresh_and_a_new_tab_and_ends_in_both_on_sign_out(
    browser: Browser, sample_school: SampleSchool
):
    # A reference typed as Markdown: shown as text, it draws no image and fetches nothing.
    hostile = sample_school.hostile_case
    base_url = sample_school.base_url
    context = browser.new_context()
    first = context.new_page()
    asked_elsewhere = []
    first.on(
        "request",
        lambda request: request.url.startswith(base_url) or asked_elsewhere.append(request),
    )
    first.goto(f"{base_url}/incidents?case={hostile}")
    sign_in(first)
    heading = first.get_by_role("heading", name=re.compile("^Case"))
    expect(heading).to_be_visible()
    wait_until_idle(first)
    # Exactly as typed (an invisible word joiner keeps the address from becoming a link).
    assert heading.inner_text().replace("\u2060", "") == f"Case {HOSTILE_REFERENCE}"
    assert heading.locator("a[href*='example.org']").count() == 0
    assert first.locator("img[src*='example.org']").count() == 0
    assert not asked_elsewhere
    first.goto(base_url + "/incidents?case=3")
    expect(first.get_by_role("heading", name="Case 2025-003")).to_be_visible()
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] not in first.url
    first.reload()
    expect(first.get_by_role("heading", name="Case 2025-003")).to_be_visible()
    second = context.new_page()
    second.goto(base_url + "/policies")
    expect(second.get_by_role("heading", name="Policies")).to_be_visible()
    wait_until_idle(second)
    with second.expect_navigation():
        second.get_by_role("button", name="Sign out", exact=True).click()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible()
    assert SESSION_COOKIE not in [c["name"] for c in context.cookies()]
    # The first tab, still open on its case: its next action finds the session over.
    wait_until_idle(first)
    first.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click()
    expect(first.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(first.get_by_text("You were signed out: you signed out")).to_have_count(0)
    assert "2025-003" not in first.locator("body").inner_text()
    context.close()
