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
from bot.menus import commands_for
from storage.models import User
from tests.e2e import Harness, plain, start_harness

ADMIN = 77
HOLDER = 79


@pytest.fixture
async def gated(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    # read_model_max_age=0: a role written from outside is seen at the next update.
    harness, close = await start_harness(
        db_url, gazetteer, i18n, admin_ids=[ADMIN], read_model_max_age=0
    )
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


@pytest.mark.parametrize(
    ("user_id", "sections"),
    [
        (78, ["help.text"]),
        (HOLDER, ["help.text", "help.holder"]),
        (ADMIN, ["help.text", "help.holder", "help.coordinator", "help.admin"]),
    ],
)
async def test_help_lists_the_commands_of_ones_roles(
    gated: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    sections: list[str],
) -> None:
    chat = gated.chat(user_id)
    await chat.send("/start")
    if user_id == HOLDER:
        async with sessionmaker() as session:
            await session.execute(update(User).where(User.id == HOLDER).values(holder=True))
            await session.commit()
    [reply] = await chat.send("/help")
    assert reply["text"] == "\n\n".join(chat.t(key) for key in sections)


async def test_a_role_gives_its_own_command_menu_and_takes_it_back(
    gated: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = gated.chat(HOLDER, "en")
    scope = {"type": "chat", "chat_id": HOLDER}
    await chat.send("/start")
    assert gated.fake.commands_for(scope) == []  # a resident has the default menu
    for holder, expected in ((True, commands_for({"resident", "holder"})), (False, None)):
        async with sessionmaker() as session:
            await session.execute(update(User).where(User.id == HOLDER).values(holder=holder))
            await session.commit()
        await chat.send("/help")
        menu = gated.fake.commands_for(scope)
        if expected is None:
            assert menu == []
        else:
            assert [c["command"] for c in menu] == expected
            assert menu[0] == {"command": "myprojects", "description": chat.t("command.myprojects")}
