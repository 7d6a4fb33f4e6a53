"""A campaign's card: the text and its buttons."""

from datetime import datetime
from html import escape
from urllib.parse import quote

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.callbacks import FollowFrom, FollowToggle, HolderMenu
from bot.ui.freshness import state_lines
from bot.ui.links import card_link
from bot.ui.listing import ListState, category_label, commune_name
from bot.ui.past_news import card_buttons, card_lines
from bot.ui.progress import locale, progress_line, time_left
from storage.geo import haversine_km
from storage.models import Campaign
from storage.repo.news import CardFacts

DESCRIPTION_LIMIT = 600
MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text


def deep_link(bot_username: str, campaign_id: int) -> str:
    return card_link(bot_username, campaign_id)


def card_text(
    campaign: Campaign,
    gazetteer: Gazetteer,
    now: datetime,
    tz: str,
    origin: tuple[float, float] | None,
    facts: CardFacts | None = None,
) -> str:
    """The card; `facts` adds this week's gain and the latest news (storage.repo.news)."""
    lang = locale()
    place = escape(commune_name(gazetteer, campaign.commune_insee))
    if origin is not None:
        km = haversine_km(origin[0], origin[1], campaign.lat, campaign.lon)
        place = _("list.place_distance").format(place=place, distance=formatting.distance(km, lang))
    description = campaign.description or ""
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
    lines = [
        f"<b>{escape(campaign.title)}</b>",
        _("card.holder").format(holder=escape(campaign.holder)),
        _("card.place").format(place=place),
        _("card.category").format(category=category_label(campaign.category)),
    ]
    if description:
        lines += ["", escape(description)]
    lines += [
        "",
        _("card.raised").format(
            raised=formatting.money(campaign.raised_cents, lang),
            goal=formatting.money(campaign.goal_cents, lang),
        ),
        progress_line(campaign.raised_cents, campaign.goal_cents),
        ngettext("card.backers", "card.backers_plural", campaign.backers).format(
            count=campaign.backers
        ),
        _("card.dates").format(
            start=formatting.date(campaign.starts_at, lang, tz),
            end=formatting.date(campaign.ends_at, lang, tz),
            time_left=time_left(campaign.starts_at, campaign.ends_at, now, tz),
        ),
    ]
    lines += state_lines(campaign, now)  # cancelled on the platform, or figures not fresh
    if extra := card_lines(campaign.raised_cents, facts, lang, tz):
        lines += ["", *extra]
    tail = []
    if campaign.url:
        tail = ["", _("card.contribute").format(url=escape(campaign.url, quote=True))]
    rewards = [
        _("card.reward").format(
            title=escape(reward.title), price=formatting.money(reward.price_cents, lang)
        )
        for reward in campaign.rewards
    ]
    if rewards:
        lines += ["", _("card.rewards"), *fitting(rewards, lines + tail)]
    return "\n".join(lines + tail)


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units; the HTML source is never shorter than what it shows."""
    return len(text.encode("utf-16-le")) // 2


def fitting(items: list[str], around: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """As many of `items` as fit in one message beside the `around` lines, then a line that
    says how many more there are (the campaign's page lists them all)."""
    used = telegram_length("\n".join(around)) + 2
    kept: list[str] = []
    for index, item in enumerate(items):
        more = len(items) - index
        note = ngettext("card.more_rewards", "card.more_rewards_plural", more).format(count=more)
        if used + telegram_length(item) + 1 + telegram_length(note) + 1 > limit:
            return [*kept, note]
        kept.append(item)
        used += telegram_length(item) + 1
    return kept


def card_keyboard(
    campaign: Campaign,
    following: bool,
    state: ListState | None,
    bot_username: str,
    source: str | None = None,
    admin: bool = False,
    has_news: bool = False,
) -> InlineKeyboardMarkup:
    """The card's buttons. `source`: the tag of the link it was opened from, which a follow
    records; `admin`: the admin's buttons (manage, invite a holder), checked again on press."""
    context = state.context() if state is not None else {}
    toggle = (
        FollowFrom(id=campaign.id, on=not following, via=source)
        if source
        else FollowToggle(id=campaign.id, on=not following, **context)
    )
    follow = InlineKeyboardButton(
        text=_("card.unfollow") if following else _("card.follow"), callback_data=toggle.pack()
    )
    link = deep_link(bot_username, campaign.id)
    share = InlineKeyboardButton(
        text=_("card.share"),
        url=f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(campaign.title)}",
    )
    rows = [[follow, share]]
    if campaign.url:
        rows.append([InlineKeyboardButton(text=_("card.open_page"), url=campaign.url)])
    if more := card_buttons(campaign.id, has_news, bool(campaign.photo_file_id)):
        rows.append(more)  # past news (`has_news`), the campaign's photo
    if admin:
        rows.append(admin_buttons(campaign.id))
    if state is not None:
        rows.append([InlineKeyboardButton(text=_("card.back"), callback_data=state.view().pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def admin_buttons(campaign_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("holder.menu.manage"),
            callback_data=HolderMenu(action="menu", id=campaign_id).pack(),
        ),
        InlineKeyboardButton(
            text=_("holder.menu.invite"),
            callback_data=HolderMenu(action="invite", id=campaign_id).pack(),
        ),
    ]
