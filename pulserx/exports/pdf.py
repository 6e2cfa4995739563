"""The report as a PDF, drawn with fpdf2 (pure Python, no system libraries): A4, one page for
a typical 30 days, two at most with a long list of missed doses.

Every word is written as entered, in any of Latin, Greek, Cyrillic, Arabic (shaped, right to
left), Chinese and Japanese: a report beyond Latin-1 embeds its fonts, each loaded only when
the report's text needs it (`exports.pdf_fonts`). So the document's whole text is put together first
(`ReportText`), then drawn. Times are in the reader's clock format (`clock_format`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from fpdf import FPDF
from fpdf.enums import TextMode

from pulserx.clock_format import page_day_time, page_time
from pulserx.exports.pdf_fonts import CORE_FAMILY, load_fonts
from pulserx.exports.report import MedicationLine, Report
from pulserx.reminders.adherence import DayCell, Tally
from pulserx.reminders.amounts import amount_text

SHADES = {None: (245, 245, 245), 0: (243, 217, 213), 1: (214, 236, 228), 2: (159, 211, 191),
          3: (79, 174, 140), 4: (23, 121, 90)}
MARGIN, WIDTH = 14, 182  # mm; A4 is 210 wide


def percent(tally: Tally) -> str:
    return "-" if tally.percent is None else f"{tally.percent}%"


@dataclass(frozen=True)
class ReportText:
    """Every text of the document (headings aside), worded before anything is drawn."""

    title: str
    period: str
    adherence: str
    recorded_by: str  # "Recorded by Ana (1), …." or ""
    rows: list[list[str]]  # the medications table, one list of cells per medication
    as_needed: list[str]
    as_needed_more: str
    listed: list[str]
    listed_more: str

    @property
    def everything(self) -> str:
        return "\n".join([self.title, self.period, self.adherence, self.recorded_by,
                          *self.as_needed,
                          self.as_needed_more, *self.listed, self.listed_more,
                          *(cell for row in self.rows for cell in row), *HEADINGS])


def report_text(report: Report) -> ReportText:
    o = report.overall
    made = report.generated_at.astimezone(report.zone)
    return ReportText(
        title=f"Medication report: {report.name}",
        period=(f"{report.first:%-d %b %Y} to {report.last:%-d %b %Y} ({report.days} days)"
                f" - times in {report.zone.key} - made {made:%-d %b %Y} {page_time(made)}"),
        adherence=(f"Adherence {percent(o)}: {o.taken} taken, {o.skipped} skipped, "
                   f"{o.missed} missed; {o.on_time} on time, {o.late} late."),
        recorded_by=f"{report.recorded_by_text}." if report.recorded_by_text else "",
        rows=[medication_cells(line) for line in report.medications],
        as_needed=as_needed_lines(report),
        as_needed_more=(f"... and {report.as_needed_unlisted} earlier (see the CSV export)."
                        if report.as_needed_unlisted else ""),
        listed=[f"{page_day_time(dose.due_local)}  {dose.medication}: {dose.what}"
                for dose in report.listed],
        listed_more=(f"... and {report.unlisted} more (see the CSV export)."
                     if report.unlisted else ""),
    )


class ReportPDF(FPDF):
    family = CORE_FAMILY

    def __init__(self, text: ReportText) -> None:
        super().__init__(format="A4")
        self.set_margins(MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(text.title)
        self.set_creator("PulseRx")

    def use_font(self, size: float) -> None:
        self.set_font(self.family, size=size)

    @contextmanager
    def bold(self, size: float) -> Iterator[None]:
        """Bold text: Helvetica's bold, or Noto's outlines stroked as well as filled (see
        `pdf_fonts`) inside a local graphics state, so that what follows is plain again.
        fpdf2 2.8 writes a text stroke's width as points: 3% of the font size."""
        if self.family == CORE_FAMILY:
            self.set_font(CORE_FAMILY, style="B", size=size)
            yield
            self.use_font(size)
            return
        self.use_font(size)
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.03):
            yield

    def footer(self) -> None:
        self.set_y(-10)
        self.use_font(7)
        self.set_text_color(110)
        self.cell(0, 4, f"PulseRx report, page {self.page_no()}/{{nb}}", align="R")

    def write_line(self, text: str, size: float = 9, style: str = "", height: float = 4.6) -> None:
        if "B" in style:
            with self.bold(size):
                self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        else:
            self.use_font(size)
            self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: Report) -> bytes:
    text = report_text(report)
    with tempfile.TemporaryDirectory(prefix="pulserx-pdf-") as workdir:
        pdf = ReportPDF(text)
        pdf.family = load_fonts(pdf, text.everything, workdir)
        pdf.add_page()
        header(pdf, text)
        medications_table(pdf, text)
        day_chart(pdf, report.cells)
        as_needed_doses(pdf, text)
        listed_doses(pdf, text)
        return bytes(pdf.output())


