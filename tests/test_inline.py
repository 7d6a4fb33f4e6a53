"""Inline mode: `@bot words` in any chat offers matching campaigns as cards with a Follow deep
link; nobody's row is created for it; the fake Bot API answers answerInlineQuery like Telegram."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineQueryResultArticle, InputTextMessageContent
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeapi import FakeBotAPI
from storage.models import Follow, User
from storage.repo import holders
from tests.e2e import Harness, plain
from tests.factories import TOURS, add_campaigns, campaign
from tests.test_holders import card_of


async def seed(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    now = harness.clock.now
    return await add_campaigns(
        sessionmaker,
        campaign(
            now,
            title="Exp3D",
            goal_cents=200_000,
            raised_cents=385_000,
            ends_at=now + timedelta(days=5),
        ),
        campaign(now, title="Exp3D, la suite", ends_at=now - timedelta(days=1)),  # ended
        campaign(now, title="Le rythme des maux", ends_at=now + timedelta(days=2)),
        campaign(now, title="Loin de tout", commune_insee="37261", lat=TOURS[0], lon=TOURS[1]),
        campaign(now, title="Bientôt", starts_at=now + timedelta(days=3)),  # upcoming
    )


async def ask(harness: Harness, user_id: int, query: str, lang: str = "fr") -> dict[str, Any]:
    query_id = harness.fake.send_inline_query(user_id, query, language_code=lang)
    await harness.processed(harness.fake.last_update_id)
    return harness.fake.inline_answers[query_id]


async def users(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize(("lang", "percent"), [("fr", "192\xa0%"), ("en", "192%")])
async def test_an_inline_query_offers_matching_campaigns_as_cards(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], lang: str, percent: str
) -> None:
    exp3d, _ended, _rythme, _tours, _soon = await seed(harness, sessionmaker)
    answer = await ask(harness, 4001, "EXP3D", lang)
    [result] = answer["results"]  # the ended one is not offered
    t = lambda key, **kw: harness.t(key, lang, **kw)  # noqa: E731
    left = harness.t("time.days_left", lang, n=5, days=5)
    assert result["type"] == "article" and result["id"] == str(exp3d)
    assert result["title"] == "Exp3D"
    assert result["description"] == t(
        "inline.description", percent=percent, place="Saint-Lô", time_left=left
    )
    [[follow]] = result["reply_markup"]["inline_keyboard"]
    url = f"https://t.me/fake_bot?start=p_{exp3d}_inline"
    assert follow == {"text": t("inline.follow"), "url": url}
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text = plain(content["message_text"])
    assert text.startswith("Exp3D\n" + t("card.place", place="Saint-Lô"))
    assert t("inline.time", time_left=left) in text and t("inline.invite") in text
    assert answer["is_personal"] is True
    assert await users(sessionmaker) == 0  # nobody's row for an inline query


async def test_a_query_matches_a_place_and_upcoming_campaigns_too(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    *_, tours, soon = await seed(harness, sessionmaker)
    assert [r["id"] for r in (await ask(harness, 4002, "loin"))["results"]] == [str(tours)]
    assert [r["id"] for r in (await ask(harness, 4002, "bientot"))["results"]] == [str(soon)]
    assert (await ask(harness, 4002, "nothing like this"))["results"] == []


async def test_an_empty_query_offers_the_askers_campaigns_then_the_closest_to_their_end(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ended, rythme, tours, _soon = await seed(harness, sessionmaker)
    answer = await ask(harness, 4003, "")
    # Live campaigns only, soonest end first (20 days for the one in Tours).
    assert [r["id"] for r in answer["results"]] == [str(rythme), str(exp3d), str(tours)]
    async with sessionmaker() as session:
        session.add(User(id=4004, radius_km=25))
        await session.flush()
        await holders.add(session, 4004, tours, None, harness.clock.now)
        await session.commit()
    answer = await ask(harness, 4004, "  ")
    assert [r["id"] for r in answer["results"]] == [str(tours), str(rythme), str(exp3d)]


async def test_results_come_by_pages(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = harness.clock.now
    ids = await add_campaigns(
        sessionmaker,
        *(
            campaign(now, title=f"Atelier {n}", ends_at=now + timedelta(days=n))
            for n in range(1, 13)
        ),
    )
    first = await ask(harness, 4005, "atelier")
    assert [r["id"] for r in first["results"]] == [str(i) for i in ids[:10]]
    assert first["next_offset"] == "10"
    query_id = harness.fake.send_inline_query(4005, "atelier", offset="10")
    await harness.processed(harness.fake.last_update_id)
    second = harness.fake.inline_answers[query_id]
    assert [r["id"] for r in second["results"]] == [str(i) for i in ids[10:]]
    assert second.get("next_offset", "") == ""


async def test_following_from_a_posted_card_counts_as_inline(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, *_ = await seed(harness, sessionmaker)
    [result] = (await ask(harness, 4006, "exp3d"))["results"]
    url = result["reply_markup"]["inline_keyboard"][0][0]["url"]
    reader = harness.chat(4007)
    await reader.send("/start " + url.split("?start=")[1])
    await reader.press(card_of(reader), reader.t("card.follow"))
    async with sessionmaker() as session:
        follow = await session.get(Follow, (4007, exp3d))
        assert follow is not None and follow.source == "inline"


@pytest.fixture
async def fake_bot() -> AsyncIterator[tuple[FakeBotAPI, Bot]]:
    async with FakeBotAPI() as fake:
        bot = Bot(
            fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        )
        yield fake, bot
        await bot.session.close()


def article(result_id: str) -> InlineQueryResultArticle:
    content = InputTextMessageContent(message_text="x")
    return InlineQueryResultArticle(id=result_id, title="t", input_message_content=content)


async def test_the_fake_api_answers_inline_queries_like_telegram(
    fake_bot: tuple[FakeBotAPI, Bot],
) -> None:
    fake, bot = fake_bot
    assert (await bot.get_me()).supports_inline_queries is True
    query_id = fake.send_inline_query(5001, "exp3d")
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [article("1"), article("1")])
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_INVALID"):
        await bot.answer_inline_query(query_id, [article("x" * 65)])
    assert await bot.answer_inline_query(query_id, [article("1")], cache_time=5)
    assert [r["id"] for r in fake.inline_answers[query_id]["results"]] == ["1"]
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_inline_query(query_id, [])  # answered already
    [update] = await bot.get_updates()  # the query as aiogram reads it from Telegram
    assert update.inline_query is not None
    assert (update.inline_query.query, update.inline_query.from_user.id) == ("exp3d", 5001)
    assert update.inline_query.id == query_id
