"""Webhook mode: the aiohttp app checks Telegram's secret token and answers /healthz."""

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Dispatcher
from aiogram.utils.i18n import I18n
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, update_runner, webhook_application
from bot.devtools.fakeapi import FakeBotAPI
from bot.domain.gazetteer import Gazetteer
from bot.factory import create_bot, create_dispatcher
from bot.settings import Settings
from bot.ui.callbacks import RadiusPick
from storage.db import create_engine, create_sessionmaker
from storage.repo import users
from tests.e2e import TOKEN, plain
from tests.test_shutdown import read_until

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-token_1"
HOOK = "/telegram/hook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    update = text_update(update_id, user_id, "/start")
    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    return update


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Alice", "language_code": "fr"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": user_id, "type": "private", "first_name": "Alice"},
            "date": 1_790_000_000,
            "text": text,
        },
    }


@pytest.fixture
async def webhook(
    db_url: str, gazetteer: Gazetteer, i18n: I18n
) -> AsyncIterator[tuple[TestClient[Any, Any], FakeBotAPI]]:
    async with FakeBotAPI(TOKEN) as fake:
        settings = Settings(
            bot_token=TOKEN,
            telegram_api_url=fake.base_url,
            database_url=db_url,
            webhook_url=f"https://bot.example.org{HOOK}",
            webhook_secret=SECRET,
            _env_file=None,
        )
        engine = create_engine(db_url)
        dispatcher = create_dispatcher(settings, create_sessionmaker(engine), gazetteer, i18n)
        app = App(settings, engine, i18n, create_bot(settings), dispatcher)
        runner = update_runner(app)
        async with TestClient(TestServer(webhook_application(app, SECRET, runner))) as client:
            yield client, fake
        await app.close()


async def test_update_with_the_secret_is_handled(
    webhook: tuple[TestClient[Any, Any], FakeBotAPI], i18n: I18n
) -> None:
    client, fake = webhook
    response = await client.post(HOOK, json=start_update(1, 42), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert await response.read() == b""  # no button pressed: no method rides on the 200
    # A 200 means handled: the reply is at Telegram already, with no waiting. One message:
    # the greeting and the place question, with the place keyboard.
    greeting = i18n.gettext("start.greeting", locale="fr")
    place_ask = i18n.gettext("place.ask", locale="fr")
    assert [m["text"] for m in fake.sent_to(42)] == [plain(f"{greeting}\n\n{place_ask}")]
    assert fake.reply_keyboards[42]["keyboard"][0][0]["request_location"] is True


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}])
async def test_update_without_the_secret_is_rejected(
    webhook: tuple[TestClient[Any, Any], FakeBotAPI], headers: dict[str, str]
) -> None:
    client, fake = webhook
    response = await client.post(HOOK, json=start_update(1, 41), headers=headers)
    assert response.status == 401
    # The same update with the secret is answered: so the rejected one was never handled.
    await client.post(HOOK, json=start_update(2, 42), headers={SECRET_HEADER: SECRET})
    await fake.wait_for(lambda: fake.sent_to(42))
    assert fake.sent_to(41) == []
    assert [c for c in fake.calls if c.params.get("chat_id") == 41] == []


