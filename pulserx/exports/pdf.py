"""The report as a PDF, drawn with fpdf2 (pure Python, no system libraries): A4, one page for
a typical 30 days, two at most with a long list of missed doses.

Every word is written as entered, in any of Latin, Greek, Cyrillic, Arabic (shaped, right to
left), Chinese and Japanese: a report beyond Latin-1 embeds its fonts, each loaded only when
the report's text needs it (`exports.pdf_fonts`). So the document's whole text is put together first
(`ReportText`), then drawn. Times are in the reader's clock format (`clock_format`); the
words in the language active while it is drawn (the request's: the reader's).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import TextMode

from pulserx.clock_format import page_date, page_day_time, page_time
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
                          *(cell for row in self.rows for cell in row), *headings()])


def day_text(day: date | datetime) -> str:
    """"Jan. 4, 2027", "4. Januar 2027": the one rule for a date (`page_date`)."""
    return page_date(day, weekday=False)


def report_text(report: Report) -> ReportText:
    o = report.overall
    made = report.generated_at.astimezone(report.zone)
    return ReportText(
        # Translators: the report's title; %(name)s is the patient's name.
        title=_("Medication report: %(name)s") % {"name": report.name},
        # Translators: the report's period, its clock (a zone such as Europe/Berlin) and
        # when it was made: "1 Jan 2027 to 30 Jan 2027 (30 days) - times in Europe/Berlin -
        # made 30 Jan 2027 18:05".
        period=_("%(first)s to %(last)s (%(days)s days) - times in %(zone)s - made %(made)s"
                 ) % {
            "first": day_text(report.first), "last": day_text(report.last), "days": report.days,
            "zone": report.zone.key, "made": f"{day_text(made)} {page_time(made)}"},
        # Translators: the report's summary: the share of doses taken, then counts.
        adherence=_("Adherence %(percent)s: %(taken)s taken, %(skipped)s skipped, "
                    "%(missed)s missed; %(on_time)s on time, %(late)s late.") % {
            "percent": percent(o), "taken": o.taken, "skipped": o.skipped, "missed": o.missed,
            "on_time": o.on_time, "late": o.late},
        recorded_by=f"{report.recorded_by_text}." if report.recorded_by_text else "",
        rows=[medication_cells(line) for line in report.medications],
        as_needed=as_needed_lines(report),
        as_needed_more=(_("... and %(count)s earlier (see the CSV export).")
                        % {"count": report.as_needed_unlisted}
                        if report.as_needed_unlisted else ""),
        listed=[f"{page_day_time(dose.due_local)}  {dose.medication}: {dose.what}"
                for dose in report.listed],
        listed_more=(_("... and %(count)s more (see the CSV export).")
                     % {"count": report.unlisted} if report.unlisted else ""),
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
        self.cell(0, 4, footer_text(str(self.page_no()), "{nb}"), align="R")

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


WIDTHS = (46, 62, 20, 54)


def footer_text(page: str, pages: str) -> str:
    """"PulseRx report, page 1/2"."""
    # Translators: the footer of each page of the PDF report: "PulseRx report, page 1/2".
    return _("PulseRx report, page %(page)s/%(pages)s") % {"page": page, "pages": pages}


def columns() -> tuple[tuple[int, str], ...]:
    """The medications table's columns: width (mm) and title, in the active language."""
    # Translators: column titles of the PDF report's medications table.
    titles = (_("Medication"), _("Schedule and instructions"),
              # Translators: the report's column of the share of doses taken ("92%").
              pgettext("report column", "Taken"), _("Doses"))
    return tuple(zip(WIDTHS, titles, strict=True))


def headings() -> tuple[str, ...]:
    """Every heading the document draws (their fonts are loaded with the rest's)."""
    return (*(title for _width, title in columns()), chart_heading(), _("As-needed doses"),
            _("Missed, skipped and late doses"), _("None in this period."),
            footer_text("0123456789", ""))


def chart_heading() -> str:
    return _("Day by day (darker: larger share taken; x: a dose missed)")


def medication_cells(line: MedicationLine) -> list[str]:
    m = line.medication
    what = " ".join(p for p in (m.name, m.strength) if p)
    return [
        # Translators: a paused medication in the report: "Metformin 500 mg (paused)".
        _("%(medication)s (paused)") % {"medication": what} if m.paused else what,
        line.schedule + (f". {m.instructions}" if m.instructions else ""),
        pgettext("report cell", "as needed") if line.is_as_needed else percent(line.tally),
        line.doses_text,
    ]


def medications_table(pdf: ReportPDF, text: ReportText) -> None:
    pdf.set_fill_color(235)
    table = columns()
    with pdf.bold(8.5):
        for width, title in table:
            pdf.cell(width, 5.5, title, border="B", fill=True)
    pdf.ln()
    pdf.use_font(8.5)
    for row in text.rows:
        heights = [len(cast(list[str], pdf.multi_cell(w, 4.2, cell, dry_run=True,
                                                      output="LINES")))
                   for (w, _title), cell in zip(table, row, strict=True)]
        height = max(heights) * 4.2 + 1.2
        if pdf.will_page_break(height):
            pdf.add_page()
        top, left = pdf.get_y(), pdf.l_margin
        for (width, _title), cell in zip(table, row, strict=True):
            pdf.set_xy(left, top + 0.6)
            pdf.multi_cell(width, 4.2, cell)
            left += width
        pdf.set_xy(pdf.l_margin, top + height)
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + WIDTH, top + height)
    pdf.ln(3)


def day_chart(pdf: ReportPDF, cells: list[DayCell]) -> None:
    """The heat map as a strip of days (up to 31 a row): shade = share taken."""
    pdf.write_line(chart_heading(), size=9, style="B")
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
    pdf.write_line(_("Missed, skipped and late doses"), size=9, style="B")
    if not text.listed:
        pdf.write_line(_("None in this period."), size=8.5)
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
        words = {"medication": " ".join(p for p in (m.name, m.strength) if p),
                 "amount": amount_text(dose.amount, m.form), "note": dose.limit_note}
        if dose.limit_override:
            # Translators: an as-needed dose taken beyond a dose limit; %(note)s says which
            # limit it broke.
            what = _("%(medication)s: %(amount)s - BEYOND A LIMIT: %(note)s") % words
        else:
            what = f"{words['medication']}: {words['amount']}"
        lines.append(f"{page_day_time(dose.due_at, report.zone)}  {what}")
    return lines


def as_needed_doses(pdf: ReportPDF, text: ReportText) -> None:
    pdf.write_line(_("As-needed doses"), size=9, style="B")
    if not text.as_needed:
        pdf.write_line(_("None in this period."), size=8.5)
    for line in text.as_needed:
        pdf.write_line(line, size=8.5, height=4.2)
    if text.as_needed_more:
        pdf.write_line(text.as_needed_more, size=8.5)
    pdf.ln(2)
