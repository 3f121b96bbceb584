"""The case file, read back: every page confidential, the facts, steps, evidence and digests."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from analytics.cases.evidence import load_evidence_list
from analytics.cases.register import CaseNotFound, record_case
from analytics.cases.retention import anonymise_cases
from analytics.cases.rules import CaseInvalid
from analytics.cases.timeline import load_case_timeline
from analytics.policies.wording import POLICY_ACTION_WORDS, POLICY_CATEGORY_WORDS
from analytics.records.audit import CASE_FILE_MADE
from analytics.records.opening import open_store
from analytics.reporting.casefile import build_case_file, case_file_name
from analytics.reporting.report import DEMONSTRATION_MARK
from analytics.vocabulary import CATEGORIES, ESCALATION_ACTIONS
from tests.analytics.cases.test_timeline import CATEGORY_CODES, seed_case
from tests.conftest import NOW, PINNED_NOW, at_ten, make_case

MADE_ON = date(2026, 3, 20)


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


def test_the_file_name_is_safe_whatever_the_reference():
    assert case_file_name("2026/001 (Smith)", MADE_ON) == "case-file-2026-001-Smith-2026-03-20.pdf"
    assert case_file_name("///", MADE_ON) == "case-file-case-2026-03-20.pdf"
