"""Browser fixtures: `streamlit run` on a free local port, driven by Debian's Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ui.routes import SESSION_START_PATH

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Without the background-networking flags Chromium keeps dialling out on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long an expectation waits for the page to reach its state. Three test workers share
# two cores, and freezing a report (three documents, charts drawn) can take many seconds
# there; the wait ends as soon as the state is reached.
expect.set_options(timeout=20_000)
NAVIGATION_TIMEOUT_MS = 60_000


def machine_now() -> datetime:
    """The machine's own clock, which the server under test reads: what a browser test
    writes beforehand (an account, a second factor, a session) is dated by it, to agree
    with the server. Read through time-machine's escape hatch, past any pinned clock."""
    return time_machine.escape_hatch.datetime.datetime.now()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(db_path: Path, port: int) -> Iterator[str]:
    """`streamlit run app.py` on port, on the store at db_path; yields its base URL."""
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]  # fmt: skip
    environment = os.environ | {"DASHBOARD_DB": str(db_path)}
    # The server's log (with any traceback) is kept beside the screenshots.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / f"server-{port}.log").open("w")
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log.name}") from None
                # Wait on the server process itself: it either exits (a failed start) or
                # is still starting when this returns, and the health check is asked again.
                try:
                    server.wait(timeout=0.3)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError(f"streamlit exited while starting; see {log.name}") from None
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# What "the page has settled" looks like, read off the page itself: the script's run is
# over, no element is a placeholder or stale from the run before, and the browser has
# painted two frames since (the data grid draws its canvas on the frame after it mounts).
SCRIPT_FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STILL_DRAWING = '[data-testid="stSkeleton"], [data-testid="stElementContainer"][data-stale="true"]'
TWO_FRAMES_PAINTED = (
    "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
)


def wait_until_idle(page: Page) -> None:
    """Wait until the app's script has finished its run and every element has drawn."""
    page.locator(SCRIPT_FINISHED).wait_for()
    page.locator(STILL_DRAWING).first.wait_for(state="detached")
    page.evaluate(TWO_FRAMES_PAINTED)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # CI must prove the journeys: a missing Chromium fails the run, it never skips.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    # Loading the app's scripts on a machine busy with other test workers can take a while.
    opened.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield opened
    context.close()


@pytest.fixture
def screenshot(page: Page, request):
    """Save a numbered screenshot of the page under test-artifacts/<test name>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(step: str) -> Path:
        wait_until_idle(page)
        taken.append(step)
        path = folder / f"{len(taken):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PASSWORD = "correct horse battery"


@dataclass
class Phones:
    """The authenticator apps of one store's accounts, by username: each secret, its
    recovery codes and the time step of the code used last. The test is each person's phone."""

    secrets: dict[str, str] = field(default_factory=dict)
    recovery_codes: dict[str, list[str]] = field(default_factory=dict)
    steps_used: dict[str, int] = field(default_factory=dict)


_PHONES_BY_STORE: dict[Path, Phones] = {}
# The phones sign_in uses: those of the store seeded last, or of the shared server's store
# in a test that uses it.
_IN_HAND = {"phones": Phones()}


def pick_up_phones(db_path: Path) -> Phones:
    """Make the phones of the store at db_path the ones sign_in uses; returns them."""
    _IN_HAND["phones"] = _PHONES_BY_STORE.setdefault(Path(db_path).resolve(), Phones())
    return _IN_HAND["phones"]


def seed_account(db_path: Path, username: str, role: str) -> None:
    """An account on the store at db_path, with a second factor where its role needs one
    (enrolled five minutes ago, so the codes of now are fresh)."""
    from analytics.access.accounts import find_account_id, record_account
    from analytics.access.second_factor import (
        begin_enrolment,
        record_enrolment,
        requires_second_factor,
    )
    from analytics.records.opening import (
        open_store,
    )

    phones = pick_up_phones(db_path)
    store = open_store(db_path, now=machine_now())
    try:
        if find_account_id(store, username) is not None:
            return
        account = record_account(
            store, username, f"Someone {username}", role, PASSWORD, actor="setup", now=machine_now()
        )
        if requires_second_factor(role):
            earlier = machine_now() - timedelta(minutes=5)
            enrolment = begin_enrolment(
                store, account.id, username=username, issuer="Test school", now=earlier
            )
            secret = enrolment.secret
            phones.recovery_codes[username] = record_enrolment(
                store, account.id, pyotp.TOTP(secret).at(earlier), actor=username, now=earlier
            )
            phones.secrets[username] = secret
            phones.steps_used.pop(username, None)
    finally:
        store.close()


def seed_headteacher(db_path: Path) -> None:
    """The store at db_path with the headteacher's account (username "head")."""
    seed_account(db_path, "head", "headteacher")


