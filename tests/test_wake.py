"""An update that queues notifications wakes the delivery worker once it has committed them;
one that queues nothing does not."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import Outbox
from storage.repo import outbox
from tests.e2e import Harness, start_harness


@pytest.fixture
async def probed(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    harness, close = await start_harness(db_url, gazetteer, i18n)
    router = Router(name="probe")

    async def queue(message: Message, session: AsyncSession) -> None:
        now = harness.clock()
        await outbox.enqueue(
            session, user_id=message.chat.id, kind="text", dedup_key=f"probe:{message.message_id}",
            content={"text": "hi"}, due_at=now, not_before=now,
        )  # fmt: skip
        await message.answer("queued")

    router.message.register(queue, Command("probe_queue"))
    [common] = [r for r in harness.dp.sub_routers if r.name == "common"]
    common.include_router(router)
    yield harness
    await close()


async def test_an_update_that_queued_wakes_the_worker_after_its_commit(
    probed: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    woken: list[int] = []
    probed.dp["wake_delivery"] = lambda: woken.append(1)
    chat = probed.chat(4001)
    await chat.send("/help")
    assert woken == []  # nothing queued, nobody woken
    await chat.send("/probe_queue")
    assert woken == [1]
    async with sessionmaker() as session:
        assert (await session.scalars(select(Outbox.user_id))).all() == [4001]
