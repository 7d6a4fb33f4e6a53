"""/operations: the operations a coordinator runs (an admin: all), each card with its menu; the
edit menu; attaching the campaigns of the territory (counted, confirmed, then done)."""

from html import escape

from aiogram import Bot
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import territory
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui.operations import (
    PAGE_SIZE,
    OperationList,
    OperationMenu,
    attach_keyboard,
    edit_keyboard,
    list_keyboard,
    list_text,
    view_of,
)
from handlers.coordinator.access import admin, areas, coordinated, render_card
from handlers.coordinator.invitations import invite
from storage.models import Operation, User
from storage.repo import operations


async def list_page(
    session: AsyncSession, user: User, settings: Settings, gazetteer: Gazetteer, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    is_admin = user.id in settings.admin_ids
    every = await operations.listed(session, user.id, is_admin)
    pages = max(1, -(-len(every) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = every[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ids = [o.id for o in shown]
    counts = await operations.campaign_counts(session, ids)
    people = await operations.coordinators_of(session, ids)
    views = [
        view_of(o, await areas(session, o.id), gazetteer, counts.get(o.id, 0), people[o.id])
        for o in shown
    ]
    text = list_text(views, len(every), page, settings.timezone)
    return text, list_keyboard(shown, page, pages, is_admin)


async def cmd_operations(
    message: Message, session: AsyncSession, user: User, settings: Settings, gazetteer: Gazetteer
) -> None:
    """Coordinator sends /operations → bot lists their operations (an admin: every one)."""
    text, keyboard = await list_page(session, user, settings, gazetteer, 0)
    await message.answer(text, reply_markup=keyboard)


async def on_list_page(
    query: CallbackQuery,
    callback_data: OperationList,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator turns a page of /operations (or comes back to it from a card)."""
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await list_page(session, user, settings, gazetteer, callback_data.page)
        await query.message.edit_text(text, reply_markup=keyboard)


ACTIONS = ("show", "edit", "attach", "attach_yes", "invite")


async def on_operation_menu(
    query: CallbackQuery,
    callback_data: OperationMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """Coordinator taps an operation or one of its actions (show, edit, attach, attach_yes;
    an admin: invite)."""
    operation = await coordinated(query, callback_data.id, session, user, settings)
    if operation is None:
        return
    message = query.message
    action = callback_data.action
    if not isinstance(message, Message) or action not in ACTIONS:
        await query.answer(_("stale"), show_alert=True)
        return
    if action == "invite" and not await admin(query, user, settings):
        return
    await query.answer()
    if action == "show":
        text, keyboard = await render_card(session, operation, gazetteer, settings, user)
        await message.edit_text(text, reply_markup=keyboard)
    elif action == "edit":
        prompt = _("operation.edit.menu").format(name=escape(operation.name))
        await message.edit_text(prompt, reply_markup=edit_keyboard(operation.id))
    elif action == "attach":
        await ask_attach(message, operation, session, gazetteer)
    elif action == "attach_yes":
        await attach(message, operation, session, user, settings, gazetteer)
    else:
        await invite(message, operation, session, user, settings, clock(), bot)


async def communes(session: AsyncSession, operation: Operation, gazetteer: Gazetteer) -> set[str]:
    return territory.communes_in(await areas(session, operation.id), gazetteer)


async def ask_attach(
    message: Message, operation: Operation, session: AsyncSession, gazetteer: Gazetteer
) -> None:
    """How many campaigns of the territory would be attached; Confirm or Back."""
    found = await operations.attachable(
        session, operation.id, await communes(session, operation, gazetteer)
    )
    text = _("operation.attach.ask").format(
        name=escape(operation.name),
        free=found.free,
        attached=found.attached,
        elsewhere=found.elsewhere,
    )
    await message.edit_text(text, reply_markup=attach_keyboard(operation.id, found.free > 0))


async def attach(
    message: Message,
    operation: Operation,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Attach the territory's free campaigns, then show the card with the count done."""
    count = await operations.attach(
        session, operation.id, await communes(session, operation, gazetteer)
    )
    text, keyboard = await render_card(session, operation, gazetteer, settings, user)
    done = _("operation.attach.done").format(count=count)
    await message.edit_text(done + "\n\n" + text, reply_markup=keyboard)
