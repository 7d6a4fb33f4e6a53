"""The bot serves lists and users from memory, and still sees every write: its own at once,
another process's within `read_model_max_age`."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import User
from tests.e2e import Harness, start_harness
from tests.factories import add_campaigns, campaign
from tests.test_resident_journey import onboard, seed_saint_lo

CHANGE_WORDS = ("revision", "pg_current_snapshot", "deletions")


@pytest.fixture(params=[0.0, 3600.0], ids=["fresh", "lazy"])
async def bot(
    request: pytest.FixtureRequest, db_url: str, gazetteer: Gazetteer, i18n: I18n
) -> AsyncIterator[Harness]:
    """The app with its read models checked at every update, or once an hour (so that only
    the bot's own writes can refresh them)."""
    harness, close = await start_harness(db_url, gazetteer, i18n, read_model_max_age=request.param)
    yield harness
    await close()


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def test_a_returning_resident_lists_without_a_query(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(bot, sessionmaker)
    chat = bot.chat(2001)
    await onboard(chat)
    first = (await chat.send("/nearby"))[-1]
    with statements() as seen:
        again = (await chat.send("/nearby"))[-1]
    assert again["text"] == first["text"]
    assert "Exp3D" in again["text"]
    # Only the look for changes (storage.repo.revisions), when it is taken at every update:
    # SQLite's counters; PostgreSQL's snapshot, tombstones and rows written since.
    assert all(any(word in sql for word in CHANGE_WORDS) for sql in seen), seen
    assert len(seen) <= 4
    if bot.settings.read_model_max_age > 0:
        assert seen == []


async def test_a_residents_own_writes_leave_them_in_memory(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The place and radius just written are kept as committed: the next /nearby lists at that
    radius around that place, and reads no user unless a look for changes came in between."""
    await seed_saint_lo(bot, sessionmaker)
    chat = bot.chat(2007)
    await onboard(chat, radius="10 km")
    cache = bot.dp["read_models"].users
    assert 2007 in cache
    async with sessionmaker() as session:
        kept = cache.attach(session, 2007)
        assert kept is not None and (kept.radius_km, kept.commune_insee) == (10, "50502")
    with statements() as seen:
        listing = (await chat.send("/nearby"))[-1]
    assert listing["text"].startswith(chat.t("nearby.header", radius=10, place="Saint-Lô"))
    assert "Exp3D" in listing["text"]
    if bot.settings.read_model_max_age > 0:  # checked at every update, the look for changes
        # forgets whoever was written since the last look, this process's own writes included
        assert not any(sql.startswith("SELECT users.id, users.") for sql in seen), seen


async def test_forgotten_resident_is_not_served_from_memory(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(bot, sessionmaker)
    chat = bot.chat(2002)
    await onboard(chat)
    await chat.send("/nearby")
    await chat.send("/nearby")
    replies = await chat.send("/forget")
    await chat.press(replies[0], chat.t("forget.yes"))

    replies = await chat.send("/nearby")
    assert [message["text"] for message in replies] == [chat.t("place.ask")]
    async with sessionmaker() as session:
        user = await session.get(User, 2002)
        assert user is not None and user.lat is None and user.commune_insee is None


async def test_a_radius_changed_in_the_bot_applies_at_once(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(bot, sessionmaker)
    chat = bot.chat(2003)
    await onboard(chat)
    await chat.send("/nearby")
    await chat.send("/nearby")  # served from the cache
    menu = (await chat.send("/settings"))[-1]
    await chat.press(menu, chat.t("settings.radius"))
    assert await chat.press(chat.message(menu["message_id"]), "5 km") == []
    # The radius question (the settings' message) became the list, at the new radius.
    edited = chat.message(menu["message_id"])
    assert edited["text"].startswith(chat.t("nearby.header", radius=5, place="Saint-Lô"))

    listing = (await chat.send("/nearby"))[-1]
    assert listing["text"].startswith(chat.t("nearby.header", radius=5, place="Saint-Lô"))
    assert "Exp3D" in listing["text"]


@pytest.mark.parametrize("bot", [0.0], indirect=True, ids=["fresh"])
async def test_a_campaign_written_elsewhere_is_listed(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = bot.chat(2004)
    await onboard(chat)
    before = (await chat.send("/nearby"))[-1]
    assert before["text"] == chat.t("nearby.empty", radius=25)
    await add_campaigns(sessionmaker, campaign(bot.clock.now, title="Tricot du bocage"))
    after = (await chat.send("/nearby"))[-1]
    assert "Tricot du bocage" in after["text"]


@pytest.mark.parametrize("bot", [0.0], indirect=True, ids=["fresh"])
async def test_a_cached_resident_who_had_blocked_the_bot_is_back(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(bot, sessionmaker)
    chat = bot.chat(2005)
    await onboard(chat)
    await chat.send("/nearby")
    await chat.send("/nearby")  # served from the cache
    async with sessionmaker() as session:  # the delivery worker met a 403
        await session.execute(update(User).where(User.id == 2005).values(blocked_at=bot.clock.now))
        await session.commit()
    await chat.send("/nearby")
    async with sessionmaker() as session:
        user = await session.get(User, 2005)
        assert user is not None and user.blocked_at is None


async def test_a_shown_page_follows_the_clock(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A page shown again is not a stale copy: days left move on at midnight, and a campaign
    that has ended leaves the list."""
    await seed_saint_lo(bot, sessionmaker)
    ends_soon = campaign(
        bot.clock.now, title="Vente flash", ends_at=bot.clock.now + timedelta(hours=2)
    )
    await add_campaigns(sessionmaker, ends_soon)
    chat = bot.chat(2006)
    await onboard(chat)
    first = (await chat.send("/nearby"))[-1]["text"]
    assert "Exp3D" in first and chat.t("time.days_left", n=5, days=5) in first
    assert "Vente flash" in first
    assert (await chat.send("/nearby"))[-1]["text"] == first

    bot.clock.now += timedelta(hours=3)  # the same day; the flash sale is over
    same_day = (await chat.send("/nearby"))[-1]["text"]
    assert "Vente flash" not in same_day and "Exp3D" in same_day
    bot.clock.now -= timedelta(hours=3)

    bot.clock.now += timedelta(days=1)
    next_day = (await chat.send("/nearby"))[-1]["text"]
    assert "Exp3D" in next_day and chat.t("time.days_left", n=4, days=4) in next_day

    bot.clock.now += timedelta(days=5)  # Exp3D ended a day ago
    later = (await chat.send("/nearby"))[-1]["text"]
    assert "Exp3D" not in later and "Le rythme des maux" in later

    bot.clock.now -= timedelta(days=6)  # a clock set back is not served a later page
    assert "Vente flash" in (await chat.send("/nearby"))[-1]["text"]
