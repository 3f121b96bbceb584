"""The report's documents, read back: the same figures as the report, the mode on every page."""

from __future__ import annotations

import csv
import io
import re

import docx
import pytest
from pypdf import PdfReader

from analytics.policies.register import seed_policies
from analytics.reporting.documents import (
    build_report_charts,
    charts_not_drawn,
    render_csv,
    render_docx,
    render_pdf,
)
from analytics.reporting.report import build_report, gather_report_figures
from analytics.terms import TermCalendar, parse_term
from analytics.text import read_as_typed
from tests.analytics.reporting.report_store import PRIVATE, REPORT_DAY, SCHOOL, fill_report_store
from tests.analytics.reporting.test_charts import drawn
from tests.conftest import PINNED_NOW, at_ten


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    from analytics.records.opening import (
        open_store,
    )

    store = open_store(tmp_path_factory.mktemp("documents") / "store.duckdb", now=PINNED_NOW)
    seed_policies(store, TermCalendar(), now=PINNED_NOW)
    fill_report_store(store)
    figures = gather_report_figures(
        store, TermCalendar(), parse_term("Autumn 2025"), school=SCHOOL, today=REPORT_DAY
    )
    store.close()
    return figures


@pytest.fixture(params=["circulation", "confidential"])
def report(request, figures):
    return build_report(figures, request.param, 5)


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_pdf_prints_every_table_row_and_sentence_of_the_report(report):
    text = " ".join(pdf_pages(render_pdf(report)))
    for table in report.tables:
        assert table.title in text
        for row in table.rows:
            assert " ".join(" ".join(row).split()) in text, row
    for sentence in report.narrative:
        assert sentence in text


def test_the_pdf_marks_every_page_with_the_mode(report):
    pages = pdf_pages(render_pdf(report))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page.startswith(report.marking.upper())
        assert f"{report.mode_label} · page {number} of {len(pages)}" in page


def test_the_pdf_is_correct_for_curly_quotes_accents_and_apostrophes(report):
    assert SCHOOL in pdf_pages(render_pdf(report))[0]


def test_the_word_file_holds_the_same_tables_and_narrative(report):
    document = docx.Document(io.BytesIO(render_docx(report)))
    tables = [[tuple(cell.text for cell in row.cells) for row in t.rows] for t in document.tables]
    assert tables == [[table.columns, *table.rows] for table in report.tables]
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert all(sentence in paragraphs for sentence in report.narrative)
    assert document.sections[0].header.paragraphs[0].text == report.marking
    # The two charts, each drawn or said in one sentence why not.
    not_drawn = charts_not_drawn(report)
    assert len(document.inline_shapes) == 2 - len(not_drawn)
    assert all(sentence in paragraphs for sentence in not_drawn.values())


def test_the_csv_holds_every_printed_cell_with_the_mode(report):
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    expected = [
        (table.title, row[0], column, value)
        for table in report.tables
        for row in table.rows
        for column, value in zip(table.columns[1:], row[1:], strict=True)
    ]
    as_typed = [
        tuple(read_as_typed(r[name]) for name in ("table", "row", "column", "value")) for r in rows
    ]
    assert as_typed == expected
    assert {r["mode"] for r in rows} == {report.mode}
    assert {r["marking"] for r in rows} == {report.marking}


def test_no_csv_cell_starts_a_spreadsheet_formula(figures):
    """A policy title such as "=1+2", and "+9" in a change column, are kept inert."""
    policies = [p | {"title": "=1+2"} for p in figures["policies"]]
    report = build_report(figures | {"policies": policies}, "confidential", 5)
    for row in csv.reader(io.StringIO(render_csv(report))):
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row), row


def test_documents_are_byte_for_byte_repeatable(report):
    assert render_pdf(report) == render_pdf(report)
    assert render_docx(report) == render_docx(report)


