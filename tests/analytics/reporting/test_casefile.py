"""The case file, read back: every page confidential, the facts, steps, evidence and digests."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from analytics.access.accounts import record_account
from analytics.cases.evidence import load_evidence_list, record_evidence
from analytics.cases.register import (
    CaseNotFound,
    record_case,
    record_cases,
    record_discussion,
    record_edit,
    record_escalation,
)
from analytics.cases.retention import anonymise_cases
from analytics.cases.rules import CaseInvalid, EscalationStep
from analytics.paths import PROJECT_ROOT
from analytics.records.opening import (
    open_store,
)
from analytics.reporting.casefile import (
    CASE_FILE_MADE,
    NOT_ON_THE_TRAIL,
    POLICY_ACTION_WORDS,
    POLICY_CATEGORY_WORDS,
    build_case_file,
    case_file_name,
    load_case_timeline,
)
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.vocabulary import CATEGORIES, ESCALATION_ACTIONS
from tests.analytics.cases.test_evidence import jpeg_with_gps, pdf_document
from tests.conftest import NOW, PINNED_NOW, at_ten, make_case

POLICY_TEXT = PROJECT_ROOT / "data" / "policies" / "parental-social-networking-policy.txt"
MADE_ON = date(2026, 3, 20)
CATEGORY_CODES = ("complaints", "racist")


def tall_screenshot() -> bytes:
    """A scrolling screenshot four pages long, so the file runs over several pages."""
    buffer = io.BytesIO()
    Image.new("RGB", (300, 6000), (40, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def seed_case(store) -> int:
    """A case logged with a written warning by the head, a discussion recorded by staff,
    police contacted by the head, a corrected summary, and three items of evidence."""
    record_account(
        store, "deputy", "Mr D Deputy", "staff", "a long pass phrase 42", actor="t", now=PINNED_NOW
    )
    logged = make_case(
        categories=CATEGORY_CODES,
        actions=(EscalationStep("written_warning", date(2026, 1, 14)),),
    )
    case_id = record_case(store, logged, actor="head", now=NOW)
    record_discussion(store, case_id, date(2026, 1, 13), "refused", actor="staff1", now=NOW)
    police = EscalationStep("police", date(2026, 1, 20), "Crime reference 12/3456")
    record_escalation(store, case_id, police, actor="deputy", now=NOW)
    again = EscalationStep("written_warning", date(2026, 1, 22))
    record_escalation(store, case_id, again, actor="staff1", now=NOW)
    record_edit(
        store, case_id, {"summary": "Post about pick-up, naming a teacher."}, "Typo",
        actor="deputy", now=NOW,
    )  # fmt: skip
    for data, name in [
        (jpeg_with_gps(size=(160, 90)), "photo of screen.jpg"),
        (pdf_document(), "solicitor letter.pdf"),
        (tall_screenshot(), "scrolling.png"),
    ]:
        record_evidence(
            store, case_id, data, name, note=None, actor="staff1", now=datetime(2026, 2, 2, 9)
        )
    return case_id


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One case file, made once for the tests that only read it."""
    store = open_store(tmp_path_factory.mktemp("casefile") / "store.duckdb", now=PINNED_NOW)
    case_id = seed_case(store)
    content = build_case_file(store, case_id, actor="head", now=at_ten(MADE_ON))
    facts = {
        "timeline": load_case_timeline(store, case_id),
        "evidence": load_evidence_list(store, case_id),
        "audit": store.read_rows(
            "SELECT actor, record_type, record_id, detail FROM audit_log WHERE action = ?",
            [CASE_FILE_MADE],
        ),
        "case_id": case_id,
    }
    store.close()
    return content, facts


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_case_file_is_a_pdf_marked_confidential_on_every_page(made):
    content, _ = made
    assert content.startswith(b"%PDF-")
    pages = pdf_pages(content)
    assert len(pages) >= 3  # the long screenshot runs over pages
    for number, page in enumerate(pages, start=1):
        assert page.startswith("Confidential"), number
        assert f"Case file 2026-001 · made on 20/03/2026 · page {number} of {len(pages)}" in page
    assert DEMONSTRATION_MARK not in " ".join(pages)


def test_the_case_file_gives_the_reference_facts_and_the_date_it_was_made(made):
    text = " ".join(pdf_pages(made[0]))
    assert "Case file: 2026-001" in text
    assert "Made on 20/03/2026" in text
    assert "Post about pick-up, naming a teacher." in text  # the summary as corrected
    assert "Reported to the school on 12/01/2026" in text
    assert "Person reference (the school's code, not a name) F-01" in text


def test_every_date_is_written_the_schools_way(made):
    text = " ".join(pdf_pages(made[0]))
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


def test_the_categories_are_named_with_their_labels_and_the_policys_words(made):
    text = " ".join(pdf_pages(made[0]))
    for code in CATEGORY_CODES:
        assert CATEGORIES[code] in text
        assert POLICY_CATEGORY_WORDS[code] in text
    for code in ("police", "written_warning"):
        assert ESCALATION_ACTIONS[code] in text
        assert " ".join(POLICY_ACTION_WORDS[code].split()) in text
    assert POLICY_CATEGORY_WORDS["racist"] in text
    assert POLICY_CATEGORY_WORDS["threats_of_violence"] not in text


