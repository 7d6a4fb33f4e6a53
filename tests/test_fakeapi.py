"""The fake Bot API answers aiogram like Telegram does: objects, errors, limits and faults."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
)
from aiohttp import ClientSession

from bot.devtools.fakeapi import FakeBotAPI, FaultConfig

CHAT = 42


class _QuickSession(AiohttpSession):
    """AiohttpSession.close() sleeps 250 ms for TLS; there is no TLS here."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    session = _QuickSession(api=TelegramAPIServer.from_base(fake.base_url))
    bot = Bot(fake.token, session=session)
    yield bot
    await session.close()


@pytest.fixture
async def http(fake: FakeBotAPI) -> AsyncIterator[ClientSession]:
    async with ClientSession(base_url=fake.base_url) as client:
        yield client


def _keyboard(*datas: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=d.upper(), callback_data=d) for d in datas]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def _dump(obj: TelegramObject | None) -> dict[str, Any]:
    # aiogram objects carry their bot, so compare their data, not the objects.
    assert obj is not None
    return obj.model_dump(exclude_none=True)


async def test_get_me_describes_the_bot(bot: Bot, fake: FakeBotAPI) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "fake_bot")
    assert [c.outcome for c in fake.calls_of("getMe")] == ["ok"]


async def test_send_then_edit_keeps_the_current_state(bot: Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "first", reply_markup=_keyboard("a", "b"))
    edited = await bot.edit_message_text("second", chat_id=CHAT, message_id=sent.message_id)

    assert sent.message_id == 1
    assert sent.from_user is not None and sent.from_user.is_bot
    assert _dump(sent.reply_markup) == _dump(_keyboard("a", "b"))
    assert not isinstance(edited, bool) and edited.text == "second"
    assert edited.reply_markup is None  # Telegram drops the keyboard when the edit omits it
    assert [m["text"] for m in fake.sent_to(CHAT)] == ["second"]
    assert fake.calls_of("sendMessage")[0].params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]
        ]
    }


async def test_edit_markup_then_identical_edits_are_refused(bot: Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=_keyboard("a"))
    await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=sent.message_id, reply_markup=_keyboard("b")
    )

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "pick", chat_id=CHAT, message_id=sent.message_id, reply_markup=_keyboard("b")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=99)
    assert fake.last_message(CHAT) is not None
    assert fake.last_message(CHAT)["reply_markup"] == _dump(_keyboard("b"))
    assert [c.outcome for c in fake.calls_of("editMessageText")] == ["400", "400"]


async def test_long_poll_returns_an_injected_command_at_once(bot: Bot, fake: FakeBotAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    fake.send_text(7, "/start promo", language_code="en", username="alice")

    updates = await asyncio.wait_for(poll, 1.0)

    assert time.monotonic() - started < 0.5
    message = updates[0].message
    assert message is not None and message.text == "/start promo"
    assert message.from_user is not None and message.from_user.language_code == "en"
    assert message.entities is not None and message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start")
    matched = await Command("start").__call__(message, bot)
    assert isinstance(matched, dict) and isinstance(matched["command"], CommandObject)
    assert matched["command"].args == "promo"
    assert await bot.get_updates(offset=updates[0].update_id + 1) == []


async def test_location_and_callback_updates_parse(bot: Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "where?", reply_markup=_keyboard("near"))
    fake.send_location(CHAT, 48.85, 2.35)
    query_id = fake.press_button(CHAT, sent.message_id, "near")

    location_update, callback_update = await bot.get_updates(timeout=1)

    assert location_update.message is not None and location_update.message.location is not None
    assert location_update.message.location.latitude == pytest.approx(48.85)
    query = callback_update.callback_query
    assert query is not None and (query.id, query.data) == (query_id, "near")
    assert query.message is not None and query.message.message_id == sent.message_id
    assert _dump(query.message.reply_markup) == _dump(_keyboard("near"))
    assert await bot.answer_callback_query(query.id, text="ok") is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(LookupError):
        fake.press_button(CHAT, sent.message_id, "forged")


async def test_empty_long_poll_waits_for_its_timeout(fake: FakeBotAPI, http: ClientSession) -> None:
    started = time.monotonic()
    async with http.get(f"/bot{fake.token}/getUpdates", params={"timeout": "0.2"}) as resp:
        body = await resp.json()

    assert body == {"ok": True, "result": []}
    assert 0.15 < time.monotonic() - started < 1.0


async def test_unsubscribed_update_types_are_dropped(bot: Bot, fake: FakeBotAPI) -> None:
    fake.send_text(CHAT, "hello")
    fake.send_update({"my_chat_member": {"whatever": True}})

    updates = await bot.get_updates(allowed_updates=["message"])

    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert len(updates) == 1


async def test_per_chat_rate_answers_429_with_retry_after(bot: Bot, fake: FakeBotAPI) -> None:
    fake.faults.per_chat_rate = 1.0

    await bot.send_message(CHAT, "one")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "two")
    await bot.send_message(CHAT + 1, "other chat")

    assert caught.value.retry_after == 1
    assert fake.delivered == {CHAT: ["one"], CHAT + 1: ["other chat"]}
    assert fake.stats == {"ok": 2, "429": 1}


