"""A holder edits the campaign's rewards: add one (title, price, stock), change a title, a price
or a stock, remove one. A reward's button carries its id: its campaign is checked again on every
press, and once more before a typed value is saved."""

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import Inline
from bot.settings import Settings
from bot.ui import formatting, holder_forms
from bot.ui.callbacks import RewardEdit
from bot.ui.holder_input import parse_count, parse_euros
from bot.ui.progress import locale
from handlers.holder.guard import managed, refuse
from storage.models import Campaign, Reward, User

TITLE_MAX = 200  # rewards.title
PRICE_MAX_CENTS = 1_000_000 * 100
STOCK_MAX = 1_000_000
MAX_REWARDS = 30


class RewardForm(StatesGroup):
    title = State()
    price = State()
    stock = State()


def label(reward: Reward) -> str:
    """ "Workshop — 45 €, 12 left" (or unlimited), as buttons and texts show a reward."""
    lang = locale()
    stock = (
        _("holder.rewards.unlimited_stock")
        if reward.stock is None
        else _("holder.rewards.in_stock").format(count=reward.stock)
    )
    return _("holder.rewards.label").format(
        title=reward.title, price=formatting.money(reward.price_cents, lang), stock=stock
    )


async def show_list(message: Message, campaign: Campaign, session: AsyncSession) -> None:
    await session.refresh(campaign, ["rewards"])
    items = [(r.id, label(r)) for r in campaign.rewards]
    text = _("holder.rewards.list").format(title=escape(campaign.title))
    if not items:
        text += "\n\n" + _("holder.rewards.none")
    await message.answer(text, reply_markup=holder_forms.rewards_menu(campaign.id, items))


async def on_campaign_pick(
    message: Message, what: str, campaign: Campaign, session: AsyncSession, state: FSMContext
) -> None:
    """From the edit menu (campaign already checked): list the rewards, start adding one, or
    (adding, at the stock step) save it with no stock limit."""
    if what == "rewards":
        await state.clear()
        await show_list(message, campaign, session)
    elif what == "addreward":
        await session.refresh(campaign, ["rewards"])
        if len(campaign.rewards) >= MAX_REWARDS:
            await message.answer(_("holder.rewards.too_many").format(max=MAX_REWARDS))
            return
        await state.set_state(RewardForm.title)
        await state.set_data({"campaign": campaign.id, "reward": None})
        await message.answer(_("holder.rewards.ask_title").format(limit=TITLE_MAX))
    elif what == "unlimited" and await state.get_state() == RewardForm.stock.state:
        data = await state.get_data()
        if data.get("campaign") == campaign.id and data.get("reward") is None:
            await _add(message, campaign, data, None, session, state)


async def _reward(
    session: AsyncSession, user: User, settings: Settings, reward_id: int | None
) -> Reward | None:
    """The reward, if the user may manage its campaign."""
    reward = await session.get(Reward, reward_id) if reward_id is not None else None
    if reward is None or await managed(session, user, settings, reward.campaign_id) is None:
        return None
    return reward


