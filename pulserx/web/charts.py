"""Server-rendered SVG charts for History and the report: they work without JavaScript and
carry their own text alternative (`<title>`, `<desc>`, labelled links)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from pulserx.reminders.adherence import DayCell, Tally
from pulserx.reminders.history import HISTORY_WINDOWS, MedicationRow

CELL, GAP, TOP, LEFT = 14, 3, 18, 30
WEEKDAY_LABELS = ((0, "Mon"), (2, "Wed"), (4, "Fri"))


def day_words(cell: DayCell) -> str:
    """What a heat-map cell says: 'Tue 18 Nov: 3 of 4 taken, 1 missed, 1 late'."""
    when = f"{cell.day:%a} {cell.day.day} {cell.day:%b}"
    t = cell.tally
    if not t.recorded and not t.pending:
        return f"{when}: no doses"
    parts = [f"{t.taken} of {t.recorded} taken" if t.recorded else "nothing recorded yet"]
    parts += [f"{n} {label}" for n, label in ((t.missed, "missed"), (t.skipped, "skipped"),
                                              (t.late, "late"), (t.pending, "open")) if n]
    return f"{when}: {', '.join(parts)}"


def share_words(tally: Tally) -> str:
    return "no doses recorded" if tally.percent is None else f"{tally.percent}% taken"


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
        'aria-labelledby="heatmap-title heatmap-desc"><title id="heatmap-title">Doses taken '
        'per day, {first} to {last}</title><desc id="heatmap-desc">{summary}</desc>{body}</svg>',
        size=heatmap_size(weeks),
        w=width, h=height, first=f"{cells[0].day:%-d %b %Y}", last=f"{cells[-1].day:%-d %b %Y}",
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
    return (f"{len(days)} days with doses recorded: {full} fully taken, {missed} with a missed "
            "dose. Darker means a larger share taken; a dot marks a missed dose, a ring a late "
            "one. Each day links to its doses.")


def month_labels(cells: list[DayCell], first: date) -> list[SafeString]:
    labels = []
    for cell in cells:
        if cell.day.day == 1 or cell is cells[0]:
            column = (cell.day - first).days // 7
            labels.append(format_html('<text class="chart-label" x="{}" y="11">{}</text>',
                                      LEFT + column * (CELL + GAP), f"{cell.day:%b}"))
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
            figures.append(f"{days} days {share_words(tally)}")
            body.append(format_html(
                '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{d} d</text>'
                '<rect class="bar-track" x="{x}" y="{y}" width="{bw}" height="{h}" rx="2"/>'
                '<rect class="bar bar-{d}" x="{x}" y="{y}" width="{w}" height="{h}" rx="2"/>'
                '<text class="chart-value" x="{vx}" y="{ty}">{value}</text>',
                lx=NAME_W - 6, ty=y + BAR_H - 2, d=days, x=NAME_W, y=y, bw=BAR_W, h=BAR_H,
                w=round(BAR_W * share, 1), vx=NAME_W + BAR_W + 6,
                value="\u2013" if tally.percent is None else f"{tally.percent}%"))
        desc.append(f"{row.medication.name}: {', '.join(figures)}.")
    return format_html(
        '<svg class="bars" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="bars-title bars-desc"><title id="bars-title">Share of doses taken '
        'per medication over 7, 30 and 90 days</title><desc id="bars-desc">{desc}</desc>'
        '{body}</svg>', w=width, h=height, desc=" ".join(desc) or "No medications yet.",
        body=format_html_join("", "{}", ((b,) for b in body)))
