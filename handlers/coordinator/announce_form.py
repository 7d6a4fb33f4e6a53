"""A coordinator composes an announcement: text (formatting kept), an optional photo, an optional
link button; a preview exactly as residents will see it (rendered as the delivery worker renders
it), with how many residents it reaches and how long sending takes at Telegram's pace; then
Send now, Schedule (a local date and time), Edit or Cancel. A scheduled one is edited through
the same preview (Save keeps its time); /cancel works at every step.

The steps it shares with a holder's news: handlers.compose. The draft (bot.ui.compose) lives in
the FSM data, with op, name, `broadcast` (the scheduled announcement being edited) and `send_at`.
Every write checks the operation again."""

from datetime import datetime
from functools import partial
from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.announcements import reach
from bot.domain.gazetteer import Gazetteer
from bot.filters import Inline
from bot.settings import Settings
from bot.ui.announcements import (
    AnnounceStep,
    announcement_fits,
    announcement_text,
    confirm_keyboard,
    duration,
    edit_keyboard,
    reach_line,
    step_cancel,
    step_skip,
    when,
)
from bot.ui.broadcasts import CAPTION_LIMIT, TEXT_LIMIT, news_markup
from bot.ui.compose import EDIT_ACTIONS, Draft, for_every_reader, new_draft
from bot.ui.notifications import Reader
from handlers import compose
from handlers.compose import Composer, Preview, Prompts
from storage.models import Broadcast, Operation


class AnnounceForm(StatesGroup):
    text = State()
    photo = State()
    link = State()
    when = State()
    preview = State()


def _draft(operation: Operation) -> Draft:
    return new_draft(op=operation.id, name=operation.name, broadcast=None, send_at=None)


async def start(message: Message, operation: Operation, state: FSMContext) -> None:
    """Ask for the text of a new announcement."""
    await state.set_state(AnnounceForm.text)
    await state.set_data(_draft(operation))
    await message.answer(
        _("announce.ask_text").format(name=escape(operation.name)), reply_markup=step_cancel()
    )


