"""A coordinator composes an announcement: text (formatting kept), an optional photo, an optional
link button; a preview exactly as residents will see it (rendered as the delivery worker renders
it), with how many residents it reaches and how long sending takes at Telegram's pace; then
Send now, Schedule (a local date and time), Edit or Cancel. A scheduled one is edited through
the same preview (Save keeps its time); /cancel works at every step.

The draft lives in the FSM data (server-side): op, name, text (HTML), photo, link, label,
`editing` (a step reached from the preview returns to it, keeping the rest), `broadcast` (the
scheduled announcement being edited) and `send_at`. Every write checks the operation again."""

from datetime import datetime
from html import escape
from typing import Any

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
from bot.settings import LOCALES, Settings
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
from bot.ui.holder_input import LABEL_MAX, link_line
from bot.ui.notifications import Reader
from storage.models import Broadcast, Operation

# What Edit offers (on_edit_pick), and back to the preview.
EDIT_ACTIONS = frozenset({"text", "photo", "nophoto", "link", "nolink", "preview"})


class AnnounceForm(StatesGroup):
    text = State()
    photo = State()
    link = State()
    when = State()
    preview = State()


def _draft(operation: Operation) -> dict[str, Any]:
    return {
        "op": operation.id,
        "name": operation.name,
        "text": None,
        "photo": None,
        "link": None,
        "label": None,
        "editing": False,
        "broadcast": None,
        "send_at": None,
    }


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


def fits(draft: dict[str, Any], i18n: I18n, tz: str) -> bool:
    """It fits for every reader: the header is in each resident's language."""
    return all(
        announcement_fits(draft["name"], draft["text"], bool(draft["photo"]), Reader(c, tz, i18n))
        for c in LOCALES
    )


async def too_long(message: Message, draft: dict[str, Any], i18n: I18n, tz: str) -> None:
    limit = CAPTION_LIMIT if draft["photo"] else TEXT_LIMIT
    key = "announce.too_long_photo" if draft["photo"] else "announce.too_long"
    await message.answer(_(key).format(limit=limit), reply_markup=step_cancel())


async def on_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator sends the text (or a photo with its caption) → bot asks for a photo, a link,
    or shows the preview; too long: says the limit and keeps the draft."""
    draft = await state.get_data()
    photo = message.photo[-1].file_id if message.photo else draft["photo"]
    body = message.html_text if (message.text or message.caption) else None
    if body is None:
        if message.photo:
            await state.update_data(photo=photo)
        await message.answer(_("announce.need_text"), reply_markup=step_cancel())
        return
    candidate = {**draft, "text": body, "photo": photo}
    if not fits(candidate, i18n, settings.timezone):
        await too_long(message, candidate, i18n, settings.timezone)
        return
    await state.update_data(text=body, photo=photo)
    if draft["editing"]:
        await preview(message, state, session, i18n, settings, gazetteer)
    elif message.photo:
        await ask_link(message, state)
    else:
        await state.set_state(AnnounceForm.photo)
        await message.answer(_("announce.ask_photo"), reply_markup=step_skip())


async def on_photo(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator sends a photo → bot keeps its largest size and asks for a link (or previews);
    a text too long for a caption: says so, the photo is not taken."""
    if not message.photo:
        await message.answer(_("announce.need_photo"), reply_markup=step_skip())
        return
    draft = await state.get_data()
    candidate = {**draft, "photo": message.photo[-1].file_id}
    if not fits(candidate, i18n, settings.timezone):
        await too_long(message, candidate, i18n, settings.timezone)
        return
    await state.update_data(photo=candidate["photo"])
    if draft["editing"]:
        await preview(message, state, session, i18n, settings, gazetteer)
    else:
        await ask_link(message, state)


async def ask_link(message: Message, state: FSMContext) -> None:
    await state.set_state(AnnounceForm.link)
    await message.answer(_("announce.ask_link"), reply_markup=step_skip())


async def on_link(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator sends "https://… [label]" → bot shows the preview; not a web link: says so."""
    parsed = link_line(message.text or "")
    if parsed is None:
        await message.answer(
            _("announce.bad_link").format(limit=LABEL_MAX), reply_markup=step_skip()
        )
        return
    await state.update_data(link=parsed[0], label=parsed[1])
    await preview(message, state, session, i18n, settings, gazetteer)


async def on_skip(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    gazetteer: Gazetteer,
) -> None:
    """Coordinator taps Skip (photo or link) → the next step, or the preview when editing."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    draft = await state.get_data()
    if await state.get_state() == AnnounceForm.photo.state and not draft["editing"]:
        await ask_link(query.message, state)
    else:
        await preview(query.message, state, session, i18n, settings, gazetteer)


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
    if draft["photo"]:
        await message.answer_photo(draft["photo"], caption=text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)
    count = await reach(session, draft["op"], gazetteer)
    note = _("announce.preview_note").format(
        reach=reach_line(count), duration=duration(count / settings.delivery_rate)
    )
    if draft["send_at"]:
        at = datetime.fromisoformat(draft["send_at"])
        note += "\n" + _("announce.preview_when").format(when=when(at, settings.timezone))
    await state.set_state(AnnounceForm.preview)
    await state.update_data(editing=True)
    await message.answer(note, reply_markup=confirm_keyboard(draft["broadcast"] is not None))


async def on_preview_message(message: Message, state: FSMContext) -> None:
    """Coordinator types while the preview awaits a choice → bot points at the buttons."""
    draft = await state.get_data()
    await message.answer(
        _("announce.use_buttons"), reply_markup=confirm_keyboard(draft["broadcast"] is not None)
    )


async def on_edit(query: CallbackQuery, state: FSMContext) -> None:
    """Coordinator taps Edit → bot lists what can be changed (text, photo, link)."""
    draft = await state.get_data()
    await query.answer()
    if isinstance(query.message, Message):
        markup = edit_keyboard(bool(draft["photo"]), bool(draft["link"]))
        await query.message.edit_text(_("announce.edit_what"), reply_markup=markup)


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
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    action = callback_data.action
    if action == "text":
        await state.set_state(AnnounceForm.text)
        await query.message.answer(_("announce.ask_edit_text"), reply_markup=step_cancel())
    elif action == "photo":
        await state.set_state(AnnounceForm.photo)
        await query.message.answer(_("announce.ask_photo"), reply_markup=step_skip())
    elif action == "link":
        await ask_link(query.message, state)
    else:
        if action == "nophoto":
            await state.update_data(photo=None)
        elif action == "nolink":
            await state.update_data(link=None, label=None)
        await preview(query.message, state, session, i18n, settings, gazetteer)


async def on_cancel(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Coordinator sends /cancel or taps Cancel at any step → the draft is dropped; a scheduled
    announcement being edited stays as it was."""
    await state.clear()
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await event.message.edit_reply_markup(reply_markup=None)
            await event.message.answer(_("announce.cancelled"))
        return
    await event.answer(_("announce.cancelled"))


def create_router() -> Router:
    """The composing steps; sending and scheduling: handlers.coordinator.announce_send."""
    router = Router(name="coordinator-announce-form")
    # A command is never part of the draft: it goes to its own handler.
    typed = Inline(~F.text.startswith("/"))
    router.message.register(on_text, StateFilter(AnnounceForm.text), typed)
    router.message.register(on_photo, StateFilter(AnnounceForm.photo), typed)
    router.message.register(on_link, StateFilter(AnnounceForm.link), typed)
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
        AnnounceStep.filter(
            F.action.in_({"text", "photo", "nophoto", "link", "nolink", "preview"})
        ),
    )
    return router
