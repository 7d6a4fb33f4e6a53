"""The bot in a group: no reaction to chatter, nobody's data shown, commands pointed to a
private chat."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import User
from tests.e2e import Harness, buttons, plain

GROUP = -100_555


def group_message(harness: Harness, user_id: int, text: str, kind: str = "supergroup") -> None:
    user = harness.fake.add_user(user_id, language_code="fr")
    message: dict[str, Any] = {
        "message_id": harness.fake.last_update_id + 1_000,
        "from": user,
        "chat": {"id": GROUP, "type": kind, "title": "Voisins de Saint-Lô"},
        "date": 1_790_000_000,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    harness.fake.send_update({"message": message})


async def say(harness: Harness, user_id: int, text: str, kind: str = "supergroup") -> list[Any]:
    before = len(harness.fake.sent_to(GROUP))
    group_message(harness, user_id, text, kind)
    await harness.processed(harness.fake.last_update_id)
    return harness.fake.sent_to(GROUP)[before:]


async def users_stored(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize("kind", ["group", "supergroup"])
async def test_chatter_in_a_group_gets_no_answer_and_stores_nobody(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], kind: str
) -> None:
    for text in ("salut tout le monde", "Saint-Lô", "50000"):
        assert await say(harness, 701, text, kind) == []
    assert await users_stored(sessionmaker) == 0


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("/mydata", "https://t.me/{bot}"),
        ("/nearby@{bot}", "https://t.me/{bot}"),
        ("/settings", "https://t.me/{bot}"),
        ("/start p_12", "https://t.me/{bot}?start=p_12"),
        ("/start p_12_shop-counter", "https://t.me/{bot}?start=p_12_shop-counter"),
        ("/start <b>", "https://t.me/{bot}"),
        ("/start café", "https://t.me/{bot}"),
    ],
)
async def test_a_command_in_a_group_points_to_a_private_chat_and_shows_no_data(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], text: str, link: str
) -> None:
    me = await harness.bot.me()
    chat = harness.chat(702)
    await chat.send("/start")
    await chat.send("Saint-Lô")  # a resident with a home, who then types in the group
    replies = await say(harness, 702, text.format(bot=me.username))
    assert [plain(r["text"]) for r in replies] == [harness.t("group.private_only")]
    [button] = buttons(replies[0])
    assert button["url"] == link.format(bot=me.username)
    assert button["text"] == harness.t("group.open_private")
    assert "702" not in replies[0]["text"] and "Saint" not in replies[0]["text"]


async def test_a_command_for_another_bot_is_left_alone(harness: Harness) -> None:
    assert await say(harness, 703, "/mydata@some_other_bot") == []
