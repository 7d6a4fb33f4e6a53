"""Every announcement action refused to a resident, a holder and the coordinator of another
operation, forged buttons included, with nothing changed in the database; and a coordinator
unassigned while composing sends nothing."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui.announcements import AnnounceItem, AnnounceMenu, AnnounceStep, ReminderToggle
from storage.models import Broadcast, Operation, Outbox, User
from storage.repo import operations
from tests.announcement_helpers import (
    COORDINATOR,
    INSIDE_YES,
    OTHER_COORDINATOR,
    scheduled,
    seed,
)
from tests.e2e import Chat, Harness
from tests.operations_helpers import admin_bot
from tests.test_announcements import SEND_AT, compose

HOLDER = 820


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    async for harness in admin_bot(db_url, gazetteer, i18n):
        yield harness


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessionmaker() as session:
        broadcasts = await session.scalars(select(Broadcast).order_by(Broadcast.id))
        ops = await session.scalars(select(Operation).order_by(Operation.id))
        return {
            "broadcasts": [
                (b.id, b.kind, b.text, b.send_at, b.queued_at, b.cancelled_at) for b in broadcasts
            ],
            "reminders": [(o.id, o.remind_call_7d, o.remind_call_1d, o.remind_launch) for o in ops],
            "outbox": len((await session.scalars(select(Outbox))).all()),
        }


def forged(loire: int, broadcast_id: int) -> list[str]:
    return [
        AnnounceMenu(action="list", id=loire).pack(),
        AnnounceMenu(action="new", id=loire).pack(),
        AnnounceItem(action="edit", id=broadcast_id).pack(),
        AnnounceItem(action="cancel", id=broadcast_id).pack(),
        AnnounceItem(action="cancel_yes", id=broadcast_id).pack(),
        ReminderToggle(which="call_7d", on=False, id=loire).pack(),
        ReminderToggle(which="launch", on=False, id=loire).pack(),
        AnnounceStep(action="send").pack(),
        AnnounceStep(action="save").pack(),
    ]


async def press_all(chat: Chat, data: list[str]) -> list[tuple[str, bool]]:
    """Press each forged button on the chat's last message: the pop-up each one got."""
    if not chat.messages:
        await chat.send("/help")
    answers = []
    for item in data:
        assert await chat.press_data(chat.messages[-1]["message_id"], item, strict=False) == []
        answer = chat.callback_answers()[-1]
        answers.append((answer.get("text"), bool(answer.get("show_alert"))))
    return answers


async def test_everything_is_refused_to_others_and_nothing_changes(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire, _oze = await seed(bot, sessionmaker, gazetteer)
    broadcast_id = await scheduled(sessionmaker, loire, SEND_AT)
    async with sessionmaker() as session:
        session.add(User(id=HOLDER, holder=True, lat=47.39, lon=0.69, commune_insee="37261"))
        await session.commit()
    before = await snapshot(sessionmaker)

    for outsider in (INSIDE_YES, HOLDER):  # a resident, a holder: no coordinator role
        chat = bot.chat(outsider, "fr")
        assert [m["text"] for m in await chat.send("/announce")] == [chat.t("unknown.text")]
        answers = await press_all(chat, forged(loire, broadcast_id))
        assert set(answers) == {(chat.t("stale"), True)}

    other = bot.chat(OTHER_COORDINATOR, "en")
    [screen] = await other.send("/announce")  # their own operation only
    assert screen["text"].startswith(
        other.t("announce.screen", name="Ozé", territory="Manche (50)")
    )
    answers = await press_all(other, forged(loire, broadcast_id)[:7])
    assert set(answers) == {(other.t("operation.refused"), True)}
    # Send and Save outside a composer are no longer available.
    assert set(await press_all(other, forged(loire, broadcast_id)[7:])) == {
        (other.t("stale"), True)
    }
    assert await snapshot(sessionmaker) == before


async def test_a_coordinator_unassigned_while_composing_sends_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire, _oze = await seed(bot, sessionmaker, gazetteer)
    chat = bot.chat(COORDINATOR, "fr")
    _preview, note = await compose(chat)
    before = await snapshot(sessionmaker)
    async with sessionmaker() as session:
        await operations.unassign(session, loire, COORDINATOR)
        await session.commit()
    assert await chat.press(note, chat.t("announce.send_now")) == []
    assert chat.callback_answers()[-1]["text"] == chat.t("operation.refused")
    assert await snapshot(sessionmaker) == before
