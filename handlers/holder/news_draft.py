"""A holder's news draft: its dialogue's states, its checks (it fits every reader's message;
the campaign's news of the last 24 hours), its composer (handlers.compose) and its preview.

The draft (bot.ui.compose) lives in the FSM data, with the campaign and its title."""

from functools import partial

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
from bot.ui.compose import Draft, for_every_reader
from bot.ui.notifications import Reader
from bot.ui.progress import locale
from handlers.compose import Composer, Preview, Prompts, show
from storage.repo import news


class NewsForm(StatesGroup):
    text = State()
    photo = State()
    link = State()
    preview = State()


def fits(draft: Draft, i18n: I18n, tz: str) -> bool:
    """The news fits for every reader: the header is in each follower's language."""
    title, text, photo = draft["title"], draft["text"], bool(draft["photo"])
    return for_every_reader(lambda reader: news_fits(title, text, photo, reader), i18n, tz)


def _length(draft: Draft, i18n: I18n, tz: str) -> int:
    readers = (Reader(code, tz, i18n) for code in LOCALES)
    return max(telegram_length(news_text(draft["title"], draft["text"], r)) for r in readers)


async def too_long(message: Message, draft: Draft, i18n: I18n, tz: str) -> None:
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


def _prompts() -> Prompts:
    return Prompts(
        need_text=_("holder.news.need_text"),
        ask_photo=_("holder.news.ask_photo"),
        need_photo=_("holder.news.need_photo"),
        ask_link=_("holder.news.ask_link"),
        bad_link=_("holder.news.bad_link"),
        edit_what=_("holder.news.edit_what"),
        ask_new_text=_("holder.news.ask_new_text"),
    )


NEWS = Composer(
    text=NewsForm.text,
    photo=NewsForm.photo,
    link=NewsForm.link,
    preview=NewsForm.preview,
    prompts=_prompts,
    cancel=holder_forms.news_cancel,
    skip=holder_forms.news_skip,
    edit=holder_forms.news_edit,
    fits=fits,
    too_long=too_long,
)


async def preview(message: Message, state: FSMContext, i18n: I18n, settings: Settings) -> None:
    """The news as followers will see it (rendered like the delivery worker does, in the
    holder's language), then a note and Send / Edit / Cancel."""
    draft = await state.get_data()
    reader = Reader(i18n.current_locale, settings.timezone, i18n)
    text = news_text(draft["title"], draft["text"], reader)
    await show(message, state, NEWS, text, news_markup(draft["link"], draft["label"], reader))
    await message.answer(_("holder.news.preview_note"), reply_markup=holder_forms.news_confirm())


def previewer(state: FSMContext, i18n: I18n, settings: Settings) -> Preview:
    """The preview, for the composer's steps to show."""
    return partial(preview, state=state, i18n=i18n, settings=settings)