async def edit_scheduled(
    message: Message,
    operation: Operation,
    scheduled: Broadcast,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Load a scheduled announcement into the draft and show its preview (Edit, Save)."""
    send_at = scheduled.send_at.isoformat() if scheduled.send_at is not None else None
    draft = _draft(operation) | {
        "text": scheduled.text,
        "photo": scheduled.photo_file_id,
        "link": scheduled.link_url,
        "label": scheduled.link_label,
        "broadcast": scheduled.id,
        "send_at": send_at,
    }
    await state.set_data(draft)
    await preview(message, state, session, i18n, settings, gazetteer)


def fits(draft: Draft, i18n: I18n, tz: str) -> bool:
    """It fits for every reader: the header is in each resident's language."""
    name, text, photo = draft["name"], draft["text"], bool(draft["photo"])
    return for_every_reader(lambda reader: announcement_fits(name, text, photo, reader), i18n, tz)


async def too_long(message: Message, draft: Draft, i18n: I18n, tz: str) -> None:
    limit = CAPTION_LIMIT if draft["photo"] else TEXT_LIMIT
    key = "announce.too_long_photo" if draft["photo"] else "announce.too_long"
    await message.answer(_(key).format(limit=limit), reply_markup=step_cancel())


def _prompts() -> Prompts:
    return Prompts(
        need_text=_("announce.need_text"),
        ask_photo=_("announce.ask_photo"),
        need_photo=_("announce.need_photo"),
        ask_link=_("announce.ask_link"),
        bad_link=_("announce.bad_link"),
        edit_what=_("announce.edit_what"),
        ask_new_text=_("announce.ask_edit_text"),
    )


ANNOUNCE = Composer(
    text=AnnounceForm.text,
    photo=AnnounceForm.photo,
    link=AnnounceForm.link,
    preview=AnnounceForm.preview,
    prompts=_prompts,
    cancel=step_cancel,
    skip=step_skip,
    edit=edit_keyboard,
    fits=fits,
    too_long=too_long,
)


def _previewer(
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> Preview:
    return partial(
        preview, state=state, session=session, i18n=i18n, settings=settings, gazetteer=gazetteer
    )


async def on_step(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator sends the text (or a photo with its caption), a photo, or "https://… [label]"
    → bot asks for the next (a photo, a link) or shows the preview; too long, not a photo or not
    a web link: says so and keeps the draft (handlers.compose)."""
    shown = _previewer(state, session, i18n, settings, gazetteer)
    await compose.take(message, state, ANNOUNCE, i18n, settings.timezone, shown)


async def on_skip(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator taps Skip (photo or link) → the next step, or the preview when editing."""
    shown = _previewer(state, session, i18n, settings, gazetteer)
    await compose.skip(query, state, ANNOUNCE, shown)


async def preview(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """The announcement as residents will see it (in the coordinator's language), then how many
    it reaches and in how long, and Send now / Schedule / Edit / Cancel."""
    draft = await state.get_data()
    reader = Reader(i18n.current_locale, settings.timezone, i18n)
    text = announcement_text(draft["name"], draft["text"], reader)
    markup = news_markup(draft["link"], draft["label"], reader)
    await compose.show(message, state, ANNOUNCE, text, markup)
    count = await reach(session, draft["op"], gazetteer)
    note = _("announce.preview_note").format(
        reach=reach_line(count), duration=duration(count / settings.delivery_rate)
    )
    if draft["send_at"]:
        at = datetime.fromisoformat(draft["send_at"])
        note += "\n" + _("announce.preview_when").format(when=when(at, settings.timezone))
    await message.answer(note, reply_markup=confirm_keyboard(draft["broadcast"] is not None))


async def on_preview_message(message: Message, state: FSMContext) -> None:
    """Coordinator types while the preview awaits a choice → bot points at the buttons."""
    draft = await state.get_data()
    await message.answer(
        _("announce.use_buttons"), reply_markup=confirm_keyboard(draft["broadcast"] is not None)
    )


async def on_edit(query: CallbackQuery, state: FSMContext) -> None:
    """Coordinator taps Edit → bot lists what can be changed (text, photo, link)."""
    await compose.edit_menu(query, state, ANNOUNCE)


async def on_edit_pick(
    query: CallbackQuery,
    callback_data: AnnounceStep,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator picks what to change → bot asks for it (or removes it and previews again)."""
    shown = _previewer(state, session, i18n, settings, gazetteer)
    await compose.edit_pick(query, callback_data.action, state, ANNOUNCE, shown)


async def on_cancel(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Coordinator sends /cancel or taps Cancel at any step → the draft is dropped; a scheduled
    announcement being edited stays as it was."""
    await compose.drop(event, state, _("announce.cancelled"))


def create_router() -> Router:
    """The composing steps; sending and scheduling: handlers.coordinator.announce_send."""
    router = Router(name="coordinator-announce-form")
    # A command is never part of the draft: it goes to its own handler.
    typed = Inline(~F.text.startswith("/"))
    steps = StateFilter(AnnounceForm.text, AnnounceForm.photo, AnnounceForm.link)
    router.message.register(on_step, steps, typed)
    router.message.register(on_preview_message, StateFilter(AnnounceForm.preview), typed)
    router.callback_query.register(
        on_skip,
        StateFilter(AnnounceForm.photo, AnnounceForm.link),
        AnnounceStep.filter(F.action == "skip"),
    )
    previewing = StateFilter(AnnounceForm.preview)
    router.callback_query.register(on_edit, previewing, AnnounceStep.filter(F.action == "edit"))
    router.callback_query.register(
        on_edit_pick,
        StateFilter(AnnounceForm.preview, AnnounceForm.when),
        AnnounceStep.filter(F.action.in_(EDIT_ACTIONS)),
    )
    return router