def second_factor_code(username: str) -> str:
    """What the person would type: their app's code, or, where that code was used already
    (a second sign-in within the same 30 seconds), one of their recovery codes."""
    phones = _IN_HAND["phones"]
    totp = pyotp.TOTP(phones.secrets[username])
    now = machine_now()
    step = totp.timecode(now)
    if phones.steps_used.get(username) != step:
        phones.steps_used[username] = step
        return totp.at(now)
    return phones.recovery_codes[username].pop()


def wait_for_code_screen(page: Page) -> None:
    """Wait until the code screen has replaced the password form. Both have a "Sign in"
    button, and for a moment the old one is still drawn beside the new."""
    expect(page.get_by_role("heading", name="Sign in: your code")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)


def sign_in(page: Page, username: str = "head", password: str = PASSWORD) -> None:
    """Fill in the sign-in form (and the code, where the account has a second factor) on
    whatever URL the page is showing; the browser then comes back to it with its cookie."""
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    signing_in = page.get_by_role("button", name="Sign in", exact=True)
    if username in _IN_HAND["phones"].secrets:
        signing_in.click()
        wait_for_code_screen(page)
        page.get_by_role("textbox", name=re.compile("code")).fill(second_factor_code(username))
    # Signed in, the page posts its hand-off to the route that sets the session cookie and
    # comes back. (Waiting for "a navigation" could end at the page's own change of URL,
    # before the cookie is set.)
    with page.expect_response(lambda response: response.url.endswith(SESSION_START_PATH)):
        signing_in.click()
    page.wait_for_load_state("load")
    page.get_by_test_id("stSidebarNav").wait_for()


def sample_store(db_path: Path) -> Path:
    """The sample file's five cases and the headteacher's account, in a store at db_path."""
    from analytics.cases.interchange import import_cases_file
    from analytics.records.opening import (
        open_store,
    )
    from tests.conftest import SAMPLE_CSV

    store = open_store(db_path, now=machine_now())
    import_cases_file(store, SAMPLE_CSV, actor="seed", now=machine_now())
    store.close()
    seed_headteacher(db_path)
    return db_path


@contextmanager
def machine_clock() -> Iterator[None]:
    """The machine's own clock, running on, as the tests' servers read it (the accounts
    seeded for a server are enrolled on its clock, not on the tests' pinned one)."""
    with time_machine.travel(time_machine.escape_hatch.datetime.datetime.now(), tick=True):
        yield


# A case whose reference is Markdown: shown as text, it draws no image and fetches nothing.
HOSTILE_REFERENCE = "![t](http://example.org/p.png)"


@dataclass
class SampleSchool:
    """A running server on the sample school's store, and what was seeded in it."""

    base_url: str
    db_path: Path
    hostile_case: int


@pytest.fixture(scope="session")
def _sample_school_server(tmp_path_factory) -> Iterator[SampleSchool]:
    """One server on the sample school's store for the test process, shared by the browser
    tests that only read it (tests/conftest.py sends them to one worker); a test that needs
    a fresh server, a restart, the first-run screen or a store of its own starts its own."""
    from analytics.access.accounts import record_account
    from analytics.cases.register import record_case
    from analytics.records.opening import open_store
    from tests.conftest import make_case

    with machine_clock():
        db_path = sample_store(tmp_path_factory.mktemp("sample-school") / "school.duckdb")
        seed_account(db_path, "staffer", "staff")
        seed_account(db_path, "governor", "governor")
        store = open_store(db_path, now=machine_now())
        try:
            # A new member of staff, without a second factor yet; a governor without one.
            record_account(
                store, "newcomer", "A Newcomer", "staff", PASSWORD, actor="head", now=machine_now()
            )
            record_account(
                store, "gov", "A Governor", "governor", PASSWORD, actor="head", now=machine_now()
            )
            # Reported in 2023/24, and about nobody named: outside every figure the tests
            # count (a period's cases, its repeats).
            hostile = make_case(
                reference=HOSTILE_REFERENCE,
                reported_on=date(2024, 6, 10),
                posted_on=date(2024, 6, 8),
                person_ref=None,
            )
            hostile_case = record_case(store, hostile, actor="seed", now=machine_now())
        finally:
            store.close()
    with running_app(db_path, free_port()) as base_url:
        yield SampleSchool(base_url, db_path, hostile_case)


@pytest.fixture
def sample_school(_sample_school_server: SampleSchool) -> SampleSchool:
    """The shared server on the sample school's store: the sample file's five cases, a case
    with a hostile reference, and the accounts head (headteacher), staffer (staff),
    governor and gov (governors), and newcomer (staff, no second factor yet)."""
    # Another test's store, seeded since, has its own phones: sign in with this store's.
    pick_up_phones(_sample_school_server.db_path)
    return _sample_school_server
