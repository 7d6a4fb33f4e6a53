"""What a card opens beyond itself: the campaign's past news (newest first, paged) and its
photo."""

from html import escape

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.settings import Settings
from bot.ui.callbacks import CardPhoto, PastNews
from bot.ui.past_news import PAGE_SIZE, page_keyboard, page_text
from bot.ui.progress import locale
from storage.models import Campaign
from storage.repo import news


async def on_past_news(
    query: CallbackQuery,
    callback_data: PastNews,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    """Resident taps "Past news" on a card (or turns a page) → bot lists the campaign's news,
    five a page, newest first."""
    campaign = await session.get(Campaign, callback_data.id)
    if campaign is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    now = clock()
    total = await news.count(session, campaign.id, now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(callback_data.page, pages - 1)
    items = await news.page(session, campaign.id, now, page * PAGE_SIZE, PAGE_SIZE)
    await query.answer()
    if not items:
        await query.message.answer(_("news.past.none"))
        return
    text = page_text(campaign.title, items, page, pages, locale(), settings.timezone)
    markup = page_keyboard(campaign.id, page, pages)
    if callback_data.turn:
        await query.message.edit_text(text, reply_markup=markup)
    else:
        await query.message.answer(text, reply_markup=markup)


async def on_photo(query: CallbackQuery, callback_data: CardPhoto, session: AsyncSession) -> None:
    """Resident taps "Photo" on a card → bot sends the campaign's photo (by its file_id)."""
    campaign = await session.get(Campaign, callback_data.id)
    if campaign is None or not campaign.photo_file_id or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.answer_photo(
        campaign.photo_file_id, caption=f"<b>{escape(campaign.title)}</b>"
    )


def create_router() -> Router:
    router = Router(name="card-more")
    router.callback_query.register(on_past_news, PastNews.filter())
    router.callback_query.register(on_photo, CardPhoto.filter())
    return router
