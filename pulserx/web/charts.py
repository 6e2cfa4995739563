"""Server-rendered SVG charts for History and the report: they work without JavaScript and
carry their own text alternative (`<title>`, `<desc>`, labelled links)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from pulserx.clock_format import page_date, page_day
from pulserx.reminders.adherence import DayCell, Tally
from pulserx.reminders.history import HISTORY_WINDOWS, MedicationRow

CELL, GAP, TOP, LEFT = 14, 3, 18, 30
WEEKDAY_LABELS = ((0, pgettext_lazy("abbreviated weekday", "Mon")),
                  (2, pgettext_lazy("abbreviated weekday", "Wed")),
                  (4, pgettext_lazy("abbreviated weekday", "Fri")))


def day_words(cell: DayCell) -> str:
    """What a heat-map cell says: 'Tue 18 Nov: 3 of 4 taken, 1 missed, 1 late'."""
    when = page_day(cell.day)
    t = cell.tally
    if not t.recorded and not t.pending:
        # Translators: %(day)s is like "Tue 18 Nov".
        return _("%(day)s: no doses") % {"day": when}
    parts = [_("%(taken)s of %(recorded)s taken") % {"taken": t.taken, "recorded": t.recorded}
             if t.recorded else _("nothing recorded yet")]
    # Translators: numbers of doses of a day ("1 missed", "2 late"); English has one form.
    counts = ((t.missed, ngettext("%(count)s missed", "%(count)s missed", t.missed)),
              (t.skipped, ngettext("%(count)s skipped", "%(count)s skipped", t.skipped)),
              (t.late, ngettext("%(count)s late", "%(count)s late", t.late)),
              (t.pending, ngettext("%(count)s open", "%(count)s open", t.pending)))
    parts += [words % {"count": n} for n, words in counts if n]
    # Translators: %(day)s is like "Tue 18 Nov"; %(details)s like "3 of 4 taken, 1 missed".
    return _("%(day)s: %(details)s") % {"day": when, "details": ", ".join(parts)}


def share_words(tally: Tally) -> str:
    if tally.percent is None:
        return _("no doses recorded")
    # Translators: a share of doses taken: "85% taken".
    return _("%(percent)s%% taken") % {"percent": tally.percent}


def heatmap(cells: list[DayCell], link: Callable[[date], str],
            selected: date | None = None) -> SafeString:
    """A calendar of weeks (columns, Monday on top), a link per day to its doses."""
    first = cells[0].day - timedelta(days=cells[0].day.weekday())
    weeks = (cells[-1].day - first).days // 7 + 1
    width, height = LEFT + weeks * (CELL + GAP) + 16, TOP + 7 * (CELL + GAP)
    summary = heatmap_summary(cells)
    body = [format_html('<text class="chart-label" x="0" y="{}">{}</text>',
                        TOP + row * (CELL + GAP) + CELL - 3, label)
            for row, label in WEEKDAY_LABELS]
    body += month_labels(cells, first)
    body += [heatmap_cell(cell, first, link, cell.day == selected) for cell in cells]
    return format_html(
        '<svg class="heatmap {size}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" '
        'aria-labelledby="heatmap-title heatmap-desc"><title id="heatmap-title">{title}'
        '</title><desc id="heatmap-desc">{summary}</desc>{body}</svg>',
        size=heatmap_size(weeks), w=width, h=height,
        # Translators: %(first)s and %(last)s are dates like "Mar. 5, 2025".
        title=_("Doses taken per day, %(first)s to %(last)s") % {
            "first": page_date(cells[0].day, weekday=False),
            "last": page_date(cells[-1].day, weekday=False)},
        summary=summary, body=SafeString("".join(body)))


def heatmap_size(weeks: int) -> str:
    """The stylesheet's size for a calendar of `weeks` columns: a year scrolls, a quarter
    fills the card, and a shorter range (a month's report) keeps its own cell size rather
    than being blown up to the card's width."""
    if weeks > 20:
        return "heatmap-year"
    return "heatmap-quarter" if weeks >= 10 else "heatmap-natural"


def heatmap_summary(cells: Iterable[DayCell]) -> str:
    days = [c for c in cells if c.tally.recorded]
    full = sum(c.fully_taken for c in days)
    missed = sum(1 for c in days if c.tally.missed)
    # English keeps "1 days" as it has always read.
    counted = ngettext(
        "%(days)s days with doses recorded: %(full)s fully taken, %(missed)s with a missed "
        "dose.",
        "%(days)s days with doses recorded: %(full)s fully taken, %(missed)s with a missed "
        "dose.", len(days)) % {"days": len(days), "full": full, "missed": missed}
    legend = _("Darker means a larger share taken; a dot marks a missed dose, a ring a late "
               "one. Each day links to its doses.")
    return f"{counted} {legend}"


def month_labels(cells: list[DayCell], first: date) -> list[SafeString]:
    labels = []
    for cell in cells:
        if cell.day.day == 1 or cell is cells[0]:
            column = (cell.day - first).days // 7
            labels.append(format_html('<text class="chart-label" x="{}" y="11">{}</text>',
                                      LEFT + column * (CELL + GAP),
                                      dateformat.format(cell.day, "M")))
    return labels


def heatmap_cell(cell: DayCell, first: date, link: Callable[[date], str],
                 selected: bool) -> SafeString:
    offset = (cell.day - first).days
    x, y = LEFT + offset // 7 * (CELL + GAP), TOP + offset % 7 * (CELL + GAP)
    level = "none" if cell.level is None else str(cell.level)
    marks = ""
    if cell.tally.missed:
        marks += format_html('<circle class="hm-missed" cx="{}" cy="{}" r="2.5"/>',
                             x + CELL / 2, y + CELL / 2)
    if cell.tally.late:
        marks += format_html('<circle class="hm-late" cx="{}" cy="{}" r="5" fill="none"/>',
                             x + CELL / 2, y + CELL / 2)
    words = day_words(cell)
    return format_html(
        '<a href="{href}" aria-label="{words}"{current}><rect class="hm hm-{level}{sel}" '
        'x="{x}" y="{y}" width="{c}" height="{c}" rx="3"><title>{words}</title></rect>'
        '{marks}</a>', href=link(cell.day), words=words, level=level, x=x, y=y, c=CELL,
        sel=" hm-selected" if selected else "", marks=SafeString(marks),
        current=SafeString(' aria-current="date"') if selected else "")


BAR_H, BAR_GAP, ROW_GAP, NAME_W, BAR_W = 12, 3, 14, 150, 240


def adherence_bars(rows: list[MedicationRow]) -> SafeString:
    """Per medication, a bar per window (7, 30, 90 days) with its percentage written out."""
    row_h = len(HISTORY_WINDOWS) * (BAR_H + BAR_GAP) + ROW_GAP
    width, height = NAME_W + BAR_W + 60, max(row_h * len(rows), row_h)
    body = []
    desc = []
    for index, row in enumerate(rows):
        top = index * row_h
        body.append(format_html('<text class="chart-name" x="0" y="{}">{}</text>',
                                top + BAR_H, row.medication.name))
        figures = []
        for n, days in enumerate(HISTORY_WINDOWS):
            tally = row.adherence.windows[days]
            y = top + n * (BAR_H + BAR_GAP)
            share = (tally.percent or 0) / 100
            # Translators: a window and its share: "7 days 85% taken".
            figures.append(ngettext("%(days)s day %(share)s", "%(days)s days %(share)s", days)
                           % {"days": days, "share": share_words(tally)})
            body.append(format_html(
                '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{dl}</text>'
                '<rect class="bar-track" x="{x}" y="{y}" width="{bw}" height="{h}" rx="2"/>'
                '<rect class="bar bar-{d}" x="{x}" y="{y}" width="{w}" height="{h}" rx="2"/>'
                '<text class="chart-value" x="{vx}" y="{ty}">{value}</text>',
                # Translators: a number of days, abbreviated: "30 d".
                dl=_("%(days)s d") % {"days": days},
                lx=NAME_W - 6, ty=y + BAR_H - 2, d=days, x=NAME_W, y=y, bw=BAR_W, h=BAR_H,
                w=round(BAR_W * share, 1), vx=NAME_W + BAR_W + 6,
                value="\u2013" if tally.percent is None else f"{tally.percent}%"))
        desc.append(_("%(medication)s: %(figures)s.") % {"medication": row.medication.name,
                                                         "figures": ", ".join(figures)})
    return format_html(
        '<svg class="bars" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="bars-title bars-desc"><title id="bars-title">{title}</title>'
        '<desc id="bars-desc">{desc}</desc>{body}</svg>', w=width, h=height,
        title=_("Share of doses taken per medication over 7, 30 and 90 days"),
        desc=" ".join(desc) or _("No medications yet."),
        body=format_html_join("", "{}", ((b,) for b in body)))
