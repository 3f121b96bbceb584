"""Eight people at once in real Chromium sessions against one `streamlit run`: nothing lost.

Each session signs in, then logs cases and records an escalation step on each, through the
same forms a headteacher uses. The sessions share the server's one store connection, so this
is the test of the store's write lock as the app really uses it, which AppTest (not
thread-safe) cannot give.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from analytics.records.opening import open_store
from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SCRIPT_FINISHED,
    STILL_DRAWING,
    TWO_FRAMES_PAINTED,
    free_port,
    machine_now,
    running_app,
    second_factor_code,
    seed_account,
    seed_headteacher,
)

pytestmark = pytest.mark.browser

SESSIONS = 8
# One case each in `make test` (eight at once is the point); `make soak` logs fifty each.
CASES_PER_SESSION_QUICK = 1
CASES_PER_SESSION_SOAK = 50
# Eight sessions share two CPUs with the server and its Chromium: waits are generous.
WAIT = 60_000
ACTION = "Written warning requesting removal"
# Anything Streamlit draws for a failure: an exception box, or an error message we show.
FAILURE_SHOWN = '[data-testid="stException"], [data-testid="stAlertContentError"]'


async def settled(page: Page) -> None:
    """wait_until_idle, for the async API: a rerun cannot then redraw a list being picked."""
    await page.locator(SCRIPT_FINISHED).wait_for()
    await page.locator(STILL_DRAWING).first.wait_for(state="detached")
    await page.evaluate(TWO_FRAMES_PAINTED)


async def pick(page: Page, label: str, option: str) -> None:
    """Choose an option of a select box or multiselect by typing it."""
    await settled(page)
    box = page.get_by_role("combobox", name=label)
    await box.click()
    await box.fill(option)
    await page.get_by_role("option", name=option, exact=True).click()


async def sign_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(base_url + "/log_incident")
    await page.get_by_role("textbox", name="Username").fill(username)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", name="Sign in: your code")).to_be_visible(timeout=WAIT)
    # The password form may still be drawn for a moment, with its own "Sign in" button.
    await expect(page.get_by_role("textbox", name="Password")).to_have_count(0, timeout=WAIT)
    # On a busy server the code form can be drawn twice while a rerun replaces it, each
    # with a "Sign in" button: wait for the run to finish and one form to be left.
    await settled(page)
    signing_in = page.get_by_role("button", name="Sign in", exact=True)
    await expect(signing_in).to_have_count(1, timeout=WAIT)
    await page.get_by_role("textbox", name=re.compile("code")).fill(second_factor_code(username))
    async with page.expect_navigation(timeout=WAIT):
        await signing_in.click()
    await page.get_by_test_id("stSidebarNav").wait_for()


async def log_case_with_a_step(page: Page, reference: str) -> None:
    """Log one case on the Log page, open it, and record a written warning."""
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Log an incident").click()
    await expect(page.get_by_role("heading", name="Log an incident")).to_be_visible(timeout=WAIT)
    await settled(page)
    await page.get_by_role("textbox", name="Reference (the school's case number)").fill(reference)
    await pick(page, "Categories (one or more)", "Complaints about the school or staff")
    await page.keyboard.press("Escape")  # a multiselect stays open for more
    await page.get_by_role("button", name="Log incident").click()
    await expect(page.get_by_text(f"Logged case {reference}.")).to_be_visible(timeout=WAIT)
    await expect(page.locator(FAILURE_SHOWN)).to_have_count(0, timeout=WAIT)

    await page.get_by_role("link", name="Open the case just logged").click()
    await expect(page.get_by_role("heading", name=f"Case {reference}")).to_be_visible(timeout=WAIT)
    await settled(page)
    await page.get_by_role("tab", name="Escalation step").click()
    await pick(page, "Action", ACTION)
    await page.get_by_role("button", name="Record the escalation step").click()
    await expect(page.get_by_text("Escalation step recorded.")).to_be_visible(timeout=WAIT)
    await expect(page.locator(FAILURE_SHOWN)).to_have_count(0, timeout=WAIT)


async def one_session(browser, base_url: str, number: int, cases: int) -> list[str]:
    """One person's session: sign in, log every case with its step; return the references."""
    # A smaller window without animations: Chromium's drawing is most of this test's time.
    context = await browser.new_context(
        viewport={"width": 1000, "height": 800}, reduced_motion="reduce"
    )
    page = await context.new_page()
    page.set_default_timeout(WAIT)
    references = [f"S{number}-{index:02d}" for index in range(cases)]
    try:
        await sign_in(page, base_url, f"staff{number}")
        for reference in references:
            await log_case_with_a_step(page, reference)
    except Exception:
        await page.screenshot(path=str(ARTIFACTS / f"concurrent-session-{number}.png"))
        raise
    finally:
        await context.close()
    return references


async def all_sessions(base_url: str, cases: int) -> list[list[str]]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(
                *(one_session(browser, base_url, number, cases) for number in range(SESSIONS))
            )
        finally:
            await browser.close()


def run_in_own_thread(base_url: str, cases: int) -> list[list[str]]:
    """Run the async sessions on a thread of their own, clear of any sync Playwright loop."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["references"] = asyncio.run(all_sessions(base_url, cases))
        except BaseException as error:  # handed back to the test below
            outcome["error"] = error

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["references"]


@pytest.mark.parametrize(
    "cases",
    [
        pytest.param(CASES_PER_SESSION_QUICK, marks=pytest.mark.long, id="quick"),
        pytest.param(CASES_PER_SESSION_SOAK, marks=pytest.mark.soak, id="soak"),
    ],
)
def test_eight_sessions_each_logging_cases_with_steps_lose_nothing(tmp_path: Path, cases: int):
    db_path = tmp_path / "busy.duckdb"
    seed_headteacher(db_path)
    # Eight members of staff, each with their own phone for the second factor.
    for number in range(SESSIONS):
        seed_account(db_path, f"staff{number}", "staff")
    port = free_port()
    with running_app(db_path, port) as base_url:
        written = run_in_own_thread(base_url, cases)
    server_log = (ARTIFACTS / f"server-{port}.log").read_text()
    assert "Traceback" not in server_log

    expected = sorted(reference for session in written for reference in session)
    assert len(expected) == SESSIONS * cases
    store = open_store(db_path, now=machine_now())
    try:
        rows = store.read_rows(
            """
            select i.reference, count(a.action)
            from incidents i left join escalation_actions a on a.incident_id = i.id
            group by i.reference order by i.reference
            """
        )
        audited = store.read_value(
            "select count(*) from audit_log where action in ('case logged', 'escalation recorded')"
        )
    finally:
        store.close()
    assert [reference for reference, _ in rows] == expected
    assert all(steps == 1 for _, steps in rows)
    assert audited == 2 * len(expected)
