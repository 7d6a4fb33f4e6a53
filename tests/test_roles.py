"""Role packages: the coordinator's router opens to ADMIN_IDS only; the holder's to holders
(users.holder) and admins."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import User
from tests.e2e import Harness, plain, start_harness

ADMIN = 77
HOLDER = 79


@pytest.fixture
async def gated(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    harness, close = await start_harness(db_url, gazetteer, i18n, admin_ids=[ADMIN])
    for name in ("coordinator", "holder"):
        [router] = [r for r in harness.dp.sub_routers if r.name == name]
        router.include_router(probe(name))
    yield harness
    await close()


def probe(role: str) -> Router:
    router = Router(name=f"probe-{role}")

    async def answer(message: Message) -> None:
        await message.answer(f"{role} door open")

    router.message.register(answer, Command(f"probe_{role}"))
    return router


@pytest.mark.parametrize(
    ("user_id", "command", "opens"),
    [
        (ADMIN, "/probe_coordinator", True),
        (78, "/probe_coordinator", False),
        (HOLDER, "/probe_coordinator", False),
        (ADMIN, "/probe_holder", True),
        (HOLDER, "/probe_holder", True),
        (78, "/probe_holder", False),
    ],
)
async def test_a_role_package_opens_only_to_its_role(
    gated: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    command: str,
    opens: bool,
) -> None:
    chat = gated.chat(user_id)
    if user_id == HOLDER:
        await chat.send("/help")  # the user exists
        async with sessionmaker() as session:
            await session.execute(update(User).where(User.id == HOLDER).values(holder=True))
            await session.commit()
    [reply] = await chat.send(command)
    role = command.removeprefix("/probe_")
    expected = f"{role} door open" if opens else chat.t("unknown.text")
    assert plain(reply["text"]) == expected
