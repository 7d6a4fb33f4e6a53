"""Coordinators: appointed by an admin (by Telegram id), assigned to operations, removed; and
every coordinator action refused to a resident, a holder and the coordinator of another
operation, forged buttons included, with nothing changed in the database."""

from collections.abc import AsyncIterator

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui.operations import (
    CoordinatorMenu,
    FormStep,
    OperationEdit,
    OperationList,
    OperationMenu,
)
from storage.models import Invitation, Operation, OperationCoordinator, User
from storage.repo import operations
from tests import factories
from tests.e2e import Chat, Harness, button_labels, plain
from tests.operations_helpers import (
    ADMIN,
    SAMPLE_YAML,
    add_operation,
    admin_bot,
    known,
    set_flags,
    snapshot,
    tap,
)

COORDINATOR_A, COORDINATOR_B, RESIDENT, HOLDER = 601, 602, 603, 604


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    async for harness in admin_bot(db_url, gazetteer, i18n):
        yield harness


def text(message: dict) -> str:
    return plain(message.get("text") or "")


async def flags(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> bool:
    async with sessionmaker() as session:
        user = await session.get(User, user_id)
        return bool(user and user.coordinator)


async def assignments(sessionmaker: async_sessionmaker[AsyncSession]) -> set[tuple[int, int]]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(OperationCoordinator))
        return {(row.operation_id, row.user_id) for row in rows}