def test_every_step_is_printed_with_its_date_and_who_recorded_it(made):
    content, facts = made
    text = " ".join(pdf_pages(content))
    timeline = facts["timeline"]
    assert len(timeline) == 10  # posted, reported, discussion, 3 escalations, edit, 3 evidence
    for row in timeline.itertuples():
        assert f"{row.date:%d/%m/%Y} {row.step}" in text, row
        assert row.recorded_by in text
    assert "Mr D Deputy (deputy)" in text


def test_each_evidence_item_is_listed_with_its_digests(made):
    content, facts = made
    squashed = "".join(" ".join(pdf_pages(content)).split())
    items = facts["evidence"]
    assert len(items) == 3
    for item in items:
        assert item.sha256 in squashed
        assert item.file_name.replace(" ", "") in squashed
    photo = items[0]
    assert photo.differs_from_received and photo.original_sha256 in squashed


def test_images_are_drawn_and_pdfs_only_listed(made):
    reader = PdfReader(io.BytesIO(made[0]))
    drawn = [image for page in reader.pages for image in page.images]
    # The photo whole, and the scrolling screenshot in one piece a page; the PDF not at all.
    assert len(drawn) >= 3
    assert (drawn[0].image.width, drawn[0].image.height) == (160, 90)
    assert sum(image.image.height for image in drawn[1:]) == 6000


def test_making_a_case_file_is_audited_with_the_evidence_it_carried(made):
    _, facts = made
    ids = ", ".join(str(item.id) for item in facts["evidence"])
    assert facts["audit"] == [
        ("head", "incident", str(facts["case_id"]), f"evidence carried: {ids}")
    ]


def test_the_timeline_names_who_recorded_each_step(made):
    timeline = made[1]["timeline"]
    by_step = [(f"{row.date:%d/%m/%Y}", row.step, row.recorded_by) for row in timeline.itertuples()]
    assert by_step == [
        ("10/01/2026", "Posted", "head"),
        ("12/01/2026", "Reported to the school", "head"),
        ("13/01/2026", "Discussion with the parent", "staff1"),
        # Logged with the case, so by whoever logged it; then each as recorded later.
        ("14/01/2026", "Escalation", "head"),
        ("20/01/2026", "Escalation", "Mr D Deputy (deputy)"),
        ("22/01/2026", "Escalation", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        ("02/02/2026", "Evidence added", "staff1"),
        # The day the correction was recorded (NOW, in seed_case).
        (f"{NOW:%d/%m/%Y}", "Record corrected", "Mr D Deputy (deputy)"),
    ]
    edit = timeline[timeline.step == "Record corrected"].iloc[0]
    assert edit.detail == "Changed: Summary. Reason: Typo"
    police = timeline.iloc[4]
    assert police.detail == "Police contacted: Crime reference 12/3456"


def test_a_step_of_an_imported_case_says_the_trail_does_not_name_who(store):
    with store.transaction() as cursor:
        record_cases(cursor, [make_case()])
    case_id = store.read_value("SELECT id FROM incidents")
    timeline = load_case_timeline(store, case_id)
    assert set(timeline.recorded_by) == {NOT_ON_THE_TRAIL}


def test_a_demonstration_case_is_marked_on_every_page(store):
    with store.transaction() as cursor:
        record_cases(cursor, [make_case(reference="DEMO-1")], is_demo=True)
    case_id = store.read_value("SELECT id FROM incidents")
    for page in pdf_pages(build_case_file(store, case_id, actor="head", now=at_ten(MADE_ON))):
        assert page.startswith(f"{DEMONSTRATION_MARK} · Confidential")


def test_a_case_without_evidence_says_so_and_draws_nothing(store):
    case_id = record_case(store, make_case(), actor="head", now=NOW)
    content = build_case_file(store, case_id, actor="head", now=at_ten(MADE_ON))
    assert "No evidence is attached to this case." in " ".join(pdf_pages(content))
    assert not any(page.images for page in PdfReader(io.BytesIO(content)).pages)


def test_no_case_file_is_made_of_a_missing_or_anonymised_case(store):
    closed = make_case(closed_on=date(2026, 1, 20), outcome="Removed", rationale="Done")
    case_id = record_case(store, closed, actor="head", now=NOW)
    anonymise_cases(store, [case_id], actor="head", now=datetime(2033, 1, 1, 10))
    before = store.read_value("SELECT count(*) FROM audit_log")
    with pytest.raises(CaseInvalid, match="anonymised"):
        build_case_file(store, case_id, actor="head", now=at_ten(MADE_ON))
    with pytest.raises(CaseNotFound):
        build_case_file(store, 999, actor="head", now=at_ten(MADE_ON))
    assert store.read_value("SELECT count(*) FROM audit_log") == before


def test_the_policys_words_are_quoted_exactly_for_every_code():
    policy = " ".join(Path(POLICY_TEXT).read_text(encoding="utf-8").split())
    assert set(POLICY_CATEGORY_WORDS) == set(CATEGORIES)
    assert set(POLICY_ACTION_WORDS) == set(ESCALATION_ACTIONS)
    for words in [*POLICY_CATEGORY_WORDS.values(), *POLICY_ACTION_WORDS.values()]:
        assert words.removesuffix(" [the school]") in policy, words


def test_the_file_name_is_safe_whatever_the_reference():
    assert case_file_name("2026/001 (Smith)", MADE_ON) == "case-file-2026-001-Smith-2026-03-20.pdf"
    assert case_file_name("///", MADE_ON) == "case-file-case-2026-03-20.pdf"
