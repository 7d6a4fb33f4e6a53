"""A holder's journey end to end, through the fake Bot API: an admin's invitation, the claim,
news with a photo composed, previewed and sent, the followers receiving it (one who blocked the
bot counted), and the holder's report message reaching its final counts."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui.broadcasts import news_text
from bot.ui.notifications import Reader
from bot.ui.reports import Figures, report_text
from storage.models import Broadcast, Invitation
from storage.repo import holders
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Chat, Harness, plain, start_harness
from tests.holder_helpers import send_photo
from tests.test_holders import ADMIN, card_of, claimed_holder, seed

HOLDER, FOLLOWER_FR, FOLLOWER_EN, GONE = 501, 502, 503, 504


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    harness, close = await start_harness(
        db_url, gazetteer, i18n, admin_ids=[ADMIN], read_model_max_age=0, delivery_rate=500.0
    )
    yield harness
    await close()


async def follow(chat: Chat, campaign_id: int) -> None:
    await chat.send(f"/start p_{campaign_id}")
    await chat.press(card_of(chat), chat.t("card.follow"))


async def test_invited_holder_posts_news_that_followers_receive_and_the_report_ends_counted(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _other = await seed(bot, sessionmaker)
    for user_id, lang in ((FOLLOWER_FR, "fr"), (FOLLOWER_EN, "en"), (GONE, "fr")):
        await follow(bot.chat(user_id, lang), exp3d)
    holder = await claimed_holder(bot, sessionmaker, exp3d, HOLDER)

    await holder.send("/news")
    await holder.send("Atelier samedi à 14 h")
    await send_photo(holder, "PHOTO-J")
    preview, note = await skip_link(holder)
    fr = Reader("fr", bot.settings.timezone, bot.i18n)
    assert preview["caption"] == plain(news_text("Exp3D", "Atelier samedi à 14 h", fr))
    replies = await holder.press(note, holder.t("holder.news.send"))
    assert replies[-1]["text"] == holder.t("holder.news.sending", n=3, count=3)

    bot.fake.faults.blocked_chats = {GONE}
    clock = SkipClock(bot.clock.now)  # the worker's sleeps move its time on
    worker = make_worker(bot.bot, sessionmaker, bot.i18n, bot.settings, clock)
    async with asyncio.timeout(30):
        await worker.run(until_empty=True)

    for user_id, lang in ((FOLLOWER_FR, "fr"), (FOLLOWER_EN, "en")):
        [news] = [m for m in bot.fake.messages[user_id] if "photo" in m]
        reader = Reader(lang, bot.settings.timezone, bot.i18n)
        assert news["caption"] == plain(news_text("Exp3D", "Atelier samedi à 14 h", reader))
        assert news["photo"][-1]["file_id"] == "PHOTO-J"
    assert not [m for m in bot.fake.messages.get(GONE, []) if "photo" in m]

    async with sessionmaker() as session:
        [sent] = (await session.scalars(select(Broadcast))).all()
        assert sent.report_done_at is not None
    report = next(m for m in bot.fake.messages[HOLDER] if m["message_id"] == sent.report_message_id)
    final = report_text("Exp3D", Figures(sent=2, blocked=1), bot.settings.delivery_rate, fr)
    assert report["text"] == plain(final)


async def skip_link(holder: Chat) -> list[dict]:
    """No link: the preview (the photo with its caption) and its note with Send."""
    replies = await holder.press(holder.last, holder.t("holder.form.skip"))
    return replies[-2:]


async def test_a_holder_gets_their_holdings_and_posts_in_mydata_and_forget_unsigns_them(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _other = await seed(bot, sessionmaker)
    holder = await claimed_holder(bot, sessionmaker, exp3d, HOLDER)
    async with sessionmaker() as session:
        session.add(Broadcast(kind="news", campaign_id=exp3d, author_id=HOLDER, text="Atelier"))
        await session.commit()

    await holder.send("/mydata")
    data = json.loads(bot.fake.calls_of("sendDocument")[-1].params["document"].content)
    assert [h["campaign_id"] for h in data["holdings"]] == [exp3d]
    assert [p["text"] for p in data["posts"]] == ["Atelier"]
    assert data["applications"] == [] and data["coordinations"] == []

    replies = await holder.send("/forget")
    await holder.press(replies[0], holder.t("forget.yes"))
    async with sessionmaker() as session:
        [post] = (await session.scalars(select(Broadcast))).all()
        assert (post.campaign_id, post.author_id) == (exp3d, None)  # the news stays, unsigned
        used = await session.scalars(select(Invitation.used_by))
        assert list(used) == [None]
        assert await holders.campaigns_of(session, HOLDER) == []
