"""Forged or stale buttons get "no longer available" and change nothing; odd text never crashes."""

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Follow, Outbox, User
from storage.repo import campaigns, outbox, users
from storage.repo.campaigns import delete_campaign
from tests.e2e import Chat, Harness, button_data, plain
from tests.factories import add_campaigns, campaign


async def located_chat(harness: Harness, user_id: int) -> tuple[Chat, dict]:
    chat = harness.chat(user_id)
    await chat.send("/start")
    await chat.send("saint lo")
    question = chat.last
    assert await chat.press(question, "25 km") == []  # the question becomes the list
    return chat, chat.message(question["message_id"])


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
        "c:2147483648:n:0:*:lu:",
        "c:99999999999999999999:n:0:*:lu:",
        "fw:9223372036854775808:1:n:0:*:lu:",
        "l:n:99999999999999999999:*:lu:",
        "c:-1:n:0:*:lu:",
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


async def test_a_double_tap_on_follow_is_answered_twice_and_follows_once(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], caplog: Any
) -> None:
    """Two taps on Follow (and on the page already shown) in one go: both answered, one follow,
    nothing logged as an error ("message is not modified" is no error)."""
    await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Exp3D"))
    chat, listing = await located_chat(harness, 2005)
    await chat.press(listing, "1")  # the card, in place of the list
    card = chat.message(listing["message_id"])
    follow = button_data(card, chat.t("card.follow"))
    answers_before = len(chat.callback_answers())
    with caplog.at_level(logging.WARNING):
        harness.fake.press_button(2005, card["message_id"], follow, language_code="fr")
        harness.fake.press_button(2005, card["message_id"], follow, language_code="fr")
        await harness.processed(harness.fake.last_update_id)
    answers = chat.callback_answers()[answers_before:]
    assert [a.get("text") for a in answers] == [chat.t("card.followed")] * 2
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Follow)) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_two_follows_racing_in_two_processes_both_succeed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The same follow written by two sessions at once (two processes, two taps): the second
    waits for the first and then does nothing, instead of failing on the primary key."""
    (project,) = await add_campaigns(sessionmaker, campaign(datetime.now(UTC)))
    async with sessionmaker() as session:
        await users.get_or_create(session, 2006, 25)
        await session.commit()
    async with sessionmaker() as first, sessionmaker() as second:
        await campaigns.set_follow(first, 2006, project, True)  # written, not committed yet

        async def follow_again() -> None:
            await campaigns.set_follow(second, 2006, project, True)
            await second.commit()

        racing = asyncio.create_task(follow_again())
        await asyncio.sleep(0.2)
        await first.commit()
        await asyncio.wait_for(racing, 10)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Follow)) == 1


async def test_a_card_too_long_for_one_message_is_shown_cut_with_a_way_to_the_rest(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """40 rewards of 150 characters, the longest title, holder, description and link an import
    accepts: the card still fits Telegram's 4,096 characters, and says how many rewards are on
    the campaign's page."""
    rewards = [(f"Contrepartie {n:02d} " + "é" * 134, 1_000 + n) for n in range(40)]
    long_one = campaign(
        harness.clock.now,
        title="T" * 200,
        holder="H" * 200,
        description="D" * 600,
        url="https://example.org/" + "u" * 480,
        rewards=rewards,
    )
    await add_campaigns(sessionmaker, long_one)
    chat, listing = await located_chat(harness, 2007)
    await chat.press(listing, "1")
    card = plain(chat.message(listing["message_id"])["text"])
    assert len(card.encode("utf-16-le")) // 2 <= 4096
    assert rewards[0][0] in card
    shown = sum(1 for title, _price in rewards if title in card)
    assert 0 < shown < 40
    assert chat.t("card.more_rewards", n=40 - shown, count=40 - shown) in card
    assert [c for c in harness.fake.calls if c.outcome != "ok"] == []