def header(pdf: ReportPDF, text: ReportText) -> None:
    pdf.write_line(text.title, size=15, style="B", height=7)
    pdf.write_line(text.period, size=8.5)
    pdf.ln(1)
    pdf.write_line(text.adherence, size=10, style="B")
    if text.recorded_by:
        pdf.write_line(text.recorded_by, size=8.5)
    pdf.ln(2)


COLUMNS = ((46, "Medication"), (62, "Schedule and instructions"), (20, "Taken"),
           (54, "Doses"))
HEADINGS = (*(title for _, title in COLUMNS), "Day by day (darker: larger share taken; x: a "
            "dose missed)", "As-needed doses", "Missed, skipped and late doses",
            "None in this period.", "PulseRx report, page 0123456789/")


def medication_cells(line: MedicationLine) -> list[str]:
    m = line.medication
    return [
        " ".join(p for p in (m.name, m.strength) if p) + (" (paused)" if m.paused else ""),
        line.schedule + (f". {m.instructions}" if m.instructions else ""),
        "as needed" if line.is_as_needed else percent(line.tally),
        line.doses_text,
    ]


def medications_table(pdf: ReportPDF, text: ReportText) -> None:
    pdf.set_fill_color(235)
    with pdf.bold(8.5):
        for width, title in COLUMNS:
            pdf.cell(width, 5.5, title, border="B", fill=True)
    pdf.ln()
    pdf.use_font(8.5)
    for row in text.rows:
        heights = [len(cast(list[str], pdf.multi_cell(w, 4.2, cell, dry_run=True,
                                                      output="LINES")))
                   for (w, _), cell in zip(COLUMNS, row, strict=True)]
        height = max(heights) * 4.2 + 1.2
        if pdf.will_page_break(height):
            pdf.add_page()
        top, left = pdf.get_y(), pdf.l_margin
        for (width, _), cell in zip(COLUMNS, row, strict=True):
            pdf.set_xy(left, top + 0.6)
            pdf.multi_cell(width, 4.2, cell)
            left += width
        pdf.set_xy(pdf.l_margin, top + height)
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + WIDTH, top + height)
    pdf.ln(3)


def day_chart(pdf: ReportPDF, cells: list[DayCell]) -> None:
    """The heat map as a strip of days (up to 31 a row): shade = share taken."""
    pdf.write_line("Day by day (darker: larger share taken; x: a dose missed)", size=9, style="B")
    size, gap, per_row = 5.2, 0.6, 31
    rows = (len(cells) + per_row - 1) // per_row
    if pdf.will_page_break(rows * (size + 4) + 6):
        pdf.add_page()
    top = pdf.get_y() + 1
    pdf.use_font(5.5)
    for index, cell in enumerate(cells):
        x = pdf.l_margin + (index % per_row) * (size + gap)
        y = top + (index // per_row) * (size + 4)
        pdf.set_fill_color(*SHADES[cell.level])
        pdf.set_draw_color(200)
        pdf.rect(x, y, size, size, style="DF")
        if cell.tally.missed:
            pdf.set_text_color(140, 28, 18)
            pdf.set_xy(x, y)
            pdf.cell(size, size, "x", align="C")
        pdf.set_text_color(90)
        pdf.set_xy(x, y + size)
        pdf.cell(size, 3, str(cell.day.day), align="C")
    pdf.set_text_color(0)
    pdf.set_draw_color(0)
    pdf.set_xy(pdf.l_margin, top + rows * (size + 4) + 2)


def listed_doses(pdf: ReportPDF, text: ReportText) -> None:
    pdf.write_line("Missed, skipped and late doses", size=9, style="B")
    if not text.listed:
        pdf.write_line("None in this period.", size=8.5)
    for line in text.listed:
        pdf.write_line(line, size=8.5, height=4.2)
    if text.listed_more:
        pdf.write_line(text.listed_more, size=8.5)


def as_needed_lines(report: Report) -> list[str]:
    """Every as-needed dose of the range with its time and amount; one recorded beyond a
    limit is marked, with what it broke."""
    lines = []
    for dose in report.as_needed:
        assert dose.medication is not None
        m = dose.medication
        beyond = f" - BEYOND A LIMIT: {dose.limit_note}" if dose.limit_override else ""
        lines.append(f"{page_day_time(dose.due_at, report.zone)}  "
                     f"{' '.join(p for p in (m.name, m.strength) if p)}: "
                     f"{amount_text(dose.amount, m.form)}{beyond}")
    return lines


def as_needed_doses(pdf: ReportPDF, text: ReportText) -> None:
    pdf.write_line("As-needed doses", size=9, style="B")
    if not text.as_needed:
        pdf.write_line("None in this period.", size=8.5)
    for line in text.as_needed:
        pdf.write_line(line, size=8.5, height=4.2)
    if text.as_needed_more:
        pdf.write_line(text.as_needed_more, size=8.5)
    pdf.ln(2)