async def test_an_admin_appoints_assigns_and_removes_a_coordinator(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    operation = await add_operation(sessionmaker, "Ozé", [("department", "50")])
    admin, person = bot.chat(ADMIN), bot.chat(COORDINATOR_A)
    await known(admin)
    [screen] = await admin.send("/coordinators")
    assert text(screen) == admin.t("coordinators.text") + "\n\n" + admin.t("coordinators.none")
    [ask] = await admin.press(screen, admin.t("coordinators.add"))
    assert text(ask) == admin.t("coordinators.ask_id")
    [reply] = await admin.send("six cent un")
    assert text(reply) == admin.t("coordinators.bad_id")
    [reply] = await admin.send(str(COORDINATOR_A))  # never wrote to the bot
    assert text(reply) == admin.t("coordinators.unknown_user", id=COORDINATOR_A)
    assert not await flags(sessionmaker, COORDINATOR_A)
    await known(person)
    [reply] = await person.send("/operations")
    assert text(reply) == person.t("unknown.text")  # not a coordinator yet
    [appointed] = await admin.send(str(COORDINATOR_A))
    assert text(appointed).startswith(admin.t("coordinators.appointed", who=COORDINATOR_A))
    assert await flags(sessionmaker, COORDINATOR_A)
    [reply] = await person.send("/operations")
    assert text(reply) == person.t("operation.list.empty")  # the role, no operation yet
    # Assigned to Ozé: it is theirs to see; unassigned: it is gone again.
    screen = await tap(admin, appointed, admin.t("coordinators.assign", name="Ozé"))
    assert admin.t("coordinators.unassign", name="Ozé") in button_labels(screen)
    assert await assignments(sessionmaker) == {(operation, COORDINATOR_A)}
    [reply] = await person.send("/operations")
    assert button_labels(reply) == ["Ozé"]
    screen = await tap(admin, screen, admin.t("coordinators.unassign", name="Ozé"))
    assert await assignments(sessionmaker) == set()
    screen = await tap(admin, screen, admin.t("coordinators.assign", name="Ozé"))
    # Removed (after a confirmation): the role and the assignments go.
    confirm = await tap(admin, screen, admin.t("coordinators.remove"))
    assert text(confirm) == admin.t("coordinators.remove_confirm", who=COORDINATOR_A)
    assert await flags(sessionmaker, COORDINATOR_A)
    done = await tap(admin, confirm, admin.t("coordinators.remove_yes"))
    assert text(done).startswith(admin.t("coordinators.removed", who=COORDINATOR_A))
    assert not await flags(sessionmaker, COORDINATOR_A)
    assert await assignments(sessionmaker) == set()
    [reply] = await person.send("/operations")
    assert text(reply) == person.t("unknown.text")


async def test_a_coordinator_edits_their_operation_only(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    mine = await add_operation(sessionmaker, "Mine", [("department", "37")], [COORDINATOR_A])
    await add_operation(sessionmaker, "Other", [("department", "50")], [COORDINATOR_B])
    coordinator = bot.chat(COORDINATOR_A)
    await known(coordinator)
    [listing] = await coordinator.send("/operations")
    assert button_labels(listing) == ["Mine"]  # no "new operation": admins create them
    assert "Other" not in text(listing)
    card = await tap(coordinator, listing, "Mine")
    menu = await tap(coordinator, card, coordinator.t("operation.menu.edit"))
    await tap(coordinator, menu, coordinator.t("operation.field.name"))
    [saved] = await coordinator.send("Mine, renamed")
    assert text(saved).startswith(coordinator.t("operation.edit.saved"))
    async with sessionmaker() as session:
        operation = await session.get(Operation, mine)
        assert operation is not None and operation.name == "Mine, renamed"


async def test_an_unassigned_coordinator_saves_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The operation is checked again when the typed value is saved."""
    mine = await add_operation(sessionmaker, "Mine", [("department", "37")], [COORDINATOR_A])
    coordinator = bot.chat(COORDINATOR_A)
    await known(coordinator)
    [listing] = await coordinator.send("/operations")
    card = await tap(coordinator, listing, "Mine")
    menu = await tap(coordinator, card, coordinator.t("operation.menu.edit"))
    await tap(coordinator, menu, coordinator.t("operation.field.name"))
    async with sessionmaker() as session:
        await operations.unassign(session, mine, COORDINATOR_A)
        await session.commit()
    before = await snapshot(sessionmaker)
    [reply] = await coordinator.send("Stolen name")
    assert text(reply) == coordinator.t("operation.refused")
    assert await snapshot(sessionmaker) == before


async def outsiders(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[int, int, dict[str, Chat]]:
    """Operation A (coordinated by A) and B (by B); a resident, a holder, B's coordinator."""
    first = await add_operation(sessionmaker, "A", [("department", "37")], [COORDINATOR_A])
    second = await add_operation(sessionmaker, "B", [("department", "50")], [COORDINATOR_B])
    async with sessionmaker() as session:
        session.add(factories.campaign(bot.clock.now, commune_insee="37261"))
        await session.commit()
    chats = {
        "resident": bot.chat(RESIDENT),
        "holder": bot.chat(HOLDER),
        "coordinator of another": bot.chat(COORDINATOR_B),
    }
    for chat in chats.values():
        await known(chat)
    await set_flags(sessionmaker, HOLDER, holder=True)
    return first, second, chats


FORGED = [
    OperationMenu(action="show", id=1),
    OperationMenu(action="edit", id=1),
    OperationMenu(action="attach", id=1),
    OperationMenu(action="attach_yes", id=1),
    OperationMenu(action="invite", id=1),
    *(OperationEdit(field=name, id=1) for name in ("name", "territory", "launch", "link")),
    CoordinatorMenu(action="add"),
    CoordinatorMenu(action="list"),
    CoordinatorMenu(action="show", user=COORDINATOR_A),
    CoordinatorMenu(action="assign", user=COORDINATOR_B, op=1),
    CoordinatorMenu(action="unassign", user=COORDINATOR_A, op=1),
    CoordinatorMenu(action="remove_yes", user=COORDINATOR_A),
    FormStep(action="new"),
    FormStep(action="create"),
]


@pytest.mark.parametrize("who", ["resident", "holder", "coordinator of another"])
async def test_every_coordinator_button_is_refused_to_others(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    first, _second, chats = await outsiders(bot, sessionmaker)
    assert first == 1
    chat = chats[who]
    before = await snapshot(sessionmaker)
    anchor = chat.last["message_id"]
    for data in FORGED:
        await chat.press_data(anchor, data.pack(), strict=False)
        answer = chat.callback_answers()[-1]
        if who != "coordinator of another":
            expected = chat.t("stale")  # the coordinator's door is closed to them
        elif isinstance(data, CoordinatorMenu) or data == FormStep(action="new"):
            expected = chat.t("operation.admins_only")
        elif data == FormStep(action="create"):
            expected = chat.t("stale")  # no dialogue of theirs to create from
        else:
            expected = chat.t("operation.refused")
        assert (answer.get("text"), answer.get("show_alert")) == (expected, True), data
    assert len(chat.messages) == 1  # nothing shown but the refusals
    assert await snapshot(sessionmaker) == before


@pytest.mark.parametrize("who", ["resident", "holder", "coordinator of another"])
async def test_every_coordinator_command_is_refused_to_others(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    _first, _second, chats = await outsiders(bot, sessionmaker)
    chat = chats[who]
    before = await snapshot(sessionmaker)
    outsider = who != "coordinator of another"
    for command in ("/newoperation", "/coordinators"):
        [reply] = await chat.send(command)
        expected = "unknown.text" if outsider else "operation.admins_only"
        assert text(reply) == chat.t(expected)
    [reply] = await chat.send("/operations")
    if outsider:
        assert text(reply) == chat.t("unknown.text")
    else:
        assert button_labels(reply) == ["B"]  # their own, never A
    before_file = len(chat.messages)
    chat.h.fake.send_document(chat.user_id, "operation.yaml", SAMPLE_YAML)
    await chat.h.processed(chat.h.fake.last_update_id)
    [reply] = chat.messages[before_file:]
    assert text(reply) == chat.t("unknown.text" if outsider else "operation.admins_only")
    assert await snapshot(sessionmaker) == before


async def test_a_stale_or_garbage_button_changes_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_operation(sessionmaker, "A", [("department", "37")])
    admin = bot.chat(ADMIN)
    await known(admin)
    before = await snapshot(sessionmaker)
    anchor = admin.last["message_id"]
    for data in (
        OperationMenu(action="show", id=99).pack(),  # no such operation
        OperationMenu(action="drop", id=1).pack(),  # no such action
        OperationEdit(field="created_by", id=1).pack(),  # not a field
        "op:show:99999999999",  # out of range
        CoordinatorMenu(action="assign", user=777, op=1).pack(),  # not a coordinator
        OperationList(page=0).pack().replace(":0", ":-1"),
        FormStep(action="keep").pack(),  # no dialogue
    ):
        await admin.press_data(anchor, data, strict=False)
        answer = admin.callback_answers()[-1]
        assert answer.get("show_alert") is True, data
        assert answer.get("text") in (
            admin.t("stale"),
            admin.t("coordinators.not_coordinator"),
        ), data
    assert await snapshot(sessionmaker) == before


async def test_a_coordinator_joins_by_an_invitation_link(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    operation = await add_operation(sessionmaker, "Ozé", [("department", "50")])
    admin, invited, late = bot.chat(ADMIN), bot.chat(COORDINATOR_A), bot.chat(COORDINATOR_B)
    await known(admin)
    [listing] = await admin.send("/operations")
    card = await tap(admin, listing, "Ozé")
    [created] = await admin.press(card, admin.t("operation.menu.invite"))
    link = next(word for word in text(created).split() if "?start=h_" in word)
    payload = link.split("?start=")[1]
    [claimed] = await invited.send(f"/start {payload}")
    assert text(claimed) == invited.t("coordinators.invite.claimed", name="Ozé")
    assert await flags(sessionmaker, COORDINATOR_A)
    assert await assignments(sessionmaker) == {(operation, COORDINATOR_A)}
    [reply] = await invited.send("/operations")
    assert button_labels(reply) == ["Ozé"]
    # Single use: the next one to open it gets nothing.
    [refused] = await late.send(f"/start {payload}")
    assert text(refused) == late.t("invite.used")
    assert not await flags(sessionmaker, COORDINATOR_B)


async def test_only_an_admin_invites_a_coordinator(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    mine = await add_operation(sessionmaker, "Mine", [("department", "37")], [COORDINATOR_A])
    coordinator = bot.chat(COORDINATOR_A)
    await known(coordinator)
    [listing] = await coordinator.send("/operations")
    card = await tap(coordinator, listing, "Mine")
    assert coordinator.t("operation.menu.invite") not in button_labels(card)
    before = await snapshot(sessionmaker)
    forged = OperationMenu(action="invite", id=mine).pack()
    await coordinator.press_data(card["message_id"], forged, strict=False)
    answer = coordinator.callback_answers()[-1]
    assert answer.get("text") == coordinator.t("operation.admins_only")
    assert await snapshot(sessionmaker) == before
    async with sessionmaker() as session:
        assert (await session.scalars(select(Invitation))).all() == []
