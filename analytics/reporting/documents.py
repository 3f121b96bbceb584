"""The termly report as documents: PDF (to circulate), Word (to add commentary), CSV.

Every document is made from one Report, so all three print the same figures; charts are
drawn from the printed tables, so no chart shows a count the tables hide. The mode and
"For information" are printed on every page. Documents are byte-for-byte repeatable for
the same report (fixed creation dates), which frozen snapshots rely on.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from datetime import UTC, datetime, time
from importlib import resources

import altair as alt
import docx
import pandas as pd
import vl_convert
from docx.shared import Cm, Pt
from fpdf import FPDF
from fpdf.fonts import FontFace

from analytics.figures import why_not_drawn
from analytics.reporting.charts import CHART_TITLES
from analytics.reporting.report import Report, ReportTable
from analytics.reporting.review_pack import ReviewPack
from analytics.text import protect_from_formulas
from analytics.vocabulary import as_long_day

FONT_FAMILY = "DejaVu"
CHART_TABLES = {key: CHART_TITLES[key] for key in ("categories", "actions")}
CSV_COLUMNS = ("term", "mode", "table", "row", "column", "value", "marking")
# Axis text dark enough to read (7:1; Altair's own grey is 3.7:1 on white).
_AXIS_TEXT = {"labelColor": "#505a5f", "titleColor": "#505a5f"}


def _chart_png(chart: alt.Chart) -> bytes:
    """The chart drawn as a PNG at twice its size, for print."""
    return _draw_png(json.dumps(chart.to_dict(), sort_keys=True))


@functools.lru_cache(maxsize=32)
def _draw_png(spec: str) -> bytes:
    # Freezing a report writes it as PDF and as Word, each with the same charts: each chart
    # is drawn once (a tenth of a second), keyed by its whole specification, data included.
    return vl_convert.vegalite_to_png(json.loads(spec), scale=2)


def _chart_frame(table: ReportTable) -> pd.DataFrame:
    """A charted table's printed "Cases" column: label, cases (None when hidden), printed."""
    return pd.DataFrame(
        {
            "label": [_short(row[0]) for row in table.rows],
            "cases": pd.array(
                [int(row[1]) if row[1].isdigit() else None for row in table.rows], dtype="Int64"
            ),
            "printed": [row[1] for row in table.rows],
        }
    )


def charts_not_drawn(report: Report) -> dict[str, str]:
    """For each charted table with no bar to draw, the sentence printed in the chart's place."""
    said = {
        key: why_not_drawn(_chart_frame(report.table(key)), report.threshold)
        for key in CHART_TABLES
    }
    return {key: sentence for key, sentence in said.items() if sentence}


