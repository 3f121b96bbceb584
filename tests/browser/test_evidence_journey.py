"""In a real Chromium: evidence attached through the case page, cleaned of where it was
taken, and carried away in the case file made from the page's button."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from analytics.cases.evidence import ADDED, DOWNLOADED, THUMBNAIL_VIEWED, load_evidence_list
from analytics.cases.register import find_case_id
from analytics.records.audit import CASE_FILE_MADE
from analytics.records.opening import open_store
from tests.analytics.cases.test_evidence_memory import the_reported_bomb
from tests.browser.conftest import (
    free_port,
    machine_now,
    running_app,
    sample_store,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

GPS_IFD, ORIENTATION = 0x8825, 0x0112
MODEL = b"PhoneModel X9"


def screenshot_with_gps() -> bytes:
    """A phone's picture of the post: held sideways, with the phone's make and model and
    where it was taken (GPS)."""
    exif = Image.Exif()
    exif[0x0110], exif[ORIENTATION] = MODEL.decode(), 6
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 12.5), "W", (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 120), (200, 30, 30)).save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert MODEL in data and Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    return data


def choose_file(page: Page, path) -> None:
    """Pick a file in the evidence form's file picker, and wait until it is uploaded."""
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
    expect(page.get_by_test_id("stFileChipName")).to_have_text(path.name)


def test_a_screenshot_with_gps_is_kept_without_it_and_carried_in_the_case_file(
    page: Page, tmp_path, screenshot
):
    db_path = sample_store(tmp_path / "evidence.duckdb")
    store = open_store(db_path, now=machine_now())
    incident_id = find_case_id(store, "2025-002")
    store.close()
    bomb, photo = tmp_path / "bomb.png", tmp_path / "from-phone.jpg"
    bomb.write_bytes(the_reported_bomb())
    photo.write_bytes(screenshot_with_gps())

    with running_app(db_path, free_port()) as base_url:
        page.goto(f"{base_url}/incidents?case={incident_id}")
        sign_in(page)
        expect(page.get_by_role("heading", name="Case 2025-002")).to_be_visible()

        # The report's 8000 x 8000 PNG is refused, naming the cap, and the message stays
        # through the rerun that follows (the form emptying its file picker).
        choose_file(page, bomb)
        page.get_by_role("button", name="Attach").click()
        refusal = page.get_by_text("bomb.png was not attached: the image is 8,000 × 8,000")
        expect(refusal).to_be_visible()
        expect(refusal).to_contain_text("PNG images may be at most 13 megapixels")
        expect(page.get_by_test_id("stFileChipName")).to_have_count(0)
        wait_until_idle(page)
        expect(refusal).to_be_visible()

        choose_file(page, photo)
        page.get_by_role("button", name="Attach").click()
        expect(page.get_by_text("Attached from-phone.jpg.")).to_be_visible()
        expect(refusal).to_have_count(0)
        expect(page.get_by_role("img", name="Thumbnail of from-phone.jpg")).to_be_visible()
        screenshot("evidence-attached")

        # What the school keeps, as it hands it out: upright, and nothing of the phone's.
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download item 1").click()
        kept = download_info.value.path().read_bytes()
        picture = Image.open(io.BytesIO(kept))
        assert picture.size == (120, 300)  # turned upright
        assert dict(picture.getexif()) == {} and not picture.getexif().get_ifd(GPS_IFD)
        assert b"Exif" not in kept and MODEL not in kept

        # The case file, from the page's own button.
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Make the case file (PDF, confidential)").click()
        case_file = download_info.value
        assert case_file.suggested_filename.endswith(".pdf")
        text = " ".join(
            " ".join(p.extract_text().split())
            for p in PdfReader(io.BytesIO(case_file.path().read_bytes())).pages
        )
        assert "2025-002" in text

    store = open_store(db_path, now=machine_now())
    try:
        (item,) = load_evidence_list(store, incident_id)
        assert item.sha256 == hashlib.sha256(kept).hexdigest()
        assert item.sha256[:16] in text.replace(" ", "")
        trail = store.read_rows(
            "SELECT action, detail FROM audit_log WHERE record_id = ? AND action IN (?, ?, ?, ?)"
            " ORDER BY id",
            [str(incident_id), ADDED, THUMBNAIL_VIEWED, DOWNLOADED, CASE_FILE_MADE],
        )
    finally:
        store.close()
    assert trail == [
        (ADDED, f"evidence {item.id}, sha256 {item.sha256}"),
        (THUMBNAIL_VIEWED, f"evidence {item.id}"),
        (DOWNLOADED, f"evidence {item.id}"),
        (CASE_FILE_MADE, f"evidence carried: {item.id}"),
    ]
