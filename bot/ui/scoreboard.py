"""An operation's scoreboard as people read it: a text, a chart (PNG) and a table (CSV).

The chart is drawn with matplotlib's Agg canvas on a bare Figure (no pyplot, no GUI, no state
shared between two charts), so it can be drawn in a worker thread. matplotlib is imported when
the first chart is drawn (a third of a second): the bot's start-up does not pay for it.

The CSV's columns are identifiers, as in the import format (`python -m bot import`), not words
of a language: amounts in euros with a dot, times in ISO 8601 UTC. The coordinators' version
adds the application behind each campaign (its number, the holder's type, the contact given):
the public version has nothing about applicants beyond what campaign cards show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.domain.scoreboard import Board, Project
from bot.ui import formatting
from bot.ui.callbacks import RowId
from bot.ui.progress import locale
from storage.models import Application

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX, HEIGHT_PX, DPI = 1000, 800, 100
TITLE_SHOWN = 60  # characters of a title in the text
LABELLED = 40  # projects named under their bar at most; more are drawn unnamed
FUNDED_COLOUR, SHORT_COLOUR, LINE_COLOUR = "#2e7d32", "#1565c0", "#c62828"
PUBLIC_COLUMNS = (
    *("campaign_id", "title", "holder", "commune_insee", "category", "status"),
    *("goal_eur", "raised_eur", "percent", "backers", "funded", "starts_at", "ends_at", "url"),
)
FULL_COLUMNS = (*PUBLIC_COLUMNS, "application_id", "holder_type", "contact")


class ScoreboardView(CallbackData, prefix="sb"):
    """An operation's scoreboard as text (t), chart (png) or table (csv)."""

    id: RowId
    what: str = "t"


# --- text -------------------------------------------------------------------------------------


def board_text(
    operation: str,
    board: Board,
    tz: str,
    ends_at: datetime | None,
    applications: Mapping[str, int] | None = None,
) -> str:
    """The figures, the top projects and the days left; with `applications` (coordinators
    only), how many applications are in each state."""
    loc = locale()
    parts = [
        _("scoreboard.header").format(operation=escape(operation)),
        _("scoreboard.figures").format(
            launched=len(board.launched),
            live=board.live,
            upcoming=board.upcoming,
            funded=board.funded,
            rate=formatting.percent_text(board.success_rate, loc),
            raised=formatting.money(board.raised_cents, loc),
            backers=formatting_number(board.backers, loc),
        ),
        _days_line(board, tz, ends_at),
    ]
    if applications is not None:
        parts.append(_applications_line(applications))
    if board.top:
        lines = [_("scoreboard.top")]
        lines += [_top_line(rank, project, loc) for rank, project in enumerate(board.top, 1)]
        parts.append("\n".join(lines))
    return "\n\n".join(part for part in parts if part)


def formatting_number(value: int, loc: str) -> str:
    return format_decimal(value, locale=loc)


def _days_line(board: Board, tz: str, ends_at: datetime | None) -> str:
    if board.days_left is None:
        return ""
    if board.ended:
        day = formatting.date(ends_at, locale(), tz) if ends_at else ""
        return _("scoreboard.ended").format(date=day)
    return _("scoreboard.days_left").format(days=board.days_left)


def _applications_line(counts: Mapping[str, int]) -> str:
    return _("scoreboard.applications").format(
        total=sum(counts.values()),
        submitted=counts.get("submitted", 0),
        changes=counts.get("changes", 0),
        approved=counts.get("approved", 0),
        refused=counts.get("refused", 0),
    )


def _top_line(rank: int, project: Project, loc: str) -> str:
    title = project.title if len(project.title) <= TITLE_SHOWN else project.title[:59] + "…"
    return _("scoreboard.top_line").format(
        rank=rank,
        title=escape(title),
        raised=formatting.money(project.raised_cents, loc),
        goal=formatting.money(project.goal_cents, loc),
        percent=formatting.percent_text(
            formatting.percent(project.raised_cents, project.goal_cents), loc
        ),
        backers=formatting_number(project.backers, loc),
    )


def board_keyboard(operation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("scoreboard.chart_button"),
                    callback_data=ScoreboardView(id=operation_id, what="png").pack(),
                ),
                InlineKeyboardButton(
                    text=_("scoreboard.csv_button"),
                    callback_data=ScoreboardView(id=operation_id, what="csv").pack(),
                ),
            ]
        ]
    )


# --- chart ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, in the reader's language (from the catalogue)."""

    title: str
    goals: str
    percent_axis: str
    full_line: str
    total: str
    euros_axis: str
    locale: str = "fr"  # of the dates and amounts on the axes