async def test_a_button_is_answered_in_the_webhook_response(
    webhook: tuple[TestClient[Any, Any], FakeBotAPI], i18n: I18n, db_url: str
) -> None:
    """A press's answerCallbackQuery rides on the 200 for Telegram to carry out (no request of
    the bot's own), after what the press changed was stored and shown; a stale press's alert
    too."""
    client, fake = webhook
    headers = {SECRET_HEADER: SECRET}
    for update in (start_update(1, 42), text_update(2, 42, "Saint-Lô")):
        assert (await client.post(HOOK, json=update, headers=headers)).status == 200
    [radius_question] = [m for m in fake.sent_to(42) if "r:10" in str(m.get("reply_markup"))]
    query = fake.callback_query(42, radius_question["message_id"], RadiusPick(km=10).pack())
    response = await client.post(
        HOOK, json={"update_id": 3, "callback_query": query}, headers=headers
    )
    assert response.status == 200
    assert await response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": query["id"],
        "text": i18n.gettext("radius.saved", locale="fr").format(radius=10),
    }
    assert fake.calls_of("answerCallbackQuery") == []
    nearby = i18n.gettext("nearby.empty", locale="fr").format(radius=10)  # no campaign here
    assert fake.sent_to(42)[-1]["text"] == plain(nearby)
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as session:
        user = await users.get(session, 42)
        assert user is not None and user.radius_km == 10
    await engine.dispose()

    stale = fake.callback_query(42, radius_question["message_id"], "r:999", strict=False)
    response = await client.post(
        HOOK, json={"update_id": 4, "callback_query": stale}, headers=headers
    )
    assert response.status == 200
    body = await response.json()
    assert (body["method"], body["callback_query_id"], body["show_alert"]) == (
        "answerCallbackQuery", stale["id"], True,
    )  # fmt: skip
    assert body["text"] == i18n.gettext("stale", locale="fr")


async def test_healthz(webhook: tuple[TestClient[Any, Any], FakeBotAPI]) -> None:
    client, _fake = webhook
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"ok": True, "database": "ok"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_serves_the_webhook_when_webhook_url_is_set(tmp_path: Path) -> None:
    """`python -m bot run` with WEBHOOK_URL: registers the webhook and serves it."""
    port = free_port()
    async with FakeBotAPI(TOKEN) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "WEBHOOK_URL": f"http://127.0.0.1:{port}{HOOK}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            [registered] = await fake.wait_for_calls("setWebhook", timeout=60)
            assert registered.params["url"] == env["WEBHOOK_URL"]
            assert registered.params["secret_token"] == SECRET
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
                for _attempt in range(100):  # the site starts right after setWebhook
                    try:
                        async with http.get("/healthz") as response:
                            assert response.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                else:
                    pytest.fail("the webhook server never answered /healthz")
                async with http.post(HOOK, json=start_update(1, 41)) as response:
                    assert response.status == 401
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b'"just a string"', b'{"update_id": "x"}', b"[1, 2]"],
    ids=["malformed", "not-utf8", "a-string", "bad-id", "a-list"],
)
async def test_a_body_that_is_not_an_update_gets_400(
    webhook: tuple[TestClient[Any, Any], FakeBotAPI], body: bytes
) -> None:
    """Telegram retries anything but 200 forever: a body that can never be handled gets 400,
    with the secret right, and nothing is sent."""
    client, fake = webhook
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    response = await client.post(HOOK, data=body, headers=headers)
    assert response.status == 400
    assert fake.calls_of("sendMessage") == []


async def test_healthz_says_when_the_database_fails(gazetteer: Gazetteer, i18n: I18n) -> None:
    """A database out of reach: /healthz answers 503 and says what failed."""
    url = f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none"  # nothing listens there
    settings = Settings(bot_token=TOKEN, database_url=url, _env_file=None)
    engine = create_engine(url)
    app = App(settings, engine, i18n, create_bot(settings), Dispatcher())
    async with TestClient(
        TestServer(webhook_application(app, SECRET, update_runner(app)))
    ) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
        assert body["ok"] is False and body["database"] not in ("ok", "", None)
    await app.bot.session.close()
    await engine.dispose()


async def test_run_waits_for_an_unreachable_bot_api(tmp_path: Path) -> None:
    """`python -m bot run` while the Bot API is out of reach: it says so and retries, then
    polls once the API answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        log = await asyncio.wait_for(read_until(process.stderr, "Bot API is unreachable"), 60)
        assert "Traceback" not in log
        assert process.returncode is None
        fake = FakeBotAPI(TOKEN)
        await fake.start(port=port)
        try:
            fake.send_text(7, "/start")  # answered once the bot polls
            await fake.wait_for(lambda: len(fake.sent_to(7)) >= 1, timeout=90)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
            await fake.stop()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
