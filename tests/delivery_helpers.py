"""Shared pieces of the delivery tests: users, queued rows, a worker on the fake Bot API."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import DeliveryWorker
from bot.settings import Settings
from storage.models import Outbox, User
from storage.repo import outbox
from tests.e2e import TOKEN, FakeClock


class SkipClock(FakeClock):
    """A clock that injected sleeps move forward, so backoff and pauses take no real time."""

    def __init__(self, now: datetime | None = None) -> None:
        super().__init__() if now is None else super().__init__(now)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


async def add_users(session: AsyncSession, ids: list[int], **prefs: Any) -> None:
    now = datetime(2026, 1, 1).astimezone()
    rows = [{"id": i, "radius_km": 25, "created_at": now, "updated_at": now, **prefs} for i in ids]
    await session.execute(insert(User), rows)
    await session.commit()


async def queue(
    session: AsyncSession,
    user_id: int,
    key: str,
    text: str,
    now: datetime,
    kind: str = "text",
    not_before: datetime | None = None,
    due_at: datetime | None = None,
) -> None:
    await outbox.enqueue(
        session,
        user_id=user_id,
        kind=kind,
        dedup_key=key,
        content={"text": text},
        due_at=due_at or now,
        not_before=not_before or now,
    )
    await session.commit()


async def rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.id)))


def settings_for(base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": base_url,
        "delivery_rate": 500.0,
        "delivery_request_timeout": 2.0,
        "delivery_idle_seconds": 3600.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_worker(
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    settings: Settings,
    clock: SkipClock,
) -> DeliveryWorker:
    return DeliveryWorker(bot, sessionmaker, i18n, settings, clock=clock, sleep=clock.sleep)
