"""A case file: one PDF of a case, for the police, legal advice or a platform's abuse team.

It holds the case's facts as recorded, what the policy calls them in its own words, the
dated timeline of every step with who recorded it (from the audit trail), and each item
of evidence with its SHA-256 (images drawn, PDFs listed). "Confidential" is printed on
every page, and making one is on the audit trail, naming the evidence it carried.
"""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib import resources
from types import MappingProxyType

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from analytics.cases import (
    JPEG,
    PNG,
    Case,
    CaseInvalid,
    EvidenceItem,
    describe_fields,
    load_case,
    load_evidence_list,
)
from analytics.problems import Problem
from analytics.records import (
    CASE_RECORD_TYPE,
    SCHOOL_NAME,
    SERVER_ACTOR_PREFIX,
    Store,
    describe_actor,
    load_setting,
    record_event,
)
from analytics.reporting.documents import FONT_FAMILY
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.vocabulary import (
    ABOUT,
    CATEGORIES,
    DISCUSSION_OUTCOMES,
    ESCALATION_ACTIONS,
    OPEN,
    PLATFORMS,
    POSTED_BY,
    STAGES,
    as_day,
    label_of,
)

CASE_FILE_MADE = "case file made"
CONFIDENTIAL = "Confidential"
DEFAULT_POLICY_TITLE = "Policy on parental use of social networking and internet sites"
NOT_RECORDED = "Not recorded"
NOT_ON_THE_TRAIL = "Not on the audit trail"
TIMELINE_COLUMNS = ("date", "step", "detail", "recorded_by", "recorded_on")

# The approved policy's own sentences (data/policies/parental-social-networking-policy.txt;
# a test holds each to it), quoted beside the register's shorter labels. Where the policy
# names the school, the quotation says "[the school]", as a quotation marks what it adds.
POLICY_CATEGORY_WORDS = MappingProxyType(
    {
        "naming_children": "Naming children or posting any comments about children who "
        "attend [the school]",
        "allegations": "Making allegations about staff or anyone else connected with the school",
        "cyber_bullying": "Making any posts that could be deemed to be cyber-bullying",
        "complaints": "Making complaints about the school or staff at the school",
        "defamatory": "Making defamatory statements about the school or staff at the school",
        "offensive_comments": "Posting negative or offensive comments about staff or any "
        "other individual connected to the school",
        "racist": "Posting racist comments",
        "threats_of_violence": "Posting comments which threaten violence",
    }
)
POLICY_ACTION_WORDS = MappingProxyType(
    {
        "written_warning": "Set out the school's concerns to you in writing, giving you a "
        "warning and requesting that the material in question is removed",
        "legal_advice": "Take legal advice and/or legal action where the information posted "
        "is defamatory in any way or if the circumstances warrant this",
        "police": "Contact the police where the school feels it appropriate – for example, "
        "if it considers a crime (such as harassment) has been committed or in cases where "
        "the posting has a racial element, is considered to be grossly obscene, grossly "
        "offensive or is threatening violence",
        "access_blocked": "If the inappropriate comments have been made on a school website "
        "or online forum, the school may take action to block or restrict that individual's "
        "access to that website or forum",
        "provider_removal_request": "Contact the host/provider of the social networking site "
        "to complain about the content of the site and ask for removal of the information",
        "legal_action": "Take other legal action against the individual",
    }
)
POLICY_FIRST_STEP = (
    "as a first step the school will usually discuss the matter with the parent to try and "
    "resolve it and to ask that the relevant information be removed from the social "
    "networking site in question"
)
POLICY_PARENT = (
    'Where there is reference to "parent" in this document this also include carers, '
    "relatives or anyone associated with the school"
)

# Audit actions that record a step of a case (analytics.cases.register, analytics.cases.retention).
_STEP_ACTIONS = (
    "case logged", "discussion recorded", "escalation recorded", "removal recorded",
    "case closed", "case edited", "legal hold placed", "legal hold lifted",
)  # fmt: skip
# Steps on one day in the order the policy takes them; audited acts after.
_ORDER = {
    "posted": 0, "reported": 1, "discussion": 2, "escalation": 3, "removed": 4, "closed": 5,
    "evidence": 6, "edited": 7, "hold": 8,
}  # fmt: skip
# How wide an image is drawn: 96 pixels to the inch, as a screen shows it, up to the page.
MM_PER_PIXEL = 25.4 / 96
# A tall image is drawn whole, scaled to a page, if it then keeps this share of the page's
# width; a taller one (a long scrolling screenshot) runs over pages at full width.
MIN_WIDTH_SHARE = 0.5
MIN_SLICE_MM = 30


