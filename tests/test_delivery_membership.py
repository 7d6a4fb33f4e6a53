"""Blocked and back: a 403 marks the user blocked; my_chat_member or any message clears it."""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeapi import FaultConfig
from storage.models import User
from tests.delivery_helpers import SkipClock, add_users, make_worker, queue, rows, settings_for
from tests.e2e import Harness

USER = 42


def membership(harness: Harness, user_id: int, old: str, new: str) -> dict[str, Any]:
    user = harness.fake.add_user(user_id)
    bot_user = {**harness.fake.bot_user}
    return {
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": 1_790_000_000,
            "old_chat_member": member(old, bot_user),
            "new_chat_member": member(new, bot_user),
        }
    }


def member(status: str, bot_user: dict[str, Any]) -> dict[str, Any]:
    return {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})}


async def blocked_at(sessionmaker: async_sessionmaker[AsyncSession]) -> object:
    async with sessionmaker() as session:
        user = await session.get(User, USER)
        assert user is not None
        return user.blocked_at


async def deliver(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = SkipClock(harness.clock.now)
    settings = settings_for(harness.fake.base_url)
    worker = make_worker(harness.bot, sessionmaker, harness.i18n, settings, clock)
    await worker.run(until_empty=True)


async def test_block_unblock_cycle(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = harness.clock.now
    async with sessionmaker() as session:
        await add_users(session, [USER])
        await queue(session, USER, "one", "first news", now)
    harness.fake.faults = FaultConfig(blocked_chats={USER})
    await deliver(harness, sessionmaker)
    assert await blocked_at(sessionmaker) == now
    harness.fake.faults = FaultConfig()

    # While blocked, nothing is sent: the row is closed without a call.
    async with sessionmaker() as session:
        await queue(session, USER, "two", "second news", now + timedelta(seconds=1))
    calls = len(harness.fake.calls_of("sendMessage"))
    await deliver(harness, sessionmaker)
    assert len(harness.fake.calls_of("sendMessage")) == calls
    assert [r.status for r in await rows(sessionmaker)] == ["blocked", "blocked"]

    # The user unblocks the bot: my_chat_member kicked → member.
    update = harness.fake.send_update(membership(harness, USER, "kicked", "member"))
    await harness.processed(update["update_id"])
    assert await blocked_at(sessionmaker) is None

    # They block it again (Telegram tells us too), then come back with /start.
    update = harness.fake.send_update(membership(harness, USER, "member", "kicked"))
    await harness.processed(update["update_id"])
    assert await blocked_at(sessionmaker) == harness.clock.now
    await harness.chat(USER).send("/start")
    assert await blocked_at(sessionmaker) is None

    async with sessionmaker() as session:
        await queue(session, USER, "three", "third news", now)
    await deliver(harness, sessionmaker)
    assert harness.fake.delivered[USER][-1] == "third news"
    assert [r.status for r in await rows(sessionmaker)] == ["blocked", "blocked", "sent"]
