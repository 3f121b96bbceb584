"""The case file drawn as a PDF: A4 pages marked "Confidential", the case's facts, what the
policy calls it in its own words, the timeline, and each item of evidence with its digests
(images drawn, PDFs listed)."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib import resources

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from analytics.cases import (
    JPEG,
    PNG,
    Case,
    EvidenceItem,
    describe_recorder,
)
from analytics.policies import (
    POLICY_ACTION_WORDS,
    POLICY_CATEGORY_WORDS,
    POLICY_FIRST_STEP,
    POLICY_PARENT,
)
from analytics.reporting.documents import FONT_FAMILY
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.vocabulary import (
    ABOUT,
    CATEGORIES,
    ESCALATION_ACTIONS,
    OPEN,
    PLATFORMS,
    POSTED_BY,
    STAGES,
    as_day,
    label_of,
)

CONFIDENTIAL = "Confidential"
NOT_RECORDED = "Not recorded"
# How wide an image is drawn: 96 pixels to the inch, as a screen shows it, up to the page.
MM_PER_PIXEL = 25.4 / 96
# A tall image is drawn whole, scaled to a page, if it then keeps this share of the page's
# width; a taller one (a long scrolling screenshot) runs over pages at full width.
MIN_WIDTH_SHARE = 0.5
MIN_SLICE_MM = 30


@dataclass(frozen=True)
class CaseFileContents:
    """Everything a case file prints, as gathered from the store."""

    case: Case
    stage: str
    demonstration: bool
    school: str
    policy: str  # the governing policy as a document names it
    timeline: pd.DataFrame  # analytics.cases.load_case_timeline
    evidence: list[EvidenceItem]
    names: dict[str, str]  # each account's name by its username
    made_on: date


def render_case_file(contents: CaseFileContents, content_of: Callable[[int], bytes]) -> bytes:
    """The case file as PDF bytes; content_of(evidence_id) gives an image's content as it is
    drawn, so no more than one is held at a time."""
    case, today = contents.case, contents.made_on
    pdf = _CaseFilePdf(case.reference, today, demonstration=contents.demonstration)
    pdf.set_creation_date(datetime.combine(today, time(12), tzinfo=UTC))
    pdf.set_title(f"Case file {case.reference}")
    pdf.set_author(contents.school)
    pdf.add_page()
    _write_opening(pdf, contents)
    _write_facts(pdf, case, contents.stage)
    _write_policy(pdf, case)
    _write_timeline(pdf, contents.timeline)
    _write_evidence(pdf, contents.evidence, contents.names, content_of)
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.multi_cell(0, 5, f"End of the case file, made on {_day(today)}.", **_NEXT_LINE)
    return bytes(pdf.output())


_NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT", "align": "L"}


class _CaseFilePdf(FPDF):
    """A4 pages marked "Confidential" at the top, the case and page at the foot."""

    def __init__(self, reference: str, today: date, *, demonstration: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.reference, self.today, self.demonstration = reference, today, demonstration
        fonts = resources.files("analytics") / "fonts"
        # DejaVu, as the report's documents: it has the curly quotes and accents people type.
        with resources.as_file(fonts / "DejaVuSans.ttf") as regular:
            self.add_font(FONT_FAMILY, "", str(regular))
        with resources.as_file(fonts / "DejaVuSans-Bold.ttf") as bold:
            self.add_font(FONT_FAMILY, "B", str(bold))
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()
        self.body_top = 0.0

    def header(self) -> None:
        self.set_font(FONT_FAMILY, "B", 9)
        self.set_text_color(120, 30, 30)
        marking = CONFIDENTIAL
        if self.demonstration:
            marking = f"{DEMONSTRATION_MARK} · {CONFIDENTIAL}"
        self.cell(0, 5, marking, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)
        self.body_top = self.get_y()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(
            0, 5,
            f"Case file {self.reference} · made on {_day(self.today)} · "
            f"page {self.page_no()} of {{nb}}",
            align="C",
        )  # fmt: skip

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT_FAMILY, "B", 12)
        self.multi_cell(0, 7, text, **_NEXT_LINE)
        self.set_font(FONT_FAMILY, "", 9.5)

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(0, 5, text, **_NEXT_LINE)
        self.set_font(FONT_FAMILY, "", 9.5)


def _write_opening(pdf: _CaseFilePdf, contents: CaseFileContents) -> None:
    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.multi_cell(0, 9, f"Case file: {contents.case.reference}", **_NEXT_LINE)
    pdf.paragraph(f"{contents.school}. Made on {_day(contents.made_on)}.", size=10)
    if contents.demonstration:
        pdf.set_text_color(120, 30, 30)
        pdf.paragraph(f"{DEMONSTRATION_MARK}.", bold=True)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(1)
    pdf.paragraph(
        f"Drawn from the school's register of incidents kept under its {contents.policy}. "
        "It holds the case as recorded, what the policy calls it in its own words, every "
        "step in date order with who recorded it, and each item of evidence with its "
        "SHA-256 digest, by which any copy can be checked against the one the school keeps."
    )


def _write_facts(pdf: _CaseFilePdf, case: Case, stage: str) -> None:
    pdf.heading("The case")
    status = f"Closed on {_day(case.closed_on)}" if case.closed_on else "Open"
    if stage != OPEN:
        status = f"{status}: {label_of(STAGES, stage).lower()}"
    facts = [
        ("Reference", case.reference),
        ("Status", status),
        ("Reported to the school on", _day(case.reported_on)),
        ("Posted on", _day(case.posted_on)),
        ("Platform", label_of(PLATFORMS, case.platform)),
        ("Posted by", label_of(POSTED_BY, case.posted_by)),
        ("About", ", ".join(label_of(ABOUT, code) for code in case.about)),
        ("Person reference (the school's code, not a name)", case.person_ref),
        ("What was posted (summary)", case.summary),
        ("Link to the post", case.evidence_url),
        ("Content removed on", _day(case.content_removed_on)),
        ("Outcome", case.outcome),
        ("Rationale", case.rationale),
    ]
    _table(pdf, [(name, value or NOT_RECORDED) for name, value in facts], widths=(1, 2.4))
    pdf.paragraph(f'"Parent", in the policy\'s words: "{POLICY_PARENT}."', size=8.5)


def _write_policy(pdf: _CaseFilePdf, case: Case) -> None:
    pdf.heading("What the policy calls it")
    pdf.paragraph(
        "The policy names these among its examples of inappropriate use of social "
        "networking sites by parents:"
    )
    for code in case.categories:
        pdf.paragraph(f"• {label_of(CATEGORIES, code)}", bold=True)
        pdf.paragraph(f'   The policy: "{POLICY_CATEGORY_WORDS[code]}"', size=8.5)
    pdf.heading("The steps the policy sets out")
    pdf.paragraph(f'The first step: "{POLICY_FIRST_STEP}."')
    taken = list(dict.fromkeys(step.action for step in case.actions))
    if not taken:
        pdf.paragraph("No further action of those the policy lists was recorded in this case.")
        return
    pdf.paragraph("Further actions the policy lists, taken in this case:")
    for code in taken:
        pdf.paragraph(f"• {label_of(ESCALATION_ACTIONS, code)}", bold=True)
        pdf.paragraph(f'   The policy: "{POLICY_ACTION_WORDS[code]}."', size=8.5)


def _write_timeline(pdf: _CaseFilePdf, timeline: pd.DataFrame) -> None:
    pdf.heading("Timeline")
    pdf.paragraph(
        'Every step in date order. "Recorded by" is who entered it on the register, from '
        'the audit trail, and "Recorded on" the day they did.'
    )
    rows = [
        (_day(row.date), row.step, row.detail or "", row.recorded_by, _day(row.recorded_on, ""))
        for row in timeline.itertuples()
    ]
    header = ("Date", "Step", "Detail", "Recorded by", "Recorded on")
    _table(pdf, [header, *rows], widths=(1.1, 1.5, 3, 1.9, 1.1), headings=True)


def _write_evidence(
    pdf: _CaseFilePdf,
    evidence: list[EvidenceItem],
    names: dict[str, str],
    content_of: Callable[[int], bytes],
) -> None:
    pdf.heading("Evidence")
    if not evidence:
        pdf.paragraph("No evidence is attached to this case.")
        return
    pdf.paragraph(
        f"{len(evidence)} item(s). Each image is drawn as the school keeps it: saved again "
        "from its pixels alone, without the metadata (camera details, location) the file "
        "received may have carried; where that changed the file, the SHA-256 of the file as "
        "received is given too. PDF documents are listed, not reproduced: each is kept "
        "exactly as received."
    )
    for number, item in enumerate(evidence, start=1):
        pdf.ln(2)
        pdf.paragraph(f"Item {number}: {item.file_name}", bold=True)
        pdf.paragraph(
            f"{item.type_label}, {_size(item.size_bytes)}. Added on {_day(item.added_at.date())} "
            f"by {describe_recorder(item.added_by, names)}."
        )
        if item.note:
            pdf.paragraph(f"Note: {item.note}")
        pdf.set_font("Courier", "", 8)
        pdf.multi_cell(0, 4.5, f"SHA-256 as kept:     {item.sha256}", **_NEXT_LINE)
        if item.differs_from_received:
            pdf.multi_cell(0, 4.5, f"SHA-256 as received: {item.original_sha256}", **_NEXT_LINE)
        pdf.set_font(FONT_FAMILY, "", 9.5)
        if item.is_image:
            pdf.ln(1)
            _draw_image(pdf, content_of(item.id), item.media_type, f"Item {number}")


def _draw_image(pdf: _CaseFilePdf, content: bytes, media_type: str, caption: str) -> None:
    """Draw an image at screen size up to the page's width. One taller than a page is
    scaled to fit a page if it stays at least half the page wide; a longer one (a scrolling
    screenshot) runs on over as many pages as it needs, at full width."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        pixels_wide, pixels_high = image.size
        page_room = pdf.page_break_trigger - pdf.body_top
        width = min(pdf.epw, pixels_wide * MM_PER_PIXEL)
        if width * pixels_high / pixels_wide > page_room:
            fitted = page_room * pixels_wide / pixels_high
            if fitted >= pdf.epw * MIN_WIDTH_SHARE:
                width = fitted
        height = width * pixels_high / pixels_wide
        if height <= page_room:
            if height > pdf.page_break_trigger - pdf.get_y():
                pdf.add_page()
            # PNG and JPEG go in as stored (a JPEG's bytes unchanged); WebP as its pixels.
            source = io.BytesIO(content) if media_type in (PNG, JPEG) else _on_white(image)
            _place(pdf, source, width, height)
            return
        _draw_in_slices(pdf, image, width, caption)


