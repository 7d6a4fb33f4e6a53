"""Benchmark: /nearby updates through the real dispatcher, against a bare aiogram echo handler.

Both run in this process with a fake Bot session (no network): the same Update objects go
through `Dispatcher.feed_update`. The /nearby side is the production dispatcher (middlewares,
session per update, the user, i18n, the nearby page of 50,000 campaigns, rendering), with its
campaign index loaded as at start-up. The updates come from 2,000 users drawn at random, so
most users' first update of the run (about 1,800 of the 5,000) finds them not yet in memory.
Prints {"nearby_per_s", "echo_per_s", "ratio", ...} on its last line.
Goal: >= 1,000 /nearby updates per second on SQLite with 50,000 campaigns.
"""

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.filters import Command
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message, Update, User
from common import bench_url, seed
from sqlalchemy import select
from sqlalchemy import update as update_rows

from bot.app import freeze_start_up_objects
from bot.domain.gazetteer import Gazetteer
from bot.factory import create_dispatcher
from bot.i18n import create_i18n
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.models import User as DbUser

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class NullSession(BaseSession):
    """Answers every API call at once, as Telegram would, without any network."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        self.requests += 1
        chat_id = getattr(method, "chat_id", 0)
        return Message(
            message_id=self.requests,
            date=NOW,
            chat=Chat(id=chat_id, type="private"),
            text=getattr(method, "text", ""),
        )

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def close(self) -> None:
        pass


def updates(user_ids: list[int], count: int, text: str) -> list[Update]:
    rng = random.Random(3)
    result = []
    for index in range(count):
        user_id = rng.choice(user_ids)
        user = User(id=user_id, is_bot=False, first_name="A", language_code="fr")
        message = Message(
            message_id=index,
            date=NOW,
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            text=text,
        )
        result.append(Update(update_id=index, message=message))
    return result


async def rate(dp: Dispatcher, bot: Bot, batch: list[Update]) -> float:
    for update in batch[:200]:  # warm-up
        await dp.feed_update(bot, update)
    started = time.perf_counter()
    for update in batch:
        await dp.feed_update(bot, update)
    return len(batch) / (time.perf_counter() - started)


async def measure(url: str, count: int) -> dict[str, Any]:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    settings = Settings(database_url=url, _env_file=None)
    dp = create_dispatcher(
        settings, sessionmaker, Gazetteer.load(), create_i18n("fr"), clock=lambda: NOW
    )
    session = NullSession()
    bot = Bot("42:BENCH", session=session)
    async with sessionmaker() as db:
        # Residents as they stand since the consent question came with the place (#12): asked
        # once already. The question a resident from before gets at one /nearby (a message and
        # a write, once in their life) is not the listing this bench measures.
        await db.execute(update_rows(DbUser).values(consent_at=NOW))
        await db.commit()
        user_ids = list((await db.scalars(select(DbUser.id).limit(2_000))).all())
        await dp["read_models"].refresh(db)  # the campaign index, loaded at start-up as `run` does

    echo = Dispatcher()

    async def on_echo(message: Message) -> None:
        await message.answer(message.text or "")

    echo.message.register(on_echo, Command("nearby"))
    freeze_start_up_objects()  # as `python -m bot run` does before polling (index included)

    nearby_per_s = await rate(dp, bot, updates(user_ids, count, "/nearby"))
    nearby_requests = session.requests
    echo_per_s = await rate(echo, bot, updates(user_ids, count, "/nearby"))
    await engine.dispose()
    assert nearby_requests >= count, "the /nearby handler did not answer every update"
    return {
        "updates": count,
        "nearby_per_s": round(nearby_per_s),
        "echo_per_s": round(echo_per_s),
        "ratio": round(nearby_per_s / echo_per_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=5_000)
    args = parser.parse_args()
    url = bench_url("updates")
    asyncio.run(seed(url, args.campaigns, args.users))
    figures = asyncio.run(measure(url, args.updates))
    print(json.dumps({"campaigns": args.campaigns, **figures}))


if __name__ == "__main__":
    main()
