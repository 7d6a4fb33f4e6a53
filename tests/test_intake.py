"""How updates come in: one chat in order, writes committed before the bot waits on Telegram,
and nothing acknowledged lost when the bot is stopped or killed under load."""

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select

from bot.devtools.fakeapi import FakeBotAPI
from storage.db import create_engine, create_sessionmaker
from storage.models import User
from tests.e2e import TOKEN, Harness, plain

ROOT = Path(__file__).resolve().parent.parent
SECRET = "intake-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def located(db_url: str, user_ids: list[int]) -> set[int]:
    """The users among `user_ids` whose place the database holds (read from a connection of
    its own, as another process would)."""
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            query = select(User.id).where(User.id.in_(user_ids), User.lat.is_not(None))
            return set((await session.scalars(query)).all())
    finally:
        await engine.dispose()


async def test_a_chats_updates_are_handled_in_order(harness: Harness) -> None:
    """A place then /nearby, in one batch, with Telegram answering in 50 ms: /nearby is handled
    after the place is stored, so it lists campaigns instead of asking where the user lives."""
    chat = harness.chat(501)
    await chat.send("/start")
    harness.fake.faults.latency = 0.05
    before = len(chat.messages)
    harness.fake.send_text(501, "Tours")
    harness.fake.send_text(501, "/nearby")
    await harness.processed(harness.fake.last_update_id)
    texts = [plain(m["text"]) for m in chat.messages[before:]]
    assert texts[0] == chat.t("place.saved", place="Tours")
    assert chat.t("place.ask") not in texts
    assert len(texts) == 4  # saved, the consent question, the radius question, then the list
    assert texts[-1] == chat.t("nearby.empty", radius=25)


async def test_a_write_is_committed_before_the_bot_waits_on_telegram(
    harness: Harness, db_url: str
) -> None:
    """While the reply to a place is on its way to Telegram (2 s here), the place is already in
    the database: no transaction is open across the round trip, and the reply tells what was
    kept."""
    chat = harness.chat(502)
    await chat.send("/start")
    # Three replies (saved, the consent question, the radius) must fit the harness's 10 s wait.
    harness.fake.faults.latency = 2.0
    harness.fake.send_text(502, "Tours")
    for _ in range(100):
        if await located(db_url, [502]):
            break
        await asyncio.sleep(0.02)
    assert await located(db_url, [502]) == {502}
    saved = chat.t("place.saved", place="Tours")
    assert saved not in [plain(m["text"]) for m in chat.messages]  # still on its way
    await harness.processed(harness.fake.last_update_id)
    assert saved in [plain(m["text"]) for m in chat.messages]


# --- the real `python -m bot run` stopped or killed under load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "R", "language_code": "fr"}
    message: dict[str, Any] = {
        "message_id": update_id,
        "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": "R"},
        "date": 1_790_000_000,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


def journeys(users: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each user's updates, in order: /start, then a place."""
    ids = iter(range(1, 10 * len(users) + 1))
    return {
        user: [text_update(next(ids), user, "/start"), text_update(next(ids), user, "Tours")]
        for user in users
    }


class Telegram:
    """Feeds the webhook as Telegram does: a chat's next update only after the previous one
    was answered 200, at most 40 requests at once; what is not answered 200 is kept to be sent
    again."""

    def __init__(self, port: int, signal_after: int = 0) -> None:
        self.url = f"http://127.0.0.1:{port}/hook"
        self.acknowledged: list[dict[str, Any]] = []
        self.slots = asyncio.Semaphore(40)
        self.signal_after = signal_after
        self.far_enough = asyncio.Event()  # set once `signal_after` updates are acknowledged

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
        async with self.slots:
            try:
                async with http.post(
                    self.url, json=update, headers={SECRET_HEADER: SECRET}
                ) as response:
                    ok = response.status == 200
            except (TimeoutError, aiohttp.ClientError):
                ok = False
        if ok:
            self.acknowledged.append(update)
            if len(self.acknowledged) >= self.signal_after:
                self.far_enough.set()
        return ok

    async def feed(
        self, queues: dict[int, list[dict[str, Any]]], until: float, retry: bool
    ) -> None:
        """Send every queue in order; a chat stops at its first update not acknowledged
        (unless `retry`, then it is sent again until acknowledged or `until`)."""
        loop = asyncio.get_running_loop()
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def chat(queue: list[dict[str, Any]]) -> None:
                while queue and loop.time() < until:
                    if await self.post(http, queue[0]):
                        queue.pop(0)
                    elif retry:
                        await asyncio.sleep(0.2)
                    else:
                        return

            await asyncio.gather(*(chat(queue) for queue in queues.values()))


async def start_bot(fake: FakeBotAPI, db_url: str, port: int, workdir: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": db_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for _attempt in range(600):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the bot never served its webhook")


def replies_saved(fake: FakeBotAPI, user: int, text: str) -> int:
    return sum(1 for m in fake.sent_to(user) if plain(m.get("text", "")) == text)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
async def test_stopped_under_load_the_bot_loses_no_acknowledged_update(
    db_url: str, tmp_path: Path, i18n: I18n, stop: signal.Signals
) -> None:
    """200 residents give their place through the webhook (Telegram answering in 50 ms); the
    bot is stopped (SIGTERM) or killed (kill -9) mid-way. Every update answered 200 is in the
    database with its reply sent; what was not answered 200 is sent again by Telegram to the
    next process, and then every resident's place is kept."""
    users = list(range(1_000, 1_200))
    queues = journeys(users)
    saved = plain(i18n.gettext("place.saved", locale="fr").format(place="Tours"))
    loop = asyncio.get_running_loop()
    async with FakeBotAPI(TOKEN) as fake:
        fake.faults.latency = 0.05
        port = free_port()
        process = await start_bot(fake, db_url, port, tmp_path)
        telegram = Telegram(port, signal_after=300)  # of 400: every /start and some places
        feeding = asyncio.create_task(telegram.feed(queues, loop.time() + 60, retry=False))
        await asyncio.wait_for(telegram.far_enough.wait(), 60)
        process.send_signal(stop)
        code = await asyncio.wait_for(process.wait(), 60)
        await feeding
        assert process.stderr is not None
        log = (await process.stderr.read()).decode()
        if stop == signal.SIGTERM:
            assert code == 0, log
            assert "Traceback" not in log, log
        places = [u for u in telegram.acknowledged if u["message"]["text"] == "Tours"]
        placed = {u["message"]["chat"]["id"] for u in places}
        assert placed and await located(db_url, users) >= placed
        assert all(replies_saved(fake, user, saved) == 1 for user in placed)
        assert any(queues.values()), "the stop came after the last update: it proved nothing"

        process = await start_bot(fake, db_url, port, tmp_path)  # Telegram sends the rest again
        try:
            await telegram.feed(queues, loop.time() + 60, retry=True)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 60)
    assert not any(queues.values())
    assert await located(db_url, users) == set(users)
