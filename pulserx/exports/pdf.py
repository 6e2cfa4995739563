"""The report as a PDF, drawn with fpdf2 (pure Python, no system libraries): A4, one page for
a typical 30 days, two at most with a long list of missed doses.

The built-in PDF fonts cover Latin-1 only; other characters are written as their closest
Latin-1 form (accents dropped) or '?', so a report never fails on a name.
"""

from __future__ import annotations

import unicodedata
from typing import cast

from fpdf import FPDF

from pulserx.exports.report import Report
from pulserx.reminders.adherence import DayCell, Tally
from pulserx.reminders.amounts import amount_text

SHADES = {None: (245, 245, 245), 0: (243, 217, 213), 1: (214, 236, 228), 2: (159, 211, 191),
          3: (79, 174, 140), 4: (23, 121, 90)}
MARGIN, WIDTH = 14, 182  # mm; A4 is 210 wide


def latin1(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    if all(ord(c) < 256 for c in text):
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).encode(
        "latin-1", "replace").decode("latin-1")


def percent(tally: Tally) -> str:
    return "-" if tally.percent is None else f"{tally.percent}%"


class ReportPDF(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report
        self.set_margins(MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(latin1(f"Medication report - {report.name}"))
        self.set_creator("PulseRx")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", size=7)
        self.set_text_color(110)
        self.cell(0, 4, f"PulseRx report, page {self.page_no()}/{{nb}}", align="R")

    def write_line(self, text: str, size: float = 9, style: str = "", height: float = 4.6) -> None:
        self.set_font("Helvetica", style=style, size=size)
        self.multi_cell(0, height, latin1(text), new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: Report) -> bytes:
    pdf = ReportPDF(report)
    pdf.add_page()
    header(pdf, report)
    medications_table(pdf, report)
    day_chart(pdf, report.cells)
    as_needed_doses(pdf, report)
    listed_doses(pdf, report)
    return bytes(pdf.output())


def header(pdf: ReportPDF, report: Report) -> None:
    pdf.write_line(f"Medication report: {report.name}", size=15, style="B", height=7)
    made = report.generated_at.astimezone(report.zone)
    pdf.write_line(f"{report.first:%-d %b %Y} to {report.last:%-d %b %Y} ({report.days} days)"
                   f" - times in {report.zone.key} - made {made:%-d %b %Y %H:%M}", size=8.5)
    o = report.overall
    pdf.ln(1)
    pdf.write_line(f"Adherence {percent(o)}: {o.taken} taken, {o.skipped} skipped, "
                   f"{o.missed} missed; {o.on_time} on time, {o.late} late.", size=10, style="B")
    if report.recorded_by_text:
        pdf.write_line(report.recorded_by_text + ".", size=8.5)
    pdf.ln(2)


COLUMNS = ((46, "Medication"), (62, "Schedule and instructions"), (20, "Taken"),
           (54, "Doses"))


def medications_table(pdf: ReportPDF, report: Report) -> None:
    pdf.set_font("Helvetica", style="B", size=8.5)
    pdf.set_fill_color(235)
    for width, title in COLUMNS:
        pdf.cell(width, 5.5, title, border="B", fill=True)
    pdf.ln()
    for line in report.medications:
        m, t = line.medication, line.tally
        cells = [
            " ".join(p for p in (m.name, m.strength) if p) + (" (paused)" if m.paused else ""),
            line.schedule + (f". {m.instructions}" if m.instructions else ""),
            "as needed" if line.is_as_needed else percent(t),
            line.doses_text,
        ]
        pdf.set_font("Helvetica", size=8.5)
        row = [latin1(text) for text in cells]
        heights = [len(cast(list[str], pdf.multi_cell(w, 4.2, text, dry_run=True,
                                                      output="LINES")))
                   for (w, _), text in zip(COLUMNS, row, strict=True)]
        height = max(heights) * 4.2 + 1.2
        pdf.set_font("Helvetica", size=8.5)
        if pdf.will_page_break(height):
            pdf.add_page()
        top, left = pdf.get_y(), pdf.l_margin
        for (width, _), text in zip(COLUMNS, row, strict=True):
            pdf.set_xy(left, top + 0.6)
            pdf.multi_cell(width, 4.2, text)
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
    pdf.set_font("Helvetica", size=5.5)
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


def listed_doses(pdf: ReportPDF, report: Report) -> None:
    pdf.write_line("Missed, skipped and late doses", size=9, style="B")
    if not report.listed:
        pdf.write_line("None in this period.", size=8.5)
    for dose in report.listed:
        pdf.write_line(f"{dose.due_local:%a %-d %b %H:%M}  {dose.medication}: {dose.what}",
                       size=8.5, height=4.2)
    if report.unlisted:
        pdf.write_line(f"... and {report.unlisted} more (see the CSV export).", size=8.5)


def as_needed_doses(pdf: ReportPDF, report: Report) -> None:
    """Every as-needed dose of the range with its time and amount; one recorded beyond a
    limit is marked, with what it broke."""
    pdf.write_line("As-needed doses", size=9, style="B")
    if not report.as_needed:
        pdf.write_line("None in this period.", size=8.5)
    for dose in report.as_needed:
        assert dose.medication is not None
        m = dose.medication
        beyond = f" - BEYOND A LIMIT: {dose.limit_note}" if dose.limit_override else ""
        pdf.write_line(f"{dose.due_at.astimezone(report.zone):%a %-d %b %H:%M}  "
                       f"{' '.join(p for p in (m.name, m.strength) if p)}: "
                       f"{amount_text(dose.amount, m.form)}{beyond}", size=8.5, height=4.2)
    if report.as_needed_unlisted:
        pdf.write_line(f"... and {report.as_needed_unlisted} earlier (see the CSV export).",
                       size=8.5)
    pdf.ln(2)
