"""A coordinator places by hand a project the platform sync could not place: they pick it in the
list, type its commune or postcode (offered choices when it is ambiguous), the commune must lie
in the operation's territory; the project is read again from the platform and becomes a
campaign of the operation there, and leaves the list. /cancel ends it, nothing saved.

The project and its operation are kept in the FSM data and checked again when the commune
comes: a coordinator unassigned meanwhile changes nothing."""

from html import escape

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.gazetteer import Commune, Gazetteer
from bot.domain.territory import contains, describe
from bot.imports.placing import place_by_hand
from bot.imports.ulule import SOURCE, Project, UluleClient, UluleError
from bot.settings import Settings
from bot.ui.platform_sync import (
    PlaceCommune,
    UnplacedPick,
    commune_keyboard,
    commune_name,
    place_prompt,
)
from handlers.coordinator.access import areas, coordinated
from handlers.coordinator.platform_sync import show_unplaced
from storage.models import Operation, UnplacedProject, User
from storage.repo import platform
from storage.repo.imports import campaigns_by_external_id

MAX_QUERY_CHARS = 80


class PlaceByHand(StatesGroup):
    """Waiting for the commune of an unplaced project (FSM data: unplaced, operation)."""

    commune = State()


async def on_unplaced_pick(
    query: CallbackQuery,
    callback_data: UnplacedPick,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    """Coordinator taps an unplaced project → bot asks for its commune or postcode."""
    project = await platform.get_unplaced(session, callback_data.id)
    if project is None:
        await query.answer(_("operation.unplaced.gone"), show_alert=True)
        return
    operation = await coordinated(query, project.operation_id, session, user, settings)
    if operation is None:
        return
    if not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await state.set_state(PlaceByHand.commune)
    await state.set_data({"unplaced": project.id, "operation": operation.id})
    await query.message.answer(place_prompt(project))


async def on_commune_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Coordinator types a commune or postcode → bot places the project there, or offers the
    communes it may mean."""
    text = (message.text or "").strip()
    if not text or len(text) > MAX_QUERY_CHARS:
        await message.answer(_("place.too_long"))
        return
    result = gazetteer.search(text)
    if len(result.matches) == 1:
        await place(message, state, result.matches[0], session, user, settings, gazetteer, clock)
    elif result.matches or result.suggestions:
        key = "place.several" if result.matches else "place.suggestions"
        await message.answer(
            _(key).format(query=escape(text)),
            reply_markup=commune_keyboard(result.matches or result.suggestions),
        )
    else:
        await message.answer(_("place.unknown").format(query=escape(text)))


async def on_commune_pick(
    query: CallbackQuery,
    callback_data: PlaceCommune,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Coordinator picks one of the offered communes → bot places the project there."""
    commune = gazetteer.by_insee(callback_data.insee)
    if commune is None or not isinstance(query.message, Message):
        await query.answer(_("stale"), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await place(query.message, state, commune, session, user, settings, gazetteer, clock)


async def place(
    message: Message,
    state: FSMContext,
    commune: Commune,
    session: AsyncSession,
    user: User,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> None:
    """Check the operation, the project and the commune again, then make the campaign."""
    data = await state.get_data()
    operation = await coordinated(message, int(data.get("operation", 0)), session, user, settings)
    project = await platform.get_unplaced(session, int(data.get("unplaced", 0)))
    if operation is None or project is None or project.operation_id != operation.id:
        await state.clear()
        if operation is not None:
            await message.answer(_("operation.unplaced.gone"))
        return
    if not await placeable(message, operation, commune, session, gazetteer):
        return  # still waiting: another commune may be typed
    if await campaigns_by_external_id(session, project.source, [project.external_id]):
        await platform.forget_unplaced(session, project.source, [project.external_id])
        await state.clear()
        await message.answer(_("operation.unplaced.already"))
        return
    found = await read_again(message, project, settings)
    if found is None:
        return
    point = gazetteer.point_for(commune)
    campaign = None
    if point is not None:
        campaign = await place_by_hand(
            session, operation.id, found, commune, point, clock(), settings.timezone
        )
    await state.clear()
    if campaign is None:
        await message.answer(_("operation.unplaced.not_a_campaign"))
        return
    where = escape(commune_name(commune))
    await message.answer(
        _("operation.unplaced.placed").format(title=escape(campaign.title), commune=where)
    )
    await show_unplaced(message, operation, session, edit=False)


async def placeable(
    message: Message,
    operation: Operation,
    commune: Commune,
    session: AsyncSession,
    gazetteer: Gazetteer,
) -> bool:
    """The commune lies in the operation's territory (anywhere when it has none, as the sync
    reads it) and has a point to show the campaign at; otherwise the coordinator is told."""
    territory = await areas(session, operation.id)
    if territory and not contains(territory, commune):
        await message.answer(
            _("operation.unplaced.outside").format(
                commune=escape(commune_name(commune)),
                territory=escape(describe(territory, gazetteer)),
            )
        )
        return False
    if gazetteer.point_for(commune) is None:
        await message.answer(_("operation.unplaced.no_point").format(commune=escape(commune.name)))
        return False
    return True


async def read_again(
    message: Message, project: UnplacedProject, settings: Settings
) -> Project | None:
    """The project as the platform gives it now (its dates and figures); None, the coordinator
    told, when it cannot be read (they may type the commune again to retry)."""
    if project.source != SOURCE:
        await message.answer(_("operation.unplaced.unreadable"))
        return None
    # The answer commits this update's transaction first: none stays open while the platform
    # is read.
    await message.answer(_("operation.unplaced.reading").format(title=escape(project.title)))
    try:
        async with UluleClient(settings) as client:
            found = await client.project(project.external_id)
    except UluleError:
        found = None
    if found is None or found.external_id != project.external_id:
        await message.answer(_("operation.unplaced.unreadable"))
        return None
    return found
