"""The news preview's choices: Send (the campaign and the daily limit checked again, the news
recorded and queued for the followers), Edit (what to change, the rest kept), Cancel."""

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.broadcasts import queue_news
from bot.domain.clock import Clock
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import holder_forms
from bot.ui.callbacks import NewsStep
from bot.ui.compose import EDIT_ACTIONS
from handlers import compose
from handlers.holder.guard import managed, refuse
from handlers.holder.news_draft import NEWS, NewsForm, fits, limit_reached, previewer, too_long
from storage.models import Broadcast, User

KIND = "news"


async def on_preview_message(message: Message) -> None:
    """Holder types while the preview awaits a choice → bot points at the buttons."""
    await message.answer(_("holder.form.use_buttons"), reply_markup=holder_forms.news_confirm())


async def on_edit(query: CallbackQuery, state: FSMContext) -> None:
    """Holder taps Edit → bot lists what can be changed (text, photo, link)."""
    await compose.edit_menu(query, state, NEWS)


async def on_edit_pick(
    query: CallbackQuery,
    callback_data: NewsStep,
    state: FSMContext,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Holder picks what to change → bot asks for it (or removes it and previews again)."""
    shown = previewer(state, i18n, settings)
    await compose.edit_pick(query, callback_data.action, state, NEWS, shown)


async def on_send(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    """Holder taps Send → bot checks the campaign and the daily limit again, records the news
    and queues it for the followers; says to how many it goes."""
    draft = await state.get_data()
    campaign = await managed(session, user, settings, draft.get("campaign"))
    if campaign is None or not isinstance(query.message, Message):
        await state.clear()
        await refuse(query)
        return
    refusal = await limit_reached(session, campaign.id, settings, clock)
    if refusal is not None:
        await query.answer()
        await query.message.answer(refusal)  # the draft is kept: Send works again later
        return
    draft["title"] = campaign.title
    if not fits(draft, i18n, settings.timezone):
        await query.answer()
        await too_long(query.message, draft, i18n, settings.timezone)
        return
    count = await _queue(session, draft, user, query.message.chat.id, clock(), settings.timezone)
    await state.clear()
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if count:
        await query.message.answer(
            ngettext("holder.news.sending", "holder.news.sending_plural", count).format(count=count)
        )
    else:
        await query.message.answer(_("holder.news.no_followers"))


async def _queue(
    session: AsyncSession, draft: dict[str, Any], user: User, chat_id: int, now: datetime, tz: str
) -> int:
    """The news as a broadcast row, queued for the followers; how many rows were queued."""
    broadcast = Broadcast(
        kind=KIND,
        campaign_id=draft["campaign"],
        author_id=user.id,
        text=draft["text"],
        photo_file_id=draft["photo"],
        link_url=draft["link"],
        link_label=draft["label"],
        created_at=now,
        report_chat_id=chat_id,
    )
    session.add(broadcast)
    return await queue_news(session, broadcast, now, tz)


async def on_cancel(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Holder sends /cancel or taps Cancel at any step → bot drops the draft; nothing is sent."""
    await compose.drop(event, state, _("holder.news.cancelled"))


def create_router() -> Router:
    router = Router(name="holder-news-send")
    router.message.register(on_cancel, StateFilter(NewsForm), Command("cancel"))
    router.callback_query.register(
        on_cancel, StateFilter(NewsForm), NewsStep.filter(F.action == "cancel")
    )
    preview_state = StateFilter(NewsForm.preview)
    router.message.register(on_preview_message, preview_state, Inline(~F.text.startswith("/")))
    router.callback_query.register(on_send, preview_state, NewsStep.filter(F.action == "send"))
    router.callback_query.register(on_edit, preview_state, NewsStep.filter(F.action == "edit"))
    router.callback_query.register(
        on_edit_pick, preview_state, NewsStep.filter(F.action.in_(EDIT_ACTIONS))
    )
    return router
