"""A campaign's card: open it from a list or a deep link, follow or unfollow it."""

from datetime import datetime, timedelta

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui.browse import is_valid_state, origin_of
from bot.ui.callbacks import CardView, FollowFrom, FollowToggle, PastNews
from bot.ui.cards import card_keyboard, card_text
from bot.ui.listing import ListState
from storage.models import Campaign, User
from storage.repo import campaigns, news

WEEK = timedelta(days=7)  # "+350 € this week"


def state_of(data: CardView | FollowToggle | FollowFrom) -> ListState | None:
    if isinstance(data, FollowFrom) or not data.src:
        return None
    state = ListState.of(data)
    return state if is_valid_state(state) else None


async def render_card(
    campaign: Campaign,
    facts: news.CardFacts,
    user: User,
    state: ListState | None,
    settings: Settings,
    gazetteer: Gazetteer,
    now: datetime,
    bot: Bot,
    source: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    me = await bot.me()
    text = card_text(campaign, gazetteer, now, settings.timezone, origin_of(user), facts)
    admin = user.id in settings.admin_ids
    has_news = facts.news_text is not None
    return text, card_keyboard(
        campaign, facts.followed, state, me.username or "", source, admin, has_news=has_news
    )


async def read_card(
    session: AsyncSession, campaign_id: int, user: User, now: datetime
) -> tuple[Campaign, news.CardFacts] | None:
    return await news.card(session, campaign_id, now, now - WEEK, user.id)


async def send_card(
    message: Message,
    campaign_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
    source: str | None = None,
) -> bool:
    """Send a card as a new message (deep link, `source`: its tag); False when there is no such
    campaign."""
    now = clock()
    found = await read_card(session, campaign_id, user, now)
    if found is None:
        return False
    campaign, facts = found
    text, markup = await render_card(
        campaign, facts, user, None, settings, gazetteer, now, bot, source
    )
    await message.answer(text, reply_markup=markup)
    return True


async def on_card(
    query: CallbackQuery,
    callback_data: CardView,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """Resident taps a campaign in a list → bot shows its card in place of the list."""
    now = clock()
    found = await read_card(session, callback_data.id, user, now)
    if found is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    campaign, facts = found
    text, markup = await render_card(
        campaign, facts, user, state_of(callback_data), settings, gazetteer, now, bot
    )
    await query.answer()
    await query.message.edit_text(text, reply_markup=markup)


async def on_follow(
    query: CallbackQuery,
    callback_data: FollowToggle | FollowFrom,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    bot: Bot,
) -> None:
    """Resident taps Follow/Unfollow → bot records it (with the tag of the link the card came
    from, if any) and flips the button in place."""
    campaign = await campaigns.find(session, callback_data.id)  # the keyboard needs no rewards
    if campaign is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    source = callback_data.via if isinstance(callback_data, FollowFrom) else None
    await campaigns.set_follow(session, user.id, campaign.id, callback_data.on, clock(), source)
    await query.answer(_("card.followed") if callback_data.on else _("card.unfollowed"))
    me = await bot.me()
    admin = user.id in settings.admin_ids
    # The card's News button stays as the card had it (the message is Telegram's copy of
    # what the bot sent): no query for it.
    has_news = has_news_button(query.message)
    markup = card_keyboard(
        campaign,
        callback_data.on,
        state_of(callback_data),
        me.username or "",
        source,
        admin,
        has_news=has_news,
    )
    await query.message.edit_reply_markup(reply_markup=markup)


def create_router() -> Router:
    router = Router(name="cards")
    router.callback_query.register(on_card, CardView.filter())
    router.callback_query.register(on_follow, FollowToggle.filter())
    router.callback_query.register(on_follow, FollowFrom.filter())
    return router


def has_news_button(message: Message) -> bool:
    """The card message shows a News button (one whose data is a PastNews')."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else []
    return any(_is_past_news(button.callback_data) for row in rows for button in row)


def _is_past_news(data: str | None) -> bool:
    if not data:
        return False
    try:
        PastNews.unpack(data)
    except (TypeError, ValueError):
        return False
    return True
