"""A coordinator's announcement leaves the composer (handlers.coordinator.announce_form): sent
now, or scheduled at a local date and time (a new one, or a scheduled one being edited: Save
keeps its time). The operation is checked again before anything is written."""

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.announcements import queue_now
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.domain.schedule import parse_send_at
from bot.filters import Inline
from bot.settings import Settings
from bot.ui.announcements import AnnounceStep, when, when_keyboard
from handlers.coordinator.access import coordinated
from handlers.coordinator.announce_form import AnnounceForm, fits, too_long
from storage.models import Broadcast, User
from storage.repo import announcements


async def on_when(query: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    """Coordinator taps Schedule (or Change time) → bot asks for a local date and time."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await state.set_state(AnnounceForm.when)
        await query.message.answer(
            _("announce.ask_when").format(tz=settings.timezone), reply_markup=when_keyboard()
        )


async def on_when_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Coordinator types the date and time → bot schedules it and says when; not a date, or a
    past one: says so and keeps the draft."""
    send_at = parse_send_at(message.text or "", settings.timezone)
    if send_at is None:
        await message.answer(_("announce.bad_when"), reply_markup=when_keyboard())
        return
    if send_at <= clock():
        await message.answer(_("announce.past_when"), reply_markup=when_keyboard())
        return
    await _schedule(message, state, session, user, settings, clock, send_at)


async def on_save(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
) -> None:
    """Coordinator taps Save on a scheduled announcement being edited → kept, at its time."""
    draft = await state.get_data()
    if draft["send_at"] is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    send_at = datetime.fromisoformat(draft["send_at"])
    await _schedule(query.message, state, session, user, settings, clock, send_at, query)


async def _schedule(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    send_at: datetime,
    event: CallbackQuery | None = None,
) -> None:
    draft = await state.get_data()
    if await coordinated(event or message, draft["op"], session, user, settings) is None:
        await state.clear()
        return
    stored = await _store(session, draft, user, message.chat.id, send_at, clock())
    await state.clear()
    if stored is None:
        await message.answer(_("announce.too_late"))
        return
    await message.answer(_("announce.scheduled").format(when=when(send_at, settings.timezone)))


async def on_send(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    gazetteer: Gazetteer,
    i18n: I18n,
) -> None:
    """Coordinator taps Send now → bot checks the operation again, records the announcement and
    queues it for the consenting residents of the territory; says to how many it goes (the
    report message then follows delivery)."""
    draft = await state.get_data()
    if await coordinated(query, draft["op"], session, user, settings) is None:
        await state.clear()
        return
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    if not fits(draft, i18n, settings.timezone):
        await query.answer()
        await too_long(query.message, draft, i18n, settings.timezone)
        return
    now = clock()
    stored = await _store(session, draft, user, query.message.chat.id, now, now)
    queued = None
    if stored is not None:
        queued = await queue_now(session, stored.id, now, settings.timezone, gazetteer)
    await state.clear()
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if queued is None:
        await query.message.answer(_("announce.too_late"))
    elif queued.recipients:
        count = queued.recipients
        text = ngettext("announce.sending", "announce.sending_plural", count)
        await query.message.answer(text.format(count=count))
    else:
        await query.message.answer(_("announce.nobody"))


async def _store(
    session: AsyncSession,
    draft: dict[str, Any],
    user: User,
    chat_id: int,
    send_at: datetime,
    now: datetime,
) -> Broadcast | None:
    """The draft as an announcement to go out at `send_at`: a new one, or the scheduled one
    it edits (None when that one went out or was cancelled meanwhile)."""
    values = {
        "text": draft["text"],
        "photo_file_id": draft["photo"],
        "link_url": draft["link"],
        "link_label": draft["label"],
        "send_at": send_at,
    }
    if draft["broadcast"] is None:
        return await announcements.create(
            session,
            operation_id=draft["op"],
            author_id=user.id,
            created_at=now,
            report_chat_id=chat_id,
            **values,
        )
    if not await announcements.change(session, draft["broadcast"], values):
        return None
    return await announcements.get(session, draft["broadcast"])


def create_router() -> Router:
    router = Router(name="coordinator-announce-send")
    typed = Inline(~F.text.startswith("/"))
    router.message.register(on_when_text, StateFilter(AnnounceForm.when), typed)
    previewing = StateFilter(AnnounceForm.preview)
    router.callback_query.register(on_send, previewing, AnnounceStep.filter(F.action == "send"))
    router.callback_query.register(on_save, previewing, AnnounceStep.filter(F.action == "save"))
    router.callback_query.register(on_when, previewing, AnnounceStep.filter(F.action == "when"))
    return router
