"""The delivery worker against the fake Bot API: grouping, answers, toggles, grace, dedup."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI, FaultConfig
from bot.factory import create_bot
from storage.models import Outbox, User
from storage.repo import claims, outbox
from tests.delivery_helpers import SkipClock, add_users, make_worker, queue, rows, settings_for
from tests.e2e import TOKEN, plain


@dataclass
class Env:
    fake: FakeBotAPI
    bot: Bot
    clock: SkipClock
    worker: DeliveryWorker
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n

    def sends(self, chat_id: int | None = None) -> list[dict]:
        calls = self.fake.calls_of("sendMessage")
        return [c.params for c in calls if chat_id is None or c.params["chat_id"] == chat_id]


@pytest.fixture
async def env(sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n) -> AsyncIterator[Env]:
    fake = FakeBotAPI(TOKEN)
    await fake.start()
    settings = settings_for(fake.base_url)
    bot = create_bot(settings)
    clock = SkipClock()
    worker = make_worker(bot, sessionmaker, i18n, settings, clock)
    yield Env(fake, bot, clock, worker, sessionmaker, i18n)
    await bot.session.close()
    await fake.stop()


async def test_enqueue_dedup(session: AsyncSession) -> None:
    await add_users(session, [1])
    now = SkipClock().now
    row = {
        "user_id": 1,
        "kind": "text",
        "dedup_key": "milestone:50:7:1",
        "content": {"text": "a"},
        "due_at": now,
        "not_before": now,
    }
    assert await outbox.enqueue(session, **row) is True
    assert await outbox.enqueue(session, **row) is False
    more = [row, {**row, "dedup_key": "k2"}, {**row, "dedup_key": "k3", "campaign_id": None}]
    assert await outbox.enqueue_many(session, more) == 2
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Outbox)) == 3


async def test_rows_due_together_go_as_one_message(env: Env) -> None:
    now = env.clock.now
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2, 4])
        await add_users(session, [3], locale="en")
        for n in range(3):
            await queue(session, 1, f"a{n}", f"item <b>{n}</b>", now - timedelta(minutes=n))
        await queue(session, 2, "b", "alone", now)
        await queue(session, 3, "c1", "one", now)
        await queue(session, 3, "c2", "two", now, kind="news")
        await queue(session, 4, "later", "later", now, not_before=now + timedelta(hours=1))
    await env.worker.run(until_empty=True)

    header = env.i18n.gettext("notify.group_header", locale="fr").format(count=3)
    [first] = env.sends(1)
    assert first["text"] == "\n\n".join([header, "item <b>2</b>", "item <b>1</b>", "item <b>0</b>"])
    assert [m["text"] for m in env.sends(2)] == ["alone"]
    assert [m["text"] for m in env.sends(4)] == ["later"]
    [third] = env.sends(3)
    en_header = env.i18n.gettext("notify.group_header", locale="en").format(count=2)
    assert plain(third["text"]) == plain(f"{en_header}\n\none\n\ntwo")
    assert {(r.status, r.attempts) for r in await rows(env.sessionmaker)} == {("sent", 1)}
    assert sum(env.clock.slept) == 3600  # it waited (injected, 5 s at a time) for the later row


async def test_blocked_user_gets_nothing_more(env: Env) -> None:
    now = env.clock.now
    env.fake.faults = FaultConfig(blocked_chats={1})
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "a", "first", now)
        await queue(session, 2, "b", "other", now)
        await queue(session, 1, "c", "second", now, not_before=now + timedelta(minutes=5))
    await env.worker.run(until_empty=True)

    assert len(env.sends(1)) == 1  # the 403; the later row went without a call
    assert [m["text"] for m in env.sends(2)] == ["other"]
    statuses = {r.dedup_key: (r.status, r.last_error) for r in await rows(env.sessionmaker)}
    assert statuses["a"][0] == statuses["c"][0] == "blocked"
    assert "blocked" in (statuses["a"][1] or "")
    assert statuses["b"] == ("sent", None)
    async with env.sessionmaker() as session:
        user = await session.get(User, 1)
        assert user is not None and user.blocked_at == now


async def test_chat_not_found_and_other_400_are_final(env: Env) -> None:
    now = env.clock.now
    env.fake.faults = FaultConfig(missing_chats={1})
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "a", "hello", now)
        await queue(session, 2, "b", "<b>broken", now)  # Telegram rejects the HTML
    await env.worker.run(until_empty=True)

    by_key = {r.dedup_key: r for r in await rows(env.sessionmaker)}
    assert (by_key["a"].status, by_key["a"].attempts) == ("failed", 1)
    assert "chat not found" in (by_key["a"].last_error or "")
    assert by_key["b"].status == "failed" and "parse entities" in (by_key["b"].last_error or "")
    assert len(env.sends()) == 2


async def test_server_errors_are_retried_with_backoff(env: Env) -> None:
    now = env.clock.now
    env.fake.faults = FaultConfig(fail_chats={1: 2, 2: 99})
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "a", "hello", now)
        await queue(session, 2, "b", "never", now)
    await env.worker.run(until_empty=True)

    by_key = {r.dedup_key: r for r in await rows(env.sessionmaker)}
    assert (by_key["a"].status, by_key["a"].attempts) == ("sent", 3)
    assert env.fake.delivered[1] == ["hello"]
    assert (by_key["b"].status, by_key["b"].attempts) == ("failed", 5)
    assert "gave up after 5 attempts" in (by_key["b"].last_error or "")
    assert 2 not in env.fake.delivered
    # Backoff 5, 10, 20, 40 s (base 5, doubling), waited on the injected clock.
    assert round(sum(env.clock.slept)) == 5 + 10 + 20 + 40


async def test_429_pauses_everything_then_delivers(env: Env) -> None:
    now = env.clock.now
    env.fake.faults = FaultConfig(global_rate=1, retry_after=3)
    pauses: list[float] = []
    skip = env.clock.sleep

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        env.fake.faults.global_rate = None  # the window went by
        await skip(seconds)

    env.worker.sleep = sleep
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "a", "one", now)
        await queue(session, 2, "b", "two", now)
    await env.worker.run(until_empty=True)

    assert env.fake.stats["429"] == 1 and env.worker.stats["429"] == 1
    assert pauses and pauses[0] == 3
    assert env.fake.delivered == {1: ["one"], 2: ["two"]}
    assert {(r.status, r.attempts) for r in await rows(env.sessionmaker)} == {("sent", 1)}


async def test_turned_off_kinds_are_skipped(env: Env) -> None:
    now = env.clock.now
    async with env.sessionmaker() as session:
        await add_users(session, [1], notify_news=False, notify_announcements=False)
        await queue(session, 1, "n", "news", now, kind="news")
        await queue(session, 1, "a", "announce", now, kind="announcement")
        await queue(session, 1, "t", "always", now)
    await env.worker.run(until_empty=True)

    assert env.fake.delivered == {1: ["always"]}
    statuses = {r.dedup_key: (r.status, r.attempts) for r in await rows(env.sessionmaker)}
    assert statuses == {"n": ("skipped", 0), "a": ("skipped", 0), "t": ("sent", 1)}


async def test_grace_exceeded_is_missed_but_digest_delay_is_not(env: Env) -> None:
    now = env.clock.now
    async with env.sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "old", "stale", now, not_before=now - timedelta(hours=7))
        # Due 10 h ago but held for the digest until 1 h ago: not late.
        await queue(
            session,
            2,
            "digest",
            "fresh",
            now,
            due_at=now - timedelta(hours=10),
            not_before=now - timedelta(hours=1),
        )
    await env.worker.run(until_empty=True)

    assert env.fake.delivered == {2: ["fresh"]}
    statuses = {r.dedup_key: r.status for r in await rows(env.sessionmaker)}
    assert statuses == {"old": "missed", "digest": "sent"}


async def test_recover_requeues_rows_left_in_flight_once_their_lease_ends(env: Env) -> None:
    now = env.clock.now
    async with env.sessionmaker() as session:
        await add_users(session, [1])
        await queue(session, 1, "a", "hello", now)
        claimed = await claims.claim_due(session, now, 10)
        await session.commit()
    assert [r.status for r in claimed] == ["sending"]
    assert await env.worker.recover() == 0  # another worker's live claim: left alone
    env.clock.now += env.worker.lease + timedelta(seconds=1)
    assert await env.worker.recover() == 1  # its worker is gone
    await env.worker.run(until_empty=True)
    assert env.fake.delivered == {1: ["hello"]}


async def test_long_running_worker_wakes_up_and_stops(env: Env) -> None:
    env.worker.sleep = asyncio.sleep  # real idling: only wake() can make it look again soon
    task = asyncio.create_task(env.worker.run())
    await asyncio.sleep(0.05)  # idle now, for up to an hour
    async with env.sessionmaker() as session:
        await add_users(session, [1])
        await queue(session, 1, "a", "woken", env.clock.now)
    env.worker.wake()
    await env.fake.wait_for(lambda: env.fake.delivered.get(1), timeout=2)
    env.worker.stop()
    await asyncio.wait_for(task, 2)
    assert env.fake.delivered == {1: ["woken"]}
    assert [r.status for r in await rows(env.sessionmaker)] == ["sent"]