async def on_reward(
    query: CallbackQuery,
    callback_data: RewardEdit,
    session: AsyncSession,
    user: User,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Holder taps a reward, or one of its actions → bot shows it, asks the new value, or
    removes it (forged: refused)."""
    reward = await _reward(session, user, settings, callback_data.id)
    if reward is None or not isinstance(query.message, Message):
        await state.clear()
        await refuse(query)
        return
    await query.answer()
    action, message = callback_data.action, query.message
    steps = {"title": RewardForm.title, "price": RewardForm.price, "stock": RewardForm.stock}
    if action in steps:
        await state.set_state(steps[action])
        await state.set_data({"campaign": reward.campaign_id, "reward": reward.id})
        text, markup = _question(action, reward)
        await message.answer(text, reply_markup=markup)
        return
    await state.clear()
    if action == "remove":
        campaign = await session.get(Campaign, reward.campaign_id)
        await session.delete(reward)
        await session.flush()
        await message.answer(_("holder.rewards.removed"))
        if campaign is not None:
            await show_list(message, campaign, session)
        return
    if action == "unlimited":
        reward.stock = None
        await message.answer(_("holder.edit.saved"))
    await message.answer(
        escape(label(reward)), reply_markup=holder_forms.reward_menu(reward.id, reward.campaign_id)
    )


def _question(action: str, reward: Reward) -> tuple[str, InlineKeyboardMarkup | None]:
    if action == "title":
        return _("holder.rewards.ask_title").format(limit=TITLE_MAX), None
    if action == "price":
        return _("holder.rewards.ask_price"), None
    return _("holder.rewards.ask_stock"), holder_forms.stock_choice(reward.id, reward.campaign_id)


async def _target(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> tuple[Campaign, Reward | None, dict[str, Any]] | None:
    """The dialogue's campaign (checked again) and the reward being changed (None: adding)."""
    data = await state.get_data()
    campaign = await managed(session, user, settings, data.get("campaign"))
    reward_id = data.get("reward")
    reward = await session.get(Reward, reward_id) if reward_id is not None else None
    lost = reward_id is not None and (reward is None or reward.campaign_id != data["campaign"])
    if campaign is None or lost:
        await state.clear()
        await refuse(message)
        return None
    return campaign, reward, data


async def on_title(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder types a reward's title → saved (changing), or bot asks the price (adding)."""
    title = " ".join((message.text or "").split())
    if not title or len(title) > TITLE_MAX:
        await message.answer(_("holder.rewards.bad_title").format(limit=TITLE_MAX))
        return
    target = await _target(message, session, user, settings, state)
    if target is None:
        return
    _campaign, reward, _data = target
    if reward is not None:
        reward.title = title
        await _done(message, reward, state)
        return
    await state.update_data(title=title)
    await state.set_state(RewardForm.price)
    await message.answer(_("holder.rewards.ask_price"))


async def on_price(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder types a reward's price → saved (changing), or bot asks the stock (adding)."""
    cents = parse_euros(message.text or "")
    if cents is None or cents > PRICE_MAX_CENTS:
        limit = formatting.money(PRICE_MAX_CENTS, locale())
        await message.answer(_("holder.rewards.bad_price").format(max=limit))
        return
    target = await _target(message, session, user, settings, state)
    if target is None:
        return
    campaign, reward, _data = target
    if reward is not None:
        reward.price_cents = cents
        await _done(message, reward, state)
        return
    await state.update_data(price=cents)
    await state.set_state(RewardForm.stock)
    await message.answer(
        _("holder.rewards.ask_stock"), reply_markup=holder_forms.stock_choice(None, campaign.id)
    )


async def on_stock(
    message: Message, session: AsyncSession, user: User, settings: Settings, state: FSMContext
) -> None:
    """Holder types a stock → saved (changing), or the new reward is added."""
    count = parse_count(message.text or "")
    if count is None or count > STOCK_MAX:
        await message.answer(_("holder.rewards.bad_stock").format(max=STOCK_MAX))
        return
    target = await _target(message, session, user, settings, state)
    if target is None:
        return
    campaign, reward, data = target
    if reward is not None:
        reward.stock = count
        await _done(message, reward, state)
        return
    await _add(message, campaign, data, count, session, state)


async def _add(
    message: Message,
    campaign: Campaign,
    data: dict[str, Any],
    stock: int | None,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    await session.refresh(campaign, ["rewards"])
    position = max((r.position for r in campaign.rewards), default=-1) + 1
    reward = Reward(title=data["title"], price_cents=data["price"], stock=stock, position=position)
    campaign.rewards.append(reward)
    await session.flush()
    await _done(message, reward, state)


async def _done(message: Message, reward: Reward, state: FSMContext) -> None:
    await state.clear()
    await message.answer(
        _("holder.edit.saved") + "\n" + escape(label(reward)),
        reply_markup=holder_forms.reward_menu(reward.id, reward.campaign_id),
    )


def create_router() -> Router:
    router = Router(name="holder-rewards")
    router.callback_query.register(on_reward, RewardEdit.filter())
    typed = Inline(~F.text.startswith("/"))
    router.message.register(on_title, StateFilter(RewardForm.title), typed)
    router.message.register(on_price, StateFilter(RewardForm.price), typed)
    router.message.register(on_stock, StateFilter(RewardForm.stock), typed)
    return router
