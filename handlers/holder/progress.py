"""A holder reports progress: the amount raised (euros) and the backers, for money collected
outside the platform or when no sync exists. A decrease is confirmed as a correction; the change
goes through record_progress (history, milestone alerts), like an import's."""

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import record_progress
from bot.domain.clock import Clock
from bot.filters import Inline
from bot.settings import Settings
from bot.ui import formatting, holder_forms
from bot.ui.callbacks import HolderMenu, ProgressStep
from bot.ui.holder_input import parse_count, parse_euros
from bot.ui.progress import locale
from handlers.compose import drop
from handlers.holder.guard import managed, menu_press, pick_campaign, refuse
from storage.models import Campaign, User
from storage.repo import progress

MAX_RAISED_CENTS = 10_000_000 * 100  # ten million euros: more is a typing slip
MAX_BACKERS = 1_000_000


class ProgressForm(StatesGroup):
    raised = State()
    backers = State()
    confirm = State()


async def start(message: Message, campaign: Campaign, state: FSMContext) -> None:
    """The campaign (checked by the caller) → bot shows its figures, asks the amount raised."""
    await state.set_state(ProgressForm.raised)
    await state.set_data({"campaign": campaign.id})
    lang = locale()
    await message.answer(
        _("holder.progress.ask_raised").format(
            title=escape(campaign.title),
            raised=formatting.money(campaign.raised_cents, lang),
            backers=campaign.backers,
            max=formatting.money(MAX_RAISED_CENTS, lang),
        ),
        reply_markup=holder_forms.progress_cancel(),
    )


async def on_menu_progress(
    query: CallbackQuery,
    callback_data: HolderMenu,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder taps "Progress" in /myprojects → bot asks the amount raised (forged: refused)."""
    pressed = await menu_press(query, callback_data.id, session, user, settings)
    if pressed is not None:
        await start(*pressed, state)


async def cmd_progress(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder sends /progress → bot asks the amount raised (or first which campaign)."""
    campaign_id = await pick_campaign(message, session, user, "progress")
    campaign = await managed(session, user, settings, campaign_id)
    if campaign is not None:
        await start(message, campaign, state)


async def on_raised(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder types the amount → bot asks the backers; not an amount (or out of bounds): says
    what it takes."""
    cents = parse_euros(message.text or "")
    if cents is None or cents > MAX_RAISED_CENTS:
        await message.answer(
            _("holder.progress.bad_raised").format(
                max=formatting.money(MAX_RAISED_CENTS, locale())
            ),
            reply_markup=holder_forms.progress_cancel(),
        )
        return
    campaign = await managed(session, user, settings, (await state.get_data())["campaign"])
    if campaign is None:
        await state.clear()
        await refuse(message)
        return
    await state.update_data(raised=cents)
    await state.set_state(ProgressForm.backers)
    await message.answer(
        _("holder.progress.ask_backers").format(backers=campaign.backers),
        reply_markup=holder_forms.progress_keep(campaign.backers),
    )


async def on_backers(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Holder types the backers → bot saves (or first asks to confirm a decrease)."""
    count = parse_count(message.text or "")
    if count is None or count > MAX_BACKERS:
        await message.answer(
            _("holder.progress.bad_backers").format(max=MAX_BACKERS),
            reply_markup=holder_forms.progress_cancel(),
        )
        return
    await state.update_data(backers=count)
    await review(message, session, user, settings, clock, state)


async def on_keep(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Holder taps "Unchanged" for the backers → bot saves (or asks to confirm a decrease)."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await state.update_data(backers=None)
    await review(query.message, session, user, settings, clock, state)


async def review(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """A decrease of either figure asks for confirmation; anything else is saved at once."""
    data = await state.get_data()
    campaign = await managed(session, user, settings, data["campaign"])
    if campaign is None:
        await state.clear()
        await refuse(message)
        return
    backers = campaign.backers if data["backers"] is None else data["backers"]
    await state.update_data(backers=backers)
    lang = locale()
    lower = []
    if data["raised"] < campaign.raised_cents:
        old, new = (formatting.money(c, lang) for c in (campaign.raised_cents, data["raised"]))
        lower.append(_("holder.progress.lower_raised").format(old=old, new=new))
    if backers < campaign.backers:
        lower.append(_("holder.progress.lower_backers").format(old=campaign.backers, new=backers))
    if lower:
        await state.set_state(ProgressForm.confirm)
        await message.answer(
            _("holder.progress.confirm_decrease").format(changes="\n".join(lower)),
            reply_markup=holder_forms.progress_confirm(),
        )
        return
    await save(message, session, user, settings, clock, state)


async def on_confirm(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """Holder confirms the correction → bot saves it."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await save(query.message, session, user, settings, clock, state)


async def save(
    message: Message,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    """The campaign checked once more, then the figures recorded (history, milestones)."""
    data = await state.get_data()
    await state.clear()
    campaign = await managed(session, user, settings, data["campaign"])
    if campaign is None:
        await refuse(message)
        return
    if (campaign.raised_cents, campaign.backers) == (data["raised"], data["backers"]):
        await message.answer(_("holder.progress.unchanged"))
        return
    milestone = await record_progress(
        session,
        campaign,
        data["raised"],
        data["backers"],
        clock(),
        settings.timezone,
        source=progress.HOLDER,
        by_user=user.id,
    )
    lang = locale()
    lines = [
        _("holder.progress.saved").format(
            raised=formatting.money(campaign.raised_cents, lang),
            percent=formatting.percent_text(
                formatting.percent(campaign.raised_cents, campaign.goal_cents), lang
            ),
            backers=campaign.backers,
        )
    ]
    if milestone is not None:
        lines.append(_("holder.progress.milestone").format(milestone=milestone))
    await message.answer("\n".join(lines))


async def on_cancel(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Holder sends /cancel or taps Cancel → bot drops the report; nothing changed."""
    await drop(event, state, _("holder.form.cancelled"))


async def on_confirm_message(message: Message) -> None:
    """Holder types while the correction awaits a yes → bot points at the buttons."""
    await message.answer(_("holder.form.use_buttons"), reply_markup=holder_forms.progress_confirm())


def create_router() -> Router:
    router = Router(name="holder-progress")
    router.message.register(cmd_progress, Command("progress"))
    router.callback_query.register(on_menu_progress, HolderMenu.filter(F.action == "progress"))
    router.message.register(on_cancel, StateFilter(ProgressForm), Command("cancel"))
    router.callback_query.register(
        on_cancel, StateFilter(ProgressForm), ProgressStep.filter(F.action == "cancel")
    )
    typed = Inline(~F.text.startswith("/"))
    router.message.register(on_raised, StateFilter(ProgressForm.raised), typed)
    router.message.register(on_backers, StateFilter(ProgressForm.backers), typed)
    router.message.register(on_confirm_message, StateFilter(ProgressForm.confirm), typed)
    router.callback_query.register(
        on_keep, StateFilter(ProgressForm.backers), ProgressStep.filter(F.action == "keep")
    )
    router.callback_query.register(
        on_confirm, StateFilter(ProgressForm.confirm), ProgressStep.filter(F.action == "confirm")
    )
    return router