def test_charts_draw_no_hidden_count(figures):
    report = build_report(figures, "circulation", 3)
    chart = build_report_charts(report)["categories"].to_dict()
    (data,) = chart["datasets"].values()
    bullying = next(row for row in data if row["label"].startswith("Posts that could be"))
    assert bullying["cases"] is None and bullying["printed"] == "<3"


def test_a_chart_with_nothing_to_draw_is_one_sentence_in_every_document(figures):
    """Circulated at 5, Autumn 2025's categories and actions are all 0, under 5 or left out
    to protect those: no bar would show, so no document draws either chart; each document
    says why where the chart would be. Confidential, both are drawn."""
    sentence = (
        "Every count in this chart is 0, under 5 or left out so that one under 5 cannot be "
        "worked out, so it is not drawn."
    )
    circulated = build_report(figures, "circulation", 5)
    assert build_report_charts(circulated) == {}
    assert charts_not_drawn(circulated) == {"categories": sentence, "actions": sentence}
    pdf_text = " ".join(pdf_pages(render_pdf(circulated)))
    assert pdf_text.count(sentence) == 2
    word = docx.Document(io.BytesIO(render_docx(circulated)))
    assert [paragraph.text for paragraph in word.paragraphs].count(sentence) == 2
    assert len(word.inline_shapes) == 0
    confidential = build_report(figures, "confidential", 5)
    assert set(build_report_charts(confidential)) == {"categories", "actions"}
    assert charts_not_drawn(confidential) == {}


def test_every_bar_of_the_reports_charts_carries_its_number(report):
    for key, chart in build_report_charts(report).items():
        printed = [row[1] for row in report.table(key).rows]
        bars, texts = drawn(chart)
        assert sorted(text["text"] for text in texts) == sorted(printed), key
        for bar in (bar for bar in bars if bar["w"] > 0):
            at_its_end = [
                text["text"]
                for text in texts
                if bar["y"] <= text["y"] <= bar["y"] + bar["h"]
                and bar["x"] + bar["w"] <= text["x"] <= bar["x"] + bar["w"] + 10
            ]
            assert at_its_end == [bar["figure"]], f"{key}: the bar at {bar} reads {at_its_end}"


def test_no_private_text_reaches_any_document(report):
    word = docx.Document(io.BytesIO(render_docx(report)))
    word_text = " ".join(p.text for p in word.paragraphs) + " ".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    everything = " ".join(pdf_pages(render_pdf(report))) + render_csv(report) + word_text
    for private in ("Racial element", "Police informed", PRIVATE, "Jane Doe", "example.invalid"):
        assert private not in everything
    assert not re.search(r"\b[QR]\d+\b|X-B\d", everything)  # person references
    assert not re.search(r"\b[ASB]\d+\b", everything)  # case references


def test_documents_from_demonstration_data_say_so_on_every_page(figures):
    demonstration = build_report(figures | {"demonstration": True}, "circulation", 5)
    pages = pdf_pages(render_pdf(demonstration))
    assert len(pages) > 1
    assert all("DEMONSTRATION DATA: NOT REAL" in page for page in pages)
    word = docx.Document(io.BytesIO(render_docx(demonstration)))
    assert all("Demonstration data: not real" in s.header.paragraphs[0].text for s in word.sections)
    assert "Demonstration data: not real" in render_csv(demonstration)
    real = build_report(figures, "circulation", 5)
    assert not any("NOT REAL" in page for page in pdf_pages(render_pdf(real)))


def test_the_report_knows_when_the_store_holds_demonstration_cases(tmp_path):
    from analytics.cases.demo import load_demo_data
    from analytics.records.opening import (
        open_store,
    )

    store = open_store(tmp_path / "demo.duckdb", now=PINNED_NOW)
    load_demo_data(store, 40, actor="t", now=at_ten(REPORT_DAY))
    figures = gather_report_figures(
        store, TermCalendar(), parse_term("Autumn 2025"), school=SCHOOL, today=REPORT_DAY
    )
    store.close()
    assert build_report(figures, "confidential", 5).marking.startswith(
        "Demonstration data: not real · Confidential"
    )
