"""/scoreboard: an operation's results for everyone; its coordinators (and admins) also see the
applications' states, and their CSV names the application behind each campaign.

Which version is shown is decided on the server for the operation asked (may_coordinate),
whatever the button says. The chart is drawn in a worker thread: the event loop keeps serving
other users meanwhile.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.scoreboard import Board, Project, build, project_from, total_over_time
from bot.settings import Settings
from bot.ui import scoreboard as ui
from bot.ui.progress import locale
from storage.models import Operation, User
from storage.repo import applications, operations
from storage.repo import scoreboard as repo


@dataclass(frozen=True)
class Loaded:
    operation: Operation
    projects: list[Project]
    board: Board
    full: bool


async def cmd_scoreboard(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """User sends /scoreboard [id] → bot shows the operation's results (or which operation)."""
    args = (command.args or "").strip()
    if args:
        if not (args.isascii() and args.isdigit() and len(args) < 10):
            await message.answer(_("scoreboard.unknown"))
            return
        await send_text(message, int(args), session, user, settings, clock)
        return
    coordinated = await operations.operations_of(session, user.id)
    shown = await repo.shown(session, coordinated)
    if len(shown) == 1:
        await send_text(message, shown[0].id, session, user, settings, clock)
    elif shown:
        await message.answer(_("scoreboard.pick"), reply_markup=_picker(shown))
    else:
        await message.answer(_("scoreboard.none"))


def _picker(shown: list[Operation]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=op.name, callback_data=ui.ScoreboardView(id=op.id).pack())]
            for op in shown
        ]
    )


async def load(
    session: AsyncSession, operation_id: int, user: User, settings: Settings, now: datetime
) -> Loaded | None:
    operation = await operations.get(session, operation_id)
    if operation is None:
        return None
    projects = [project_from(row) for row in await repo.campaigns(session, operation_id)]
    board = build(projects, now, operation.ends_at, settings.timezone)
    full = await operations.may_coordinate(session, user.id, operation_id, settings.admin_ids)
    return Loaded(operation, projects, board, full)


async def send_text(
    message: Message,
    operation_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    loaded = await load(session, operation_id, user, settings, clock())
    if loaded is None:
        await message.answer(_("scoreboard.unknown"))
        return
    counts = await applications.counts(session, operation_id) if loaded.full else None
    text = ui.board_text(
        loaded.operation.name, loaded.board, settings.timezone, loaded.operation.ends_at, counts
    )
    await message.answer(text, reply_markup=ui.board_keyboard(operation_id))


async def on_view(
    query: CallbackQuery,
    callback_data: ui.ScoreboardView,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """User presses an operation, "chart" or "CSV" → bot sends that view of its scoreboard."""
    if not isinstance(query.message, Message) or callback_data.what not in ("t", "png", "csv"):
        await query.answer(_("stale"), show_alert=True)
        return
    if callback_data.what == "t":
        await query.answer()
        await send_text(query.message, callback_data.id, session, user, settings, clock)
        return
    now = clock()
    loaded = await load(session, callback_data.id, user, settings, now)
    if loaded is None:
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    if callback_data.what == "png":
        await send_chart(query.message, loaded, session, now)
    else:
        await send_table(query.message, loaded, session, now)


async def send_chart(
    message: Message, loaded: Loaded, session: AsyncSession, now: datetime
) -> None:
    points = await repo.raised_points(session, loaded.operation.id)
    series = total_over_time(points, loaded.projects, now)
    labels = ui.ChartLabels(
        title=loaded.operation.name,
        goals=_("scoreboard.chart.goals"),
        percent_axis=_("scoreboard.chart.percent_axis"),
        full_line=_("scoreboard.chart.full_line"),
        total=_("scoreboard.chart.total"),
        euros_axis=_("scoreboard.chart.euros_axis"),
        locale=locale(),
    )
    png = await asyncio.to_thread(ui.chart_png, loaded.board, series, labels)
    await message.answer_photo(
        BufferedInputFile(png, f"scoreboard-{loaded.operation.id}.png"),
        caption=_("scoreboard.chart.caption").format(operation=escape(loaded.operation.name)),
    )


async def send_table(
    message: Message, loaded: Loaded, session: AsyncSession, now: datetime
) -> None:
    behind = None
    if loaded.full:
        behind = await applications.by_campaign(session, [p.id for p in loaded.projects])
    table = ui.board_csv(loaded.projects, now, behind)
    await message.answer_document(
        BufferedInputFile(table, f"scoreboard-{loaded.operation.id}.csv"),
        caption=_("scoreboard.csv_caption").format(operation=escape(loaded.operation.name)),
    )


def create_router() -> Router:
    router = Router(name="scoreboard")
    router.message.register(cmd_scoreboard, Command("scoreboard"))
    router.callback_query.register(on_view, ui.ScoreboardView.filter())
    return router
