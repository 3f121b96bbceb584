"""In a real Chromium against `streamlit run`: log a case, discuss, escalate, close, restart."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from analytics.access.setup_code import SETUP_CODE_PATTERN
from tests.browser.conftest import ARTIFACTS, PASSWORD, free_port, machine_now, running_app

pytestmark = pytest.mark.browser


def choose(page: Page, label: str, option: str, *, multiple: bool = False) -> None:
    """Pick an option of a select box or multiselect by typing it, as a keyboard user would."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    if multiple:  # a multiselect stays open for more; Escape would clear a select box
        page.keyboard.press("Escape")


def type_date(page: Page, label: str, day: date) -> None:
    """Type a date into a date input's segments, as the school writes it: day, month, year."""
    page.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Escape")


def test_a_case_logged_discussed_escalated_and_closed_is_there_after_a_restart(
    page: Page, tmp_path, screenshot
):
    db_path = tmp_path / "journey.duckdb"
    today = machine_now().date()  # the server under test reads the machine's clock
    port = free_port()
    with running_app(db_path, port) as base_url:
        page.goto(base_url)
        # A new store: the first screen creates the headteacher's account, nothing else,
        # with the one-time code the server printed on its console.
        expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
        server_log = (ARTIFACTS / f"server-{port}.log").read_text()
        setup_code = SETUP_CODE_PATTERN.search(server_log).group(0)
        page.get_by_role("textbox", name="Setup code").fill(setup_code)
        page.get_by_role("textbox", name="Username").fill("head")
        page.get_by_role("textbox", name="Your name").fill("Ms Head")
        page.get_by_role("textbox", name="Password (at least 12 characters)").fill(PASSWORD)
        page.get_by_role("textbox", name="Password again").fill(PASSWORD)
        screenshot("first-run")
        page.get_by_role("button", name="Create the headteacher's account").click()
        # Then two-factor sign-in, with the key typed into the "phone" (this test).
        expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        screenshot("two-factor-enrolment")
        secret = page.get_by_test_id("stCode").first.inner_text().replace(" ", "").strip()
        page.get_by_role("textbox", name=re.compile("code")).fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("I have kept these codes")).click()
        expect(page.get_by_text("No incidents are logged yet")).to_be_visible()
        screenshot("empty-store")
        # A new user sees a living dashboard at once: demonstration data, then removed.
        page.get_by_role("button", name="Load demonstration data (300 cases)").click()
        expect(page.get_by_text("This store holds 300 demonstration cases")).to_be_visible()
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        screenshot("overview-with-demonstration-data")
        page.get_by_role("button", name="Remove demonstration data").click()
        expect(page.get_by_text("No incidents are logged yet")).to_be_visible()

        page.get_by_role("link", name="Log an incident").first.click()
        page.get_by_role("textbox", name="Reference (the school's case number)").fill("2026-101")
        choose(page, "Platform", "Facebook")
        choose(
            page, "Categories (one or more)", "Complaints about the school or staff", multiple=True
        )
        page.get_by_role("textbox", name="Person reference").fill("F-11")
        page.get_by_role("textbox", name="Summary").fill(
            "Post about the school's new pick-up rota."
        )
        # A date after today, typed: refused with the field named, and kept to correct.
        type_date(page, "Reported on", today + timedelta(days=3))
        page.get_by_role("button", name="Log incident").click()
        expect(page.get_by_text("Reported on: must not be after today")).to_be_visible()
        expect(page.get_by_text("Logged case 2026-101.")).to_have_count(0)
        type_date(page, "Reported on", today)
        screenshot("log-form-filled")
        page.get_by_role("button", name="Log incident").click()
        expect(page.get_by_text("Logged case 2026-101.")).to_be_visible()
        # Saved values leave the form, so a second click cannot log the case twice.
        expect(
            page.get_by_role("textbox", name="Reference (the school's case number)")
        ).to_have_value("")

        page.get_by_role("link", name="Open the case just logged").click()
        expect(page.get_by_role("heading", name="Case 2026-101")).to_be_visible()
        expect(page.get_by_text("Status: Open: discussion not held")).to_be_visible()
        expect(page.get_by_text("Platform: Facebook")).to_be_visible()
        screenshot("case-opened")

        choose(page, "Outcome", "Parent refused to remove it")
        type_date(page, "Date of the discussion (leave empty if none was held)", today)
        screenshot("discussion-filled")
        page.get_by_role("button", name="Record the discussion").click()
        expect(page.get_by_text("Discussion recorded.")).to_be_visible()
        screenshot("discussion-recorded")

        page.get_by_role("tab", name="Escalation step").click()
        choose(page, "Action", "Written warning requesting removal")
        page.get_by_role("button", name="Record the escalation step").click()
        expect(page.get_by_text("Escalation step recorded.")).to_be_visible()
        expect(page.get_by_role("combobox", name="Action")).to_have_value("")
        expect(page.get_by_text("Status: Open: escalated")).to_be_visible()
        screenshot("escalated")

        page.get_by_role("tab", name="Close the case").click()
        page.get_by_role("textbox", name="Outcome").fill("Post taken down after the warning.")
        page.get_by_role("textbox", name="Rationale (why the case can close)").fill(
            "The warning letter worked."
        )
        page.get_by_role("button", name="Close the case").click()
        expect(page.get_by_text("Case closed.")).to_be_visible()
        screenshot("closed")
        case_path = page.url.removeprefix(base_url)  # e.g. /incidents?case=1

    # A new server on the same file: the case, its stage and its closing are still there,
    # and so is the session (kept in the store, its token in the browser's cookie).
    with running_app(db_path, free_port()) as base_url:
        page.goto(base_url + case_path)
        expect(page.get_by_role("heading", name="Case 2026-101")).to_be_visible()
        expect(page.get_by_text("Status: Closed: escalated")).to_be_visible()
        expect(
            page.get_by_text(f"Closed on {today:%d/%m/%Y}. Rationale: The warning letter worked.")
        ).to_be_visible()
        screenshot("after-restart")
