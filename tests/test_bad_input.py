"""Forged or stale buttons get "no longer available" and change nothing; odd text never crashes."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Follow, Outbox, User
from storage.repo import outbox
from storage.repo.campaigns import delete_campaign
from tests.e2e import Chat, Harness
from tests.factories import add_campaigns, campaign


async def located_chat(harness: Harness, user_id: int) -> tuple[Chat, dict]:
    chat = harness.chat(user_id)
    await chat.send("/start")
    await chat.send("saint lo")
    replies = await chat.press(chat.last, "25 km")
    return chat, replies[-1]


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> tuple:
    async with sessionmaker() as session:
        user = await session.get(User, user_id)
        follows = await session.scalar(select(func.count()).select_from(Follow))
        assert user is not None
        return (user.lat, user.lon, user.radius_km, user.locale, user.last_query, follows)


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "c:notanumber",
        "c:999999:n:0:*:lu:",
        "fw:999999:1:n:0:*:lu:",
        "l:n:99999:*:lu:",
        "l:x:0:*:lu:",
        "l:n:0:weapons:lu:",
        "l:s:0:*:a:deadbeef",
        "lf:z:n:*:lu:",
        "r:7",
        "r:-5",
        "pl:99999",
        "lg:de",
        "s:admin",
        "x" * 64,
    ],
)
async def test_forged_callback_is_no_longer_available(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], data: str
) -> None:
    await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Exp3D"))
    chat, listing = await located_chat(harness, 2001)
    before_state = await snapshot(sessionmaker, 2001)
    before_text = chat.message(listing["message_id"])["text"]
    await chat.press_data(listing["message_id"], data, strict=False)
    answer = chat.callback_answers()[-1]
    assert answer.get("text") == chat.t("stale")
    assert answer.get("show_alert") is True
    assert await snapshot(sessionmaker, 2001) == before_state
    assert chat.message(listing["message_id"])["text"] == before_text


async def test_button_of_a_deleted_project(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    (project,) = await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Exp3D"))
    chat, listing = await located_chat(harness, 2002)
    now = harness.clock.now
    async with sessionmaker() as session:  # an alert of it, already queued
        await outbox.enqueue(
            session,
            user_id=2002,
            kind="text",
            dedup_key="gone:1",
            content={"text": "x"},
            due_at=now,
            not_before=now,
            campaign_id=project,
        )
        await delete_campaign(session, project)
        await session.commit()
    await chat.press(listing, "1")
    assert chat.callback_answers()[-1]["text"] == chat.t("stale")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Follow)) == 0
        queued = await session.scalar(select(Outbox).where(Outbox.dedup_key == "gone:1"))
        assert queued is not None and queued.campaign_id is None  # kept, no longer pointing


@pytest.mark.parametrize(
    "text",
    [
        "🎉🎉🎉 😀",
        "a" * 4000,
        "bad\x00control\x07chars\x1b[31m",
        "<b>not html</b> & <script>",
        "/search " + "é" * 3000,
        "/start p_" + "9" * 50,
        "/start <b>",
        "/nearby extra words",
        "\u202e\u200b",
    ],
)
async def test_odd_text_gets_an_answer(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], text: str
) -> None:
    await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Exp3D"))
    chat = harness.chat(2003)
    await chat.send("/start")
    replies = await chat.send(text)  # still onboarding: taken as a place
    assert replies, "the bot said nothing"
    _, _ = await located_chat(harness, 2004)
    replies = await harness.chat(2004).send(text)
    assert replies, "the bot said nothing"
    failed = [c for c in harness.fake.calls if c.outcome not in ("ok",)]
    assert failed == []
