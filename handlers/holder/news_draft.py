"""A holder's news draft: its dialogue's states, its checks (it fits every reader's message;
the campaign's news of the last 24 hours), its last steps and its preview.

The draft lives in the FSM data (server-side): campaign, title, text (HTML), photo, link, label,
and `editing` (a step reached from the preview returns to it, keeping the rest)."""

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.news_limit import WINDOW, next_allowed
from bot.settings import LOCALES, Settings
from bot.ui import formatting, holder_forms
from bot.ui.broadcasts import CAPTION_LIMIT, TEXT_LIMIT, news_fits, news_markup, news_text
from bot.ui.cards import telegram_length
from bot.ui.notifications import Reader
from bot.ui.progress import locale
from storage.repo import news


class NewsForm(StatesGroup):
    text = State()
    photo = State()
    link = State()
    preview = State()


def fits(draft: dict[str, Any], i18n: I18n, tz: str) -> bool:
    """The news fits for every reader: the header is in each follower's language."""
    return all(
        news_fits(draft["title"], draft["text"], bool(draft["photo"]), Reader(code, tz, i18n))
        for code in LOCALES
    )


def _length(draft: dict[str, Any], i18n: I18n, tz: str) -> int:
    readers = (Reader(code, tz, i18n) for code in LOCALES)
    return max(telegram_length(news_text(draft["title"], draft["text"], r)) for r in readers)


async def too_long(message: Message, draft: dict[str, Any], i18n: I18n, tz: str) -> None:
    if draft["photo"]:
        text, limit = _("holder.news.too_long_photo"), CAPTION_LIMIT
    else:
        text, limit = _("holder.news.too_long"), TEXT_LIMIT
    await message.answer(text.format(length=_length(draft, i18n, tz), limit=limit))


async def limit_reached(
    session: AsyncSession, campaign_id: int, settings: Settings, clock: Clock
) -> str | None:
    """The refusal to show when the campaign used its news of the last 24 hours, else None."""
    now = clock()
    posted = await news.posted_since(session, campaign_id, now - WINDOW)
    when = next_allowed(posted, now, settings.news_per_day)
    if when is None:
        return None
    return _("holder.news.limit").format(
        count=settings.news_per_day, when=formatting.datetime(when, locale(), settings.timezone)
    )


async def ask_link(message: Message, state: FSMContext) -> None:
    await state.set_state(NewsForm.link)
    await message.answer(_("holder.news.ask_link"), reply_markup=holder_forms.news_skip())


async def preview(message: Message, state: FSMContext, i18n: I18n, settings: Settings) -> None:
    """The news as followers will see it (rendered like the delivery worker does, in the
    holder's language), then a note and Send / Edit / Cancel."""
    draft = await state.get_data()
    reader = Reader(i18n.current_locale, settings.timezone, i18n)
    text = news_text(draft["title"], draft["text"], reader)
    markup = news_markup(draft["link"], draft["label"], reader)
    if draft["photo"]:
        await message.answer_photo(draft["photo"], caption=text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)
    await state.set_state(NewsForm.preview)
    await state.update_data(editing=True)
    await message.answer(_("holder.news.preview_note"), reply_markup=holder_forms.news_confirm())
