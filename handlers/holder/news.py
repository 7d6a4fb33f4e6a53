"""A holder posts news to the campaign's followers: text (formatting kept), an optional photo,
an optional link button; then a preview exactly as followers will see it, with Send, Edit or
Cancel (handlers.holder.news_send). /cancel works at every step."""

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import holder_forms
from bot.ui.callbacks import HolderMenu, NewsStep
from bot.ui.compose import new_draft
from handlers import compose
from handlers.holder import news_send
from handlers.holder.guard import managed, menu_press, pick_campaign
from handlers.holder.news_draft import NEWS, NewsForm, limit_reached, previewer
from storage.models import Campaign, User


async def start(
    message: Message,
    campaign: Campaign,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """The campaign (checked by the caller) may post today → bot asks for the text."""
    refusal = await limit_reached(session, campaign.id, settings, clock)
    if refusal is not None:
        await message.answer(refusal)
        return
    await state.set_state(NewsForm.text)
    await state.set_data(new_draft(campaign=campaign.id, title=campaign.title))
    await message.answer(
        _("holder.news.ask_text").format(title=escape(campaign.title)),
        reply_markup=holder_forms.news_cancel(),
    )


async def on_menu_news(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Holder taps "News" in /myprojects → bot asks for the text (a forged id: refused)."""
    pressed = await menu_press(query, callback_data.id, session, user, settings)
    if pressed is not None:
        await start(*pressed, session, settings, clock, state)


async def cmd_news(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Holder sends /news → bot asks for the text (or first which campaign, if several)."""
    campaign_id = await pick_campaign(message, session, user, "news")
    campaign = await managed(session, user, settings, campaign_id)
    if campaign is not None:
        await start(message, campaign, session, settings, clock, state)


async def on_step(message: Message, state: FSMContext, i18n: I18n, settings: Settings) -> None:
    """Holder sends the text (or a photo with its caption), a photo, or "https://… [label]" →
    bot asks for the next (a photo, a link) or shows the preview; too long, not a photo or not a
    web link: says so and keeps the draft (handlers.compose)."""
    shown = previewer(state, i18n, settings)
    await compose.take(message, state, NEWS, i18n, settings.timezone, shown)


async def on_skip(query: CallbackQuery, state: FSMContext, i18n: I18n, settings: Settings) -> None:
    """Holder taps Skip (photo or link) → the next step, or back to the preview when editing."""
    await compose.skip(query, state, NEWS, previewer(state, i18n, settings))


def create_router() -> Router:
    router = Router(name="holder-news")
    router.message.register(cmd_news, Command("news"))
    router.callback_query.register(on_menu_news, HolderMenu.filter(F.action == "news"))
    # A command is never part of the draft: it goes to its own handler (/cancel included).
    typed = Inline(~F.text.startswith("/"))
    steps = StateFilter(NewsForm.text, NewsForm.photo, NewsForm.link)
    router.message.register(on_step, steps, typed)
    router.callback_query.register(
        on_skip, StateFilter(NewsForm.photo, NewsForm.link), NewsStep.filter(F.action == "skip")
    )
    router.include_router(news_send.create_router())
    return router