@dataclass(frozen=True)
class _Recorded:
    """Who put a step on the register, and on which day."""

    actor: str
    on: date


# ---------------------------------------------------------------------------- timeline


def load_case_timeline(store: Store, incident_id: int) -> pd.DataFrame:
    """Every step of a case in date order with who recorded it and when, as rows of
    (date, step, detail, recorded_by, recorded_on). Steps logged with the case (or imported)
    are by whoever logged it; a step the trail does not name says so.

    CaseNotFound if there is no such case.
    """
    case = load_case(store, incident_id)
    audit = store.read_rows(
        """
        SELECT action, actor, CAST(occurred_at AS DATE), detail, reason
        FROM audit_log
        WHERE record_type = ? AND record_id = ? AND list_contains(?, action)
        ORDER BY id
        """,
        [CASE_RECORD_TYPE, str(incident_id), list(_STEP_ACTIONS)],
    )
    actions = store.read_rows(
        "SELECT action, taken_on, note FROM escalation_actions WHERE incident_id = ? ORDER BY id",
        [incident_id],
    )
    names = _display_names(store)
    steps = sorted(
        _steps(case, audit, actions, load_evidence_list(store, incident_id)),
        key=lambda step: (step[0], _ORDER[step[1]]),
    )
    return pd.DataFrame(
        [
            (
                on,
                what,
                detail,
                _who(recorded.actor, names) if recorded else NOT_ON_THE_TRAIL,
                recorded.on if recorded else None,
            )
            for on, _, what, detail, recorded in steps
        ],
        columns=list(TIMELINE_COLUMNS),
    )


