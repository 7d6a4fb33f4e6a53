"""The steps two composers share: a holder's news (handlers.holder.news, news_send) and a
coordinator's announcement (handlers.coordinator.announce_form). Take the text (or a photo with
its caption), a photo, a link line; Skip; show the preview; Edit and what to change; Cancel.

Each composer gives its states, texts, keyboards and fit check (a Composer) and its own preview
(`Preview`: the message as readers will see it, then its own note: the daily limit, the reach,
the schedule). The draft: bot.ui.compose."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.ui.compose import Draft, body_of, photo_of
from bot.ui.holder_input import LABEL_MAX, link_line

Preview = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Prompts:
    """The composer's texts, in the user's language."""

    need_text: str
    ask_photo: str
    need_photo: str
    ask_link: str
    bad_link: str  # {limit}: the longest label
    edit_what: str
    ask_new_text: str


@dataclass(frozen=True)
class Composer:
    """What differs between the composers: states, texts, keyboards and the fit check."""

    text: State
    photo: State
    link: State
    preview: State
    prompts: Callable[[], Prompts]
    cancel: Callable[[], InlineKeyboardMarkup]
    skip: Callable[[], InlineKeyboardMarkup]
    edit: Callable[[bool, bool], InlineKeyboardMarkup]
    fits: Callable[[Draft, I18n, str], bool]
    too_long: Callable[[Message, Draft, I18n, str], Awaitable[None]]


async def ask_photo(message: Message, state: FSMContext, form: Composer) -> None:
    await state.set_state(form.photo)
    await message.answer(form.prompts().ask_photo, reply_markup=form.skip())


async def ask_link(message: Message, state: FSMContext, form: Composer) -> None:
    await state.set_state(form.link)
    await message.answer(form.prompts().ask_link, reply_markup=form.skip())


async def take_text(
    message: Message, state: FSMContext, form: Composer, i18n: I18n, tz: str, preview: Preview
) -> None:
    """The text (or a photo with its caption) → a photo, a link, or the preview when editing;
    no text: asks for it (a photo is kept); too long: says the limit and keeps the draft."""
    draft = await state.get_data()
    photo = photo_of(message) or draft["photo"]
    body = body_of(message)
    if body is None:
        if message.photo:
            await state.update_data(photo=photo)
        await message.answer(form.prompts().need_text, reply_markup=form.cancel())
        return
    candidate = {**draft, "text": body, "photo": photo}
    if not form.fits(candidate, i18n, tz):
        await form.too_long(message, candidate, i18n, tz)
        return
    await state.update_data(text=body, photo=photo)
    if draft["editing"]:
        await preview(message)
    elif message.photo:
        await ask_link(message, state, form)
    else:
        await ask_photo(message, state, form)


async def take_photo(
    message: Message, state: FSMContext, form: Composer, i18n: I18n, tz: str, preview: Preview
) -> None:
    """A photo → its largest size kept, then a link (or the preview when editing); a text too
    long for a caption: says so, the photo is not taken."""
    photo = photo_of(message)
    if photo is None:
        await message.answer(form.prompts().need_photo, reply_markup=form.skip())
        return
    draft = await state.get_data()
    candidate = {**draft, "photo": photo}
    if not form.fits(candidate, i18n, tz):
        await form.too_long(message, candidate, i18n, tz)
        return
    await state.update_data(photo=photo)
    if draft["editing"]:
        await preview(message)
    else:
        await ask_link(message, state, form)


async def take_link(message: Message, state: FSMContext, form: Composer, preview: Preview) -> None:
    """ "https://… [label]" → the preview; not a web link (or too long a label): says so."""
    parsed = link_line(message.text or "")
    if parsed is None:
        bad = form.prompts().bad_link.format(limit=LABEL_MAX)
        await message.answer(bad, reply_markup=form.skip())
        return
    await state.update_data(link=parsed[0], label=parsed[1])
    await preview(message)


async def take(
    message: Message, state: FSMContext, form: Composer, i18n: I18n, tz: str, preview: Preview
) -> None:
    """What the user typed or sent, for the step the composer is at (text, photo or link)."""
    step = await state.get_state()
    if step == form.text.state:
        await take_text(message, state, form, i18n, tz, preview)
    elif step == form.photo.state:
        await take_photo(message, state, form, i18n, tz, preview)
    else:
        await take_link(message, state, form, preview)


async def skip(query: CallbackQuery, state: FSMContext, form: Composer, preview: Preview) -> None:
    """Skip (photo or link) → the next step, or back to the preview when editing."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    draft = await state.get_data()
    if await state.get_state() == form.photo.state and not draft["editing"]:
        await ask_link(query.message, state, form)
    else:
        await preview(query.message)


async def show(
    message: Message,
    state: FSMContext,
    form: Composer,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """The rendered message as readers will see it (with its photo, if any); the composer is now
    at its preview, and each later step returns to it. The caller adds its note and buttons."""
    draft = await state.get_data()
    if draft["photo"]:
        await message.answer_photo(draft["photo"], caption=text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)
    await state.set_state(form.preview)
    await state.update_data(editing=True)


async def edit_menu(query: CallbackQuery, state: FSMContext, form: Composer) -> None:
    """Edit → what can be changed (text, photo, link)."""
    draft = await state.get_data()
    await query.answer()
    if isinstance(query.message, Message):
        markup = form.edit(bool(draft["photo"]), bool(draft["link"]))
        await query.message.edit_text(form.prompts().edit_what, reply_markup=markup)


async def edit_pick(
    query: CallbackQuery, action: str, state: FSMContext, form: Composer, preview: Preview
) -> None:
    """What to change (bot.ui.compose.EDIT_ACTIONS) → asks for it, or removes it and shows the
    preview again."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if action == "text":
        await state.set_state(form.text)
        await query.message.answer(form.prompts().ask_new_text, reply_markup=form.cancel())
    elif action == "photo":
        await ask_photo(query.message, state, form)
    elif action == "link":
        await ask_link(query.message, state, form)
    else:
        if action == "nophoto":
            await state.update_data(photo=None)
        elif action == "nolink":
            await state.update_data(link=None, label=None)
        await preview(query.message)


async def drop(event: Message | CallbackQuery, state: FSMContext, text: str) -> None:
    """/cancel, or a Cancel button → the dialogue ends, its buttons go, the user reads `text`."""
    await state.clear()
    if isinstance(event, Message):
        await event.answer(text)
        return
    await event.answer()
    if isinstance(event.message, Message):
        await event.message.edit_reply_markup(reply_markup=None)
        await event.message.answer(text)
