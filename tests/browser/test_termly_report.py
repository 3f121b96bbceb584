"""In a real Chromium: the termly report previewed, downloaded as PDF, and frozen."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from analytics.records.opening import open_store
from tests.analytics.reporting.report_store import fill_report_store
from tests.browser.conftest import (
    free_port,
    machine_now,
    running_app,
    seed_headteacher,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_the_report_pdf_downloads_and_matches_the_preview(page: Page, tmp_path, screenshot):
    db_path = tmp_path / "report.duckdb"
    store = open_store(db_path, now=machine_now())
    fill_report_store(store)
    store.close()
    seed_headteacher(db_path)
    with running_app(db_path, free_port()) as base_url:
        page.goto(f"{base_url}/termly_report?term=Autumn+2025&mode=circulation")
        sign_in(page)
        # 15 incidents with 3 escalated: the total is stated, and the settled count beside
        # it is hidden (a range in words), so the 3 cannot be worked out.
        expect(page.get_by_text("15 incidents were reported in Autumn 2025.")).to_be_visible()
        wait_until_idle(page)
        # A link opened first on a fresh server still goes through app.py's navigation.
        navigation = page.get_by_test_id("stSidebarNav")
        expect(navigation).to_contain_text("Overview")
        expect(navigation).not_to_contain_text("termly report")
        screenshot("report-preview")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download PDF (to circulate)").click()
        download = download_info.value
        assert download.suggested_filename == "termly-report-autumn-2025-circulation.pdf"
        pdf = download.path().read_bytes()
        (tmp_path / download.suggested_filename).write_bytes(pdf)
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
        assert all(text.startswith("FOR CIRCULATION · FOR INFORMATION") for text in pages)
        text = " ".join(pages)
        # No earlier report was frozen: earlier terms are printed as they stand, protected
        # together with this term's (Summer 2025: 6 settled; Autumn 2024: none).
        assert "Settled at discussion * 6 0" in text and "Escalated <5 0 0" in text
        assert "15 incidents were reported in Autumn 2025." in text
        assert "Between 11 and 14 cases settled at the discussion stage" in text
        assert "Incidents 15 6 0" in text

        page.get_by_role("button", name="Freeze for the meeting on").click()
        expect(page.get_by_text("as snapshot 1.")).to_be_visible()
        screenshot("frozen")
