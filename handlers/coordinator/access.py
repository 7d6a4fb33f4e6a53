"""The check every coordinator action makes on the operation it is about to touch, and the card
shown after each of them."""

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import Area
from bot.settings import Settings
from bot.ui.operations import card_keyboard, card_text, view_of
from bot.ui.platform_sync import card_rows, state_text
from storage.models import Operation, User
from storage.repo import operations, platform


async def refuse(event: Message | CallbackQuery, key: str = "operation.refused") -> None:
    """Tell the user no, in their language; the caller changes nothing."""
    if isinstance(event, CallbackQuery):
        await event.answer(_(key), show_alert=True)
    else:
        await event.answer(_(key))


async def coordinated(
    event: Message | CallbackQuery,
    operation_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> Operation | None:
    """The operation, if this user may act on it (an admin, or a coordinator assigned to it).
    Otherwise the user is refused and None is returned."""
    if not await operations.may_coordinate(session, user.id, operation_id, settings.admin_ids):
        await refuse(event)
        return None
    operation = await operations.get(session, operation_id)
    if operation is None:
        await refuse(event, "stale")
    return operation


async def admin(event: Message | CallbackQuery, user: User, settings: Settings) -> bool:
    """Admins only (creating operations, appointing coordinators); others are refused."""
    if user.id in settings.admin_ids:
        return True
    await refuse(event, "operation.admins_only")
    return False


async def areas(session: AsyncSession, operation_id: int) -> list[Area]:
    return [Area(level, code) for level, code in await operations.areas_of(session, operation_id)]


async def render_card(
    session: AsyncSession,
    operation: Operation,
    gazetteer: Gazetteer,
    settings: Settings,
    user: User,
) -> tuple[str, InlineKeyboardMarkup]:
    """The operation's card and its menu (an admin's has the coordinators' invitation), with
    the platform sync's state and buttons."""
    counts = await operations.campaign_counts(session, [operation.id])
    coordinators = await operations.coordinators_of(session, [operation.id])
    view = view_of(
        operation,
        await areas(session, operation.id),
        gazetteer,
        counts.get(operation.id, 0),
        coordinators[operation.id],
    )
    unplaced = await platform.unplaced_count(session, operation.id)
    more = card_rows(operation.id, bool(operation.sync_source), unplaced)
    keyboard = card_keyboard(operation.id, user.id in settings.admin_ids, more)
    sync_state = state_text(operation, unplaced, settings.timezone)
    return card_text(view, settings.timezone, sync_state), keyboard
