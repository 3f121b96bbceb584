"""In a real Chromium: an Overview URL reopens the same view, and changing the view changes it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.analytics.figures.test_disclosure import term_of_27_with_one_open
from tests.browser.conftest import (
    SampleSchool,
    free_port,
    machine_clock,
    machine_now,
    running_app,
    sample_store,
    seed_account,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_a_shared_overview_url_reopens_the_same_view(
    browser: Browser, page: Page, sample_school: SampleSchool, screenshot
):
    base_url = sample_school.base_url
    # 2025/26 on Facebook or WhatsApp: 2025-001, 2025-002 and 2026-002.
    page.goto(f"{base_url}/?period=year&year=2025/26&platform=facebook&platform=whatsapp")
    sign_in(page)
    expect(metric(page, "Incidents")).to_have_text("3")
    expect(page.get_by_text("2025/26 (1 Sep 2025 to 31 Aug 2026)")).to_be_visible()
    screenshot("shared-view-opened")

    # Narrow the view in the browser to racist comments (2026-002): the URL follows.
    page.get_by_role("combobox", name="Category").click()
    page.get_by_role("combobox", name="Category").fill("Racist comments")
    page.get_by_role("option", name="Racist comments", exact=True).click()
    page.keyboard.press("Escape")
    expect(metric(page, "Incidents")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"category=racist"))
    wait_until_idle(page)
    shared = page.url
    screenshot("narrowed")

    # Someone else opens the link: the same view, the same figures.
    other = browser.new_context().new_page()
    other.goto(shared)
    sign_in(other)
    expect(metric(other, "Incidents")).to_have_text("1")
    expect(metric(other, "Escalated")).to_have_text("1")
    expect(other.get_by_text("2025/26 (1 Sep 2025 to 31 Aug 2026)")).to_be_visible()
    other.context.close()


def test_a_governor_is_told_the_terms_total_when_one_case_is_open(browser: Browser, tmp_path):
    """Summer 2023 of the sample school: 13 settled, 13 escalated and 1 open. The open case
    is protected by hiding a count beside it, never the term's 27 incidents."""
    from analytics.records.opening import open_store

    with machine_clock():
        db_path = sample_store(tmp_path / "school.duckdb")
        store = open_store(db_path, now=machine_now())
        try:
            term_of_27_with_one_open(store, date(2023, 5, 8))
        finally:
            store.close()
        seed_account(db_path, "governor", "governor")
    with running_app(db_path, free_port()) as base_url:
        page = browser.new_context().new_page()
        page.goto(f"{base_url}/?period=term&term=Summer+2023")
        sign_in(page, "governor")
        expect(metric(page, "Incidents")).to_have_text("27")
        expect(metric(page, "Open")).to_have_text("Fewer than 5")
        shown = {
            metric(page, label).inner_text() for label in ("Settled at discussion", "Escalated")
        }
        assert shown != {"13"}, "both 13s shown would give the open case away"
        page.context.close()
