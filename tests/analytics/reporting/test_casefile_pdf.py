"""The case file drawn: every page marked, images drawn whole or in page-long slices on
white, PDFs listed and not drawn, and a case without evidence said to have none."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from analytics.cases.evidence import PDF, PNG, WEBP, EvidenceItem
from analytics.cases.timeline import TIMELINE_COLUMNS
from analytics.reporting.casefile_pdf import CaseFileContents, render_case_file
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.vocabulary import OPEN
from tests.conftest import make_case

MADE_ON = date(2026, 3, 20)


def contents(**changes) -> CaseFileContents:
    """A case file's contents: an open case with no step recorded and no evidence."""
    base = CaseFileContents(
        case=make_case(),
        stage=OPEN,
        demonstration=False,
        school="All Saints' CE Primary School",
        policy='"Policy on parental use of social networking and internet sites"',
        timeline=pd.DataFrame(columns=list(TIMELINE_COLUMNS)),
        evidence=[],
        names={},
        made_on=MADE_ON,
    )
    return dataclasses.replace(base, **changes)


def item(evidence_id: int, media_type: str, name: str) -> EvidenceItem:
    return EvidenceItem(
        id=evidence_id, incident_id=1, media_type=media_type, file_name=name,
        sha256="ab" * 32, original_sha256="ab" * 32, size_bytes=2048, original_size_bytes=2048,
        note=None, added_by="staff1", added_at=datetime(2026, 2, 2, 9), thumbnail=None,
    )  # fmt: skip


def image(size: tuple[int, int], image_format: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (40, 90, 200, 0) if mode == "RGBA" else (40, 90, 200)).save(
        buffer, image_format
    )
    return buffer.getvalue()


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def drawn_images(data: bytes) -> list:
    return [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]


def test_a_demonstration_case_is_marked_on_every_page():
    content = render_case_file(contents(demonstration=True), content_of=lambda _: b"")
    for page in pdf_pages(content):
        assert page.startswith(f"{DEMONSTRATION_MARK} · Confidential")


def test_a_case_without_evidence_says_so_and_draws_nothing():
    content = render_case_file(contents(), content_of=lambda _: pytest.fail("nothing to read"))
    assert "No evidence is attached to this case." in " ".join(pdf_pages(content))
    assert not drawn_images(content)


def test_the_opening_names_the_school_the_policy_and_the_day():
    text = " ".join(pdf_pages(render_case_file(contents(), content_of=lambda _: b"")))
    assert "All Saints' CE Primary School. Made on 20/03/2026." in text
    assert 'kept under its "Policy on parental use of social networking' in text


def test_only_images_are_read_and_drawn_and_a_pdf_is_listed():
    evidence = [item(7, PNG, "screen.png"), item(8, PDF, "letter.pdf")]
    read = []

    def content_of(evidence_id: int) -> bytes:
        read.append(evidence_id)
        return image((160, 90), "PNG")

    content = render_case_file(contents(evidence=evidence), content_of)
    assert read == [7]
    assert [(i.image.width, i.image.height) for i in drawn_images(content)] == [(160, 90)]
    assert "Item 2: letter.pdf" in " ".join(pdf_pages(content))


def test_a_very_tall_screenshot_runs_over_pages_in_full_width_slices():
    content = render_case_file(
        contents(evidence=[item(1, PNG, "scrolling.png")]),
        content_of=lambda _: image((300, 6000), "PNG"),
    )
    slices = drawn_images(content)
    assert len(slices) > 1 and len(pdf_pages(content)) > 2
    assert {piece.image.width for piece in slices} == {300}
    assert sum(piece.image.height for piece in slices) == 6000


def test_a_transparent_webp_is_drawn_on_white():
    content = render_case_file(
        contents(evidence=[item(1, WEBP, "clear.webp")]),
        content_of=lambda _: image((50, 40), "WEBP", mode="RGBA"),
    )
    (drawn,) = drawn_images(content)
    assert drawn.image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)