async def test_global_rate_and_paid_broadcast(bot: Bot, fake: FakeBotAPI) -> None:
    fake.faults = FaultConfig(global_rate=2, retry_after=3)

    for chat in (1, 2):
        await bot.send_message(chat, "hi")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(3, "hi")
    await bot.send_message(3, "hi", allow_paid_broadcast=True)

    assert caught.value.retry_after == 3
    assert sorted(fake.delivered) == [1, 2, 3]
    assert fake.calls_of("sendMessage")[-1].params["allow_paid_broadcast"] is True


async def test_blocked_and_missing_chats(bot: Bot, fake: FakeBotAPI) -> None:
    fake.faults.blocked_chats.add(5)
    fake.faults.missing_chats.add(6)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(5, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(6, "hi")

    assert fake.stats == {"403": 1, "400": 1}
    assert fake.delivered == {}


async def test_server_errors_and_timeouts_are_not_delivered(bot: Bot, fake: FakeBotAPI) -> None:
    fake.faults = FaultConfig(fail_chats={CHAT: 1}, seed=1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(CHAT, "lost")
    await bot.send_message(CHAT, "kept")

    fake.faults = FaultConfig(timeout_rate=1.0, timeout_delay=0.1)
    with pytest.raises(TelegramServerError, match="Gateway Timeout"):
        await bot.send_message(CHAT, "hanging")

    assert fake.delivered == {CHAT: ["kept"]}
    assert fake.stats == {"5xx": 1, "ok": 1, "timeout": 1}


async def test_random_faults_are_reproducible_with_a_seed(bot: Bot, fake: FakeBotAPI) -> None:
    async def outcomes() -> list[str]:
        fake.faults = FaultConfig(error_rate=0.5, seed=7)
        start = len(fake.calls)
        for i in range(10):
            with contextlib.suppress(TelegramServerError):
                await bot.send_message(CHAT, f"n{i}")
        return [c.outcome for c in fake.calls[start:]]

    first = await outcomes()

    assert first == await outcomes()
    assert {"ok", "5xx"} == set(first)


async def test_latency_delays_each_answer_without_blocking_others(
    bot: Bot, fake: FakeBotAPI
) -> None:
    fake.faults.latency = 0.05
    sent_at = time.monotonic()
    await bot.send_message(CHAT, "one")
    single = time.monotonic() - sent_at

    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(CHAT + i, "many") for i in range(1, 6)))
    together = time.monotonic() - started

    assert single >= 0.05
    assert 0.05 <= together < 0.15  # the five calls waited at the same time, not one by one
    arrived = fake.calls_of("sendMessage")[0].at
    assert sent_at <= arrived < sent_at + 0.05  # recorded when it came in, not when answered
    assert fake.delivered[CHAT] == ["one"]


async def test_send_document_records_the_upload(bot: Bot, fake: FakeBotAPI) -> None:
    upload = BufferedInputFile(b"id;name\n1;Alice\n", filename="export.csv")

    sent = await bot.send_document(CHAT, upload, caption="<b>Export</b>", parse_mode="HTML")
    assert sent.document is not None
    again = await bot.send_document(CHAT + 1, sent.document.file_id)

    recorded = fake.calls_of("sendDocument")[0].params["document"]
    assert (recorded.filename, recorded.content) == ("export.csv", b"id;name\n1;Alice\n")
    assert sent.document.file_name == "export.csv" and sent.document.file_size == 16
    assert sent.caption == "Export" and sent.caption_entities is not None
    assert again.document is not None and again.document.file_id == sent.document.file_id


async def test_html_is_parsed_like_telegram(bot: Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "  <b>Hi</b> &amp; <i>you</i>\n", parse_mode="HTML")

    assert sent.text == "Hi & you"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 0, 2),
        ("italic", 5, 3),
    ]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
    assert [m["text"] for m in fake.sent_to(CHAT)] == ["Hi & you"]