def build_report_charts(report: Report) -> dict[str, alt.Chart]:
    """Bar charts of the printed "Cases" column of some tables, where a bar would show; a
    hidden count is labelled, never drawn, so the chart shows no more than the table."""
    charts = {}
    for key, title in CHART_TABLES.items():
        frame = _chart_frame(report.table(key))
        if why_not_drawn(frame, report.threshold):
            continue
        base = alt.Chart(frame, title=title).encode(
            y=alt.Y(
                "label:N",
                sort=list(frame["label"]),
                title=None,
                axis=alt.Axis(labelLimit=260, **_AXIS_TEXT),
            )
        )
        bars = base.mark_bar(color="#1f5f8b").encode(
            x=alt.X("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1, **_AXIS_TEXT))
        )
        labels = (
            base.mark_text(align="left", dx=3)
            .encode(x=alt.X("cases:Q"), text="printed:N")
            .transform_calculate(cases="datum.cases === null ? 0 : datum.cases")
        )
        charts[key] = (bars + labels).properties(width=380, height=22 * len(frame))
    return charts


def render_document(report: Report, format_name: str) -> bytes:
    """One document of the report: "pdf", "docx" or "csv" (as UTF-8 bytes)."""
    if format_name == "pdf":
        return render_pdf(report)
    if format_name == "docx":
        return render_docx(report)
    if format_name == "csv":
        return render_csv(report).encode("utf-8")
    raise ValueError("format must be pdf, docx or csv")


def render_csv(report: Report) -> str:
    """Every table in long form, one printed cell a row, with the mode and the report's
    marking on every row; every cell safe to open in a spreadsheet."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in report.tables:
        for row in table.rows:
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                cells = (report.term, report.mode, table.title, row[0], column, value)
                writer.writerow([protect_from_formulas(cell) for cell in (*cells, report.marking)])
    return buffer.getvalue()


def render_pdf(report: Report) -> bytes:
    pdf = _MarkedPdf(report.marking, f"{report.school} · {report.mode_label}")
    pdf.set_creation_date(_fixed_moment(report))
    pdf.set_title(report.title)
    pdf.set_author(report.school)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 15)
    pdf.multi_cell(0, 8, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(
        0, 6, f"{report.school}. Term: {report.term} ({report.period}).",
        new_x="LMARGIN", new_y="NEXT", align="L",
    )  # fmt: skip
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.cell(0, 8, "Summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    for sentence in report.narrative:
        pdf.multi_cell(0, 5.5, sentence, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    charts, not_drawn = build_report_charts(report), charts_not_drawn(report)
    for table in report.tables:
        _pdf_table(pdf, table)
        if table.key in charts:
            pdf.image(io.BytesIO(_chart_png(charts[table.key])), w=150)
            pdf.ln(2)
        elif table.key in not_drawn:
            pdf.set_font(FONT_FAMILY, "", 9)
            pdf.multi_cell(0, 5, not_drawn[table.key], new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)
    return bytes(pdf.output())


def render_docx(report: Report) -> bytes:
    document = docx.Document()
    properties = document.core_properties
    properties.title, properties.author = report.title, report.school
    properties.created = properties.modified = _fixed_moment(report).replace(tzinfo=None)
    properties.last_modified_by = report.school
    section = document.sections[0]
    section.header.paragraphs[0].text = report.marking
    section.footer.paragraphs[0].text = f"{report.school} · {report.mode_label}"
    document.add_heading(report.title, level=1)
    document.add_paragraph(f"{report.school}. Term: {report.term} ({report.period}).")
    document.add_paragraph(report.marking)
    document.add_heading("Summary", level=2)
    for sentence in report.narrative:
        document.add_paragraph(sentence)
    charts, not_drawn = build_report_charts(report), charts_not_drawn(report)
    for table in report.tables:
        document.add_heading(table.title, level=2)
        grid = document.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        for cell, heading in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.text = heading
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in table.rows:
            for cell, value in zip(grid.add_row().cells, row, strict=True):
                cell.text = value
        if table.note:
            note = document.add_paragraph(table.note)
            note.runs[0].font.size = Pt(8)
        if table.key in charts:
            document.add_picture(io.BytesIO(_chart_png(charts[table.key])), width=Cm(15))
        elif table.key in not_drawn:
            document.add_paragraph(not_drawn[table.key])
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_fixed_zip_times(buffer.getvalue(), _fixed_moment(report))


class _MarkedPdf(FPDF):
    """A4 pages with a marking at the top of each and page numbers at the foot."""

    def __init__(self, marking: str, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.marking, self.footer_text = marking, footer
        fonts = resources.files("analytics") / "fonts"
        # DejaVu covers curly quotes, accents and apostrophes, which built-in fonts do not.
        with resources.as_file(fonts / "DejaVuSans.ttf") as regular:
            self.add_font(FONT_FAMILY, "", str(regular))
        with resources.as_file(fonts / "DejaVuSans-Bold.ttf") as bold:
            self.add_font(FONT_FAMILY, "B", str(bold))
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FONT_FAMILY, "B", 8)
        self.set_text_color(120, 30, 30)
        self.cell(0, 5, self.marking.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, "", 8)
        page = f"page {self.page_no()} of {{nb}}"
        self.cell(0, 5, f"{self.footer_text} · {page}", align="C")


def _pdf_table(pdf: FPDF, table: ReportTable) -> None:
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT_FAMILY, "", 8.5)
    label_share = 3 if len(table.columns) > 2 else 4
    widths = (label_share, *([1.3] * (len(table.columns) - 1)))
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", *(["RIGHT"] * (len(table.columns) - 1))),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 242)),
        line_height=4.6,
        first_row_as_headings=True,
    ) as grid:
        for values in (table.columns, *table.rows):
            row = grid.row()
            for value in values:
                row.cell(value)
    if table.note:
        pdf.set_font(FONT_FAMILY, "", 7.5)
        pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)


def render_review_pack(pack: ReviewPack, format_name: str) -> bytes:
    """The policy's review pack as a PDF or Word document, its table by section, marked as
    its audience may take it (protected figures for circulation, exact ones confidential)."""
    heading = f"Review pack: {pack.policy_title}"
    lines = [
        f"{pack.school}. What happened {pack.period_label} (the last approval), to "
        f"{as_long_day(pack.made_on)}.",
        pack.marking,
    ]
    sections = list(dict.fromkeys(pack.table["Section"]))
    if format_name == "pdf":
        pdf = _MarkedPdf(pack.marking, pack.school)
        pdf.set_title(heading)
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, "B", 15)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(FONT_FAMILY, "", 10)
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT", align="L")
        for section in sections:
            rows = pack.table[pack.table["Section"] == section]
            table = ReportTable(
                section, section, ("Item", "Value"),
                tuple(zip(rows["Item"], rows["Value"], strict=True)),
            )  # fmt: skip
            _pdf_table(pdf, table)
        return bytes(pdf.output())
    if format_name == "docx":
        document = docx.Document()
        document.core_properties.title = heading
        document.sections[0].header.paragraphs[0].text = pack.marking
        document.add_heading(heading, level=1)
        for line in lines:
            document.add_paragraph(line)
        for section in sections:
            rows = pack.table[pack.table["Section"] == section]
            document.add_heading(section, level=2)
            grid = document.add_table(rows=1, cols=2)
            grid.style = "Table Grid"
            grid.rows[0].cells[0].text, grid.rows[0].cells[1].text = "Item", "Value"
            for item, value in zip(rows["Item"], rows["Value"], strict=True):
                cells = grid.add_row().cells
                cells[0].text, cells[1].text = item, value
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
    raise ValueError("format must be pdf or docx")


def _with_fixed_zip_times(package: bytes, moment: datetime) -> bytes:
    """The same .docx package with every part stamped at moment, not at the time of saving."""
    source = zipfile.ZipFile(io.BytesIO(package))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamped, source.read(info.filename))
    return output.getvalue()


def _fixed_moment(report: Report) -> datetime:
    """Noon UTC on the report's date: a repeatable creation date for the documents."""
    return datetime.combine(report.generated_on, time(12), tzinfo=UTC)


def _short(label: str) -> str:
    return label if len(label) <= 40 else label[:38] + "…"