def describe_case_timeline(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline as people read it on the case page: plain column names."""
    return timeline.rename(
        columns={
            "date": "Date", "step": "Step", "detail": "Detail",
            "recorded_by": "Recorded by", "recorded_on": "Recorded on",
        }
    )  # fmt: skip


def _steps(case: Case, audit, actions, evidence: list[EvidenceItem]) -> Iterator[tuple]:
    """(date, kind, step, detail, recorded) for every step, in no particular order."""
    by_action: dict[str, list[tuple]] = defaultdict(list)
    for action, actor, on, detail, reason in audit:
        by_action[action].append((_Recorded(actor, on), detail, reason))
    logged = by_action["case logged"][0][0] if by_action["case logged"] else None

    def first(action: str) -> _Recorded | None:
        return by_action[action][0][0] if by_action[action] else logged

    if case.posted_on is not None:
        yield case.posted_on, "posted", "Posted", label_of(PLATFORMS, case.platform), logged
    categories = ", ".join(label_of(CATEGORIES, code) for code in case.categories)
    yield case.reported_on, "reported", "Reported to the school", categories, logged
    if case.discussion_outcome is not None:
        recorded = first("discussion recorded")
        held = case.discussion_on or (recorded.on if recorded else case.reported_on)
        outcome = label_of(DISCUSSION_OUTCOMES, case.discussion_outcome)
        yield held, "discussion", "Discussion with the parent", outcome, recorded
    yield from _escalation_steps(actions, by_action["escalation recorded"], logged)
    if case.content_removed_on is not None:
        yield case.content_removed_on, "removed", "Content removed", "", first("removal recorded")
    if case.closed_on is not None:
        yield case.closed_on, "closed", "Closed", case.outcome or "", first("case closed")
    for number, item in enumerate(evidence, start=1):
        recorded = _Recorded(item.added_by, item.added_at.date())
        detail = f"Item {number}: {item.file_name} ({item.type_label})"
        yield recorded.on, "evidence", "Evidence added", detail, recorded
    for recorded, fields, reason in by_action["case edited"]:
        yield recorded.on, "edited", "Record corrected", _edit_detail(fields, reason), recorded
    for action in ("legal hold placed", "legal hold lifted"):
        for recorded, _, reason in by_action[action]:
            yield recorded.on, "hold", action.capitalize(), reason or "", recorded


def _escalation_steps(actions, audited, logged) -> Iterator[tuple]:
    """Each escalation action with who recorded it. The trail names an action recorded
    later by its code; those recorded with the case when it was logged (or imported) come
    first in the table, so the last rows of each action pair with its audit rows in order."""
    audited_by_code: dict[str, list[_Recorded]] = defaultdict(list)
    for recorded, code, _ in audited:
        audited_by_code[code].append(recorded)
    seen: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for code, _, _ in actions:
        totals[code] += 1
    for code, taken_on, note in actions:
        with_case = totals[code] - len(audited_by_code[code])
        index = seen[code]
        seen[code] += 1
        recorded = logged if index < with_case else audited_by_code[code][index - with_case]
        label = label_of(ESCALATION_ACTIONS, code)
        detail = f"{label}: {note}" if note else label
        yield taken_on, "escalation", "Escalation", detail, recorded


def _edit_detail(fields: str | None, reason: str | None) -> str:
    text = f"Changed: {describe_fields(fields)}" if fields else "Changed"
    return f"{text}. Reason: {reason}" if reason else text


def _display_names(store: Store) -> dict[str, str]:
    return dict(store.read_rows("SELECT username, display_name FROM accounts"))


def _who(actor: str, names: dict[str, str]) -> str:
    """A person as the case file names them: "Name (username)", or the server's user."""
    if actor.startswith(SERVER_ACTOR_PREFIX):
        return describe_actor(actor)
    name = names.get(actor)
    return f"{name} ({actor})" if name and name != actor else actor


# ---------------------------------------------------------------------------- the file


def build_case_file(store: Store, incident_id: int, *, actor: str, now: datetime) -> bytes:
    """The case file as PDF bytes, made for actor at now and audited. CaseNotFound if there
    is no such case; CaseInvalid if it was anonymised (its text and evidence are gone)."""
    today = now.date()
    case = load_case(store, incident_id)
    is_demo, anonymised_at, stage = store.read_rows(
        "SELECT is_demo, anonymised_at, stage FROM incidents WHERE id = ?", [incident_id]
    )[0]
    if anonymised_at is not None:
        raise CaseInvalid(
            [Problem("reference", "the case was anonymised: no case file can be made of it")]
        )
    evidence = load_evidence_list(store, incident_id)
    pdf = _CaseFilePdf(case.reference, today, demonstration=is_demo)
    pdf.set_creation_date(datetime.combine(today, time(12), tzinfo=UTC))
    pdf.set_title(f"Case file {case.reference}")
    school = load_setting(store, SCHOOL_NAME)
    pdf.set_author(school)
    pdf.add_page()
    _write_opening(pdf, store, case, school, today, demonstration=is_demo)
    _write_facts(pdf, case, stage)
    _write_policy(pdf, case)
    _write_timeline(pdf, load_case_timeline(store, incident_id))
    _write_evidence(pdf, store, evidence, _display_names(store))
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.multi_cell(0, 5, f"End of the case file, made on {_day(today)}.", **_NEXT_LINE)
    content = bytes(pdf.output())
    carried = ", ".join(str(item.id) for item in evidence) or "none"
    record_event(
        store, actor, CASE_FILE_MADE, CASE_RECORD_TYPE, incident_id, now=now,
        detail=f"evidence carried: {carried}",
    )  # fmt: skip
    return content


def case_file_name(reference: str, today: date) -> str:
    """A file name for the download, from the reference and the day."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", reference).strip("-") or "case"
    return f"case-file-{slug}-{today.isoformat()}.pdf"


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


def _write_opening(pdf, store, case: Case, school: str, today: date, *, demonstration: bool):
    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.multi_cell(0, 9, f"Case file: {case.reference}", **_NEXT_LINE)
    pdf.paragraph(f"{school}. Made on {_day(today)}.", size=10)
    if demonstration:
        pdf.set_text_color(120, 30, 30)
        pdf.paragraph(f"{DEMONSTRATION_MARK}.", bold=True)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(1)
    pdf.paragraph(
        f"Drawn from the school's register of incidents kept under its {_policy_line(store)}. "
        "It holds the case as recorded, what the policy calls it in its own words, every "
        "step in date order with who recorded it, and each item of evidence with its "
        "SHA-256 digest, by which any copy can be checked against the one the school keeps."
    )


def _policy_line(store: Store) -> str:
    rows = store.read_rows(
        """
        SELECT policies.title, reviews.approved_by, reviews.approved_on
        FROM policies
        JOIN policy_reviews AS reviews ON reviews.policy_id = policies.id
        WHERE policies.governs_incidents
        ORDER BY reviews.approved_on DESC, reviews.id DESC
        LIMIT 1
        """
    )
    if not rows:
        return f'"{DEFAULT_POLICY_TITLE}"'
    title, approved_by, approved_on = rows[0]
    return f'"{title}", approved by the {approved_by} on {_day(approved_on)}'


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
    pdf: _CaseFilePdf, store: Store, evidence: list[EvidenceItem], names: dict[str, str]
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
            f"by {_who(item.added_by, names)}."
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
            _draw_image(pdf, _content_of(store, item.id), item.media_type, f"Item {number}")


def _content_of(store: Store, evidence_id: int) -> bytes:
    """An item's content, for drawing: the case file's own audit row covers this read."""
    return bytes(store.read_value("SELECT content FROM evidence WHERE id = ?", [evidence_id]))


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
