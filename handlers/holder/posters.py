"""QR posters: the holder picks (or types) a source tag and a format, the bot sends a PNG to print.

Each poster's QR code opens the campaign's card with its tag (`p_<id>_<tag>`), so /myprojects
counts the followers that came from each poster."""

import asyncio
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import Inline
from bot.settings import Settings
from bot.ui import formatting
from bot.ui.callbacks import HolderMenu, PosterMake, PosterTag
from bot.ui.links import card_link, is_source_tag, source_tag_of
from bot.ui.posters import Format, PosterTexts, render_poster
from bot.ui.progress import locale
from handlers.holder.access import managed_campaign
from storage.models import Campaign, User
from storage.repo import holders

CAMPAIGN_KEY = "poster_campaign"
TAGS_OFFERED = 6
FORMATS: tuple[Format, ...] = ("a4", "a6")


class PosterForm(StatesGroup):
    tag = State()  # the holder may type a tag of their own


async def tag_keyboard(session: AsyncSession, campaign_id: int) -> InlineKeyboardMarkup:
    """The campaign's tags already in use, then the usual ones (the catalogue's suggestions)."""
    used = await holders.source_tags(session, campaign_id, TAGS_OFFERED)
    suggested = [tag.strip() for tag in _("poster.tag_suggestions").split(",")]
    tags = list(dict.fromkeys(tag for tag in [*used, *suggested] if is_source_tag(tag)))
    buttons = [
        InlineKeyboardButton(text=tag, callback_data=PosterTag(id=campaign_id, tag=tag).pack())
        for tag in tags[:TAGS_OFFERED]
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


def format_keyboard(campaign_id: int, tag: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=_(f"poster.{fmt}"),
            callback_data=PosterMake(id=campaign_id, tag=tag, fmt=fmt).pack(),
        )
        for fmt in FORMATS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def leave_form(state: FSMContext) -> None:
    """Forget the poster's dialogue, and only it (another dialogue's state is left alone)."""
    if await state.get_state() == PosterForm.tag.state:
        await state.clear()


async def on_poster(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder taps Poster → bot asks where it will hang: a tag to pick, or to type."""
    campaign = await managed_campaign(query, callback_data.id, session, user, settings)
    if campaign is None or query.message is None:
        return
    await state.set_state(PosterForm.tag)
    await state.update_data({CAMPAIGN_KEY: campaign.id})
    markup = await tag_keyboard(session, campaign.id)
    await query.answer()
    await query.message.answer(
        _("poster.ask_tag").format(title=escape(campaign.title)), reply_markup=markup
    )


async def on_tag(
    query: CallbackQuery,
    callback_data: PosterTag,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder picks a tag → bot asks the format (A4 or A6)."""
    campaign = await managed_campaign(query, callback_data.id, session, user, settings)
    if campaign is None or not isinstance(query.message, Message):
        return
    await leave_form(state)
    await query.answer()
    await query.message.edit_text(
        _("poster.ask_format").format(tag=callback_data.tag),
        reply_markup=format_keyboard(campaign.id, callback_data.tag),
    )


async def on_tag_text(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder types a tag → bot asks the format; a tag it cannot take is explained."""
    tag = source_tag_of(message.text or "")
    if tag is None:
        await message.answer(_("poster.bad_tag"))
        return
    campaign_id = (await state.get_data()).get(CAMPAIGN_KEY)
    await leave_form(state)
    if not isinstance(campaign_id, int) or not await holders.may_manage(
        session, user.id, campaign_id, settings.admin_ids
    ):
        await message.answer(_("holder.form.refused"))
        return
    await message.answer(
        _("poster.ask_format").format(tag=tag), reply_markup=format_keyboard(campaign_id, tag)
    )


async def on_cancel(message: Message, state: FSMContext) -> None:
    """Holder sends /cancel while asked for a tag → no poster."""
    await leave_form(state)
    await message.answer(_("poster.cancelled"))


def poster_texts(campaign: Campaign, link: str) -> PosterTexts:
    return PosterTexts(
        headline=_("poster.headline"),
        title=campaign.title,
        goal=_("poster.goal").format(goal=formatting.money(campaign.goal_cents, locale())),
        scan=_("poster.scan"),
        link=link,
    )


async def on_make(
    query: CallbackQuery,
    callback_data: PosterMake,
    session: AsyncSession,
    user: User,
    settings: Settings,
    bot: Bot,
) -> None:
    """Holder picks a format → bot sends the poster as a PNG document, ready to print."""
    campaign = await managed_campaign(query, callback_data.id, session, user, settings)
    if campaign is None or query.message is None:
        return
    me = await bot.me()
    link = card_link(me.username or "", campaign.id, callback_data.tag)
    fmt = callback_data.fmt
    # About a tenth of a second of drawing: off the event loop, other updates go on meanwhile.
    png = await asyncio.to_thread(render_poster, poster_texts(campaign, link), fmt)
    await query.answer()
    await query.message.answer_document(
        BufferedInputFile(png, filename=f"poster-{campaign.id}-{callback_data.tag}-{fmt}.png"),
        caption=_("poster.caption").format(
            format=_(f"poster.{fmt}"), title=escape(campaign.title), tag=callback_data.tag
        ),
    )


def create_router() -> Router:
    router = Router(name="holder-posters")
    router.callback_query.register(on_poster, HolderMenu.filter(F.action == "poster"))
    router.callback_query.register(on_tag, PosterTag.filter())
    router.callback_query.register(on_make, PosterMake.filter())
    router.message.register(on_cancel, StateFilter(PosterForm.tag), Command("cancel"))
    router.message.register(
        on_tag_text, StateFilter(PosterForm.tag), Inline(F.text & ~F.text.startswith("/"))
    )
    return router