async def test_reply_keyboard_is_chat_state_not_message_markup(bot: Bot, fake: FakeBotAPI) -> None:
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share", request_location=True)]], resize_keyboard=True
    )

    sent = await bot.send_message(CHAT, "share?", reply_markup=keyboard)

    assert sent.reply_markup is None
    assert fake.reply_keyboards[CHAT]["keyboard"][0][0]["request_location"] is True


async def test_commands_are_stored_per_scope_and_language(bot: Bot, fake: FakeBotAPI) -> None:
    scope = BotCommandScopeChat(chat_id=CHAT)
    commands = [BotCommand(command="start", description="Commencer")]

    await bot.set_my_commands(commands, scope=scope, language_code="fr")

    stored = await bot.get_my_commands(scope=scope, language_code="fr")
    assert [_dump(c) for c in stored] == [_dump(c) for c in commands]
    assert await bot.get_my_commands() == []
    assert fake.commands_for({"type": "chat", "chat_id": CHAT}, "fr") == [
        {"command": "start", "description": "Commencer"}
    ]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])


async def test_wait_for_calls_wakes_on_the_bot_reaction(bot: Bot, fake: FakeBotAPI) -> None:
    async def react_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CHAT, "later")

    task = asyncio.create_task(react_later())
    calls = await fake.wait_for_calls("sendMessage", 1, timeout=2.0)
    await task

    assert calls[0].params == {"chat_id": CHAT, "text": "later"}
    with pytest.raises(TimeoutError):
        await fake.wait_for(lambda: fake.calls_of("deleteMessage"), timeout=0.05)


async def test_raw_http_errors_and_json_bodies(fake: FakeBotAPI, http: ClientSession) -> None:
    async with http.post(f"/bot{fake.token}/fooBar") as resp:
        assert (resp.status, await resp.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
        )
    async with http.post("/bot999:WRONG/getMe") as resp:
        assert resp.status == 401
    body = {"chat_id": "42", "text": "[json] 12", "reply_markup": '{"remove_keyboard": true}'}
    async with http.post(f"/bot{fake.token}/sendmessage", json=body) as resp:
        result = (await resp.json())["result"]

    assert result["chat"] == {"id": 42, "type": "private", "first_name": "User 42"}
    assert fake.calls_of("sendMessage")[0].params == {
        "chat_id": 42,
        "text": "[json] 12",
        "reply_markup": {"remove_keyboard": True},
    }


async def test_control_api_drives_a_conversation(
    bot: Bot, fake: FakeBotAPI, http: ClientSession
) -> None:
    async with http.post("/_fake/send_text", json={"user_id": 9, "text": "hello"}) as resp:
        assert (await resp.json())["result"]["text"] == "hello"
    updates = await bot.get_updates()
    sent = await bot.send_message(9, "hi Alice", reply_markup=_keyboard("go"))
    press = {"user_id": 9, "message_id": sent.message_id, "data": "go"}
    async with http.post("/_fake/press_button", json=press) as resp:
        query_id = (await resp.json())["result"]
    async with http.get("/_fake/calls", params={"since": "1"}) as resp:
        calls = await resp.json()
    async with http.get("/_fake/messages", params={"chat_id": "9"}) as resp:
        messages = (await resp.json())["result"]

    assert updates[0].message is not None and updates[0].message.text == "hello"
    assert [c["method"] for c in calls["result"]] == ["sendMessage"]
    assert calls["next"] == 2
    assert [m["text"] for m in messages] == ["hello", "hi Alice"]
    assert fake.users[9]["first_name"] == "Alice"
    assert query_id in {u.callback_query.id for u in await bot.get_updates() if u.callback_query}


async def test_a_polling_dispatcher_talks_through_the_fake(bot: Bot, fake: FakeBotAPI) -> None:
    router = Router()

    @router.message(CommandStart())
    async def cmd_start(message: Message) -> None:
        await message.answer("<b>Bonjour</b>", reply_markup=_keyboard("go"))

    @router.callback_query(F.data == "go")
    async def on_go(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("parti")
        await query.answer()

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        fake.send_text(CHAT, "/start")
        await fake.wait_for_calls("sendMessage", 1)
        fake.press_button(CHAT, fake.sent_to(CHAT)[0]["message_id"], "go")
        await fake.wait_for_calls("answerCallbackQuery", 1)
    finally:
        await dp.stop_polling()
        await polling

    assert [m["text"] for m in fake.sent_to(CHAT)] == ["parti"]
    assert fake.calls_of("getUpdates")[0].params["allowed_updates"] == ["callback_query", "message"]
    assert [c.outcome for c in fake.calls_of("answerCallbackQuery")] == ["ok"]