def _draw_in_slices(pdf: _CaseFilePdf, image: Image.Image, width: float, caption: str) -> None:
    mm_per_pixel = width / image.width
    top = 0
    while top < image.height:
        room = pdf.page_break_trigger - pdf.get_y()
        if room < MIN_SLICE_MM:
            pdf.add_page()
            if top:
                pdf.paragraph(f"{caption}, continued", size=8)
            continue
        rows = min(image.height - top, max(1, math.floor(room / mm_per_pixel) - 1))
        piece = _on_white(image.crop((0, top, image.width, top + rows)))
        _place(pdf, piece, width, rows * mm_per_pixel)
        top += rows


def _on_white(image: Image.Image) -> Image.Image:
    """The image's pixels on white (a transparent pixel's hidden colour is often black)."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _place(pdf: _CaseFilePdf, source, width: float, height: float) -> None:
    pdf.image(source, x=pdf.l_margin + (pdf.epw - width) / 2, w=width, h=height)


def _table(pdf: _CaseFilePdf, rows, *, widths, headings: bool = False) -> None:
    pdf.set_font(FONT_FAMILY, "", 8.5)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 242)),
        line_height=4.6,
        first_row_as_headings=headings,
    ) as grid:
        for values in rows:
            row = grid.row()
            for value in values:
                row.cell(str(value))
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.ln(1)


def _day(on: date | None, missing: str = NOT_RECORDED) -> str:
    """A day as the school writes it: 25/11/2026."""
    if on is None or pd.isna(on):
        return missing
    return as_day(on)


def _size(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size_bytes / 1024))} KB"