def chart_png(board: Board, series: Sequence[tuple[datetime, int]], labels: ChartLabels) -> bytes:
    """Top: each launched project's percent of its goal (funded in green), with the 100 % line.
    Bottom: the operation's total raised over time. A WIDTH_PX × HEIGHT_PX PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(_plain(labels.title))
    named = 0 < len(board.launched) <= LABELLED
    # Fixed margins: a layout engine would draw the figure twice to measure it.
    figure.subplots_adjust(
        left=0.1, right=0.98, top=0.92, bottom=0.06, hspace=0.55 if named else 0.3
    )
    goals, totals = figure.subplots(2, 1, height_ratios=(3, 2))
    _draw_goals(goals, board, labels, named)
    _draw_totals(totals, series, labels)
    buffer = io.BytesIO()
    # zlib's fastest level: the PNG of flat colours is barely larger, and made in half the time.
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _draw_goals(axes: Axes, board: Board, labels: ChartLabels, named: bool) -> None:
    """Projects from the best funded; named bars for a few, one filled outline per group (funded,
    not yet) for many: hundreds of bars would each be an object to draw."""
    projects = sorted(
        board.launched, key=lambda p: (-formatting.percent(p.raised_cents, p.goal_cents), p.id)
    )
    shares = [formatting.percent(p.raised_cents, p.goal_cents) for p in projects]
    if named:
        colours = [FUNDED_COLOUR if p.funded else SHORT_COLOUR for p in projects]
        axes.bar(range(len(projects)), shares, color=colours, width=0.8)
        names = [_plain(p.title if len(p.title) <= 24 else p.title[:23] + "…") for p in projects]
        axes.set_xticks(range(len(projects)), names, rotation=60, ha="right", fontsize=7)
    else:
        funded = sum(1 for p in projects if p.funded)
        for start, end, colour in ((0, funded, FUNDED_COLOUR), (funded, len(shares), SHORT_COLOUR)):
            if end > start:
                axes.stairs(shares[start:end], range(start, end + 1), fill=True, color=colour)
        axes.set_xticks([])
        axes.set_xlim(0, max(1, len(shares)))
    axes.axhline(100, color=LINE_COLOUR, linestyle="--", linewidth=1.5, label=labels.full_line)
    axes.set_title(labels.goals, loc="left", fontsize=11)
    axes.set_ylabel(labels.percent_axis)
    axes.legend(loc="upper right")


def _draw_totals(axes: Axes, series: Sequence[tuple[datetime, int]], labels: ChartLabels) -> None:
    from matplotlib.dates import AutoDateLocator, date2num, num2date
    from matplotlib.ticker import FuncFormatter

    times = date2num([at for at, _total in series])
    euros = [total / 100 for _at, total in series]
    axes.step(times, euros, where="post", color=FUNDED_COLOUR, linewidth=2)
    axes.fill_between(times, euros, step="post", color=FUNDED_COLOUR, alpha=0.15)
    if len(times) and times[-1] - times[0] < 1:  # one moment (no history yet): a day each side
        axes.set_xlim(times[0] - 1, times[-1] + 1)
    axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: format_date(num2date(x), "d MMM", locale=labels.locale))
    )
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda y, _pos: format_decimal(y, "#,##0", locale=labels.locale))
    )
    axes.set_title(labels.total, loc="left", fontsize=11)
    axes.set_ylabel(labels.euros_axis)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)


def _plain(text: str) -> str:
    """Shown as typed: a pair of "$" would otherwise start matplotlib's maths notation."""
    return text.replace("$", r"\$")


# --- table ------------------------------------------------------------------------------------


def board_csv(
    projects: Sequence[Project],
    now: datetime,
    applications: Mapping[int, Application] | None = None,
) -> bytes:
    """Every campaign of the operation, one a row, as UTF-8 with a byte order mark (so that
    spreadsheets read its accents); `applications` (by campaign id) makes the coordinators'
    version."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FULL_COLUMNS if applications is not None else PUBLIC_COLUMNS)
    for project in projects:
        row = _csv_row(project, now)
        if applications is not None:
            found = applications.get(project.id)
            row += [found.id, found.holder_type, found.contact] if found else ["", "", ""]
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def _csv_row(project: Project, now: datetime) -> list[object]:
    return [
        project.id,
        project.title,
        project.holder,
        project.commune_insee or "",
        project.category,
        project.status(now),
        _euros(project.goal_cents),
        _euros(project.raised_cents),
        formatting.percent(project.raised_cents, project.goal_cents),
        project.backers,
        int(project.funded),
        project.starts_at.isoformat(),
        project.ends_at.isoformat(),
        project.url or "",
    ]


def _euros(cents: int) -> str:
    return str(Decimal(cents) / 100)
