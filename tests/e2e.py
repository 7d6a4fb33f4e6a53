"""End-to-end harness: the real app (factory, middlewares, routers) polling the fake Bot API."""

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n

from bot.devtools.fakeapi import FakeBotAPI, parse_html
from bot.domain.gazetteer import Gazetteer
from bot.factory import create_bot, create_dispatcher
from bot.intake import Poller, UpdateRunner
from bot.menus import set_commands
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker

TOKEN = "123456:TEST"


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def plain(html_text: str) -> str:
    """What a Telegram client shows of an HTML message: the text without its tags."""
    return parse_html(html_text)[0].strip()


class Harness:
    def __init__(
        self,
        fake: FakeBotAPI,
        bot: Bot,
        dp: Dispatcher,
        i18n: I18n,
        clock: FakeClock,
        settings: Settings,
    ) -> None:
        self.fake, self.bot, self.dp, self.i18n = fake, bot, dp, i18n
        self.clock, self.settings = clock, settings
        self._task: asyncio.Task[None] | None = None

    def t(self, key: str, locale: str = "fr", n: int | None = None, **values: Any) -> str:
        """A catalogue text as the user reads it (tags stripped)."""
        if n is None:
            text = self.i18n.gettext(key, locale=locale)
        else:
            text = self.i18n.gettext(key, f"{key}_plural", n, locale=locale)
        return plain(text.format(**values))

    async def start(self) -> None:
        await set_commands(self.bot, self.i18n)
        runner = UpdateRunner(self.dp, self.bot, self.settings.updates_in_progress)
        self._poller = Poller(runner, timeout=5)
        self._task = asyncio.create_task(self._poller.run())
        await self.fake.wait_for_calls("getMe")

    async def stop(self) -> None:
        if self._task is not None:
            self._poller.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5)

    async def processed(self, update_id: int) -> None:
        """Wait until the bot asked for the updates after this one (so it handled it)."""
        await self.fake.wait_processed(update_id)

    def chat(self, user_id: int, lang: str = "fr") -> "Chat":
        return Chat(self, user_id, lang)


class Chat:
    """One user talking to the bot."""

    def __init__(self, harness: Harness, user_id: int, lang: str) -> None:
        self.h, self.user_id, self.lang = harness, user_id, lang

    def t(self, key: str, n: int | None = None, **values: Any) -> str:
        return self.h.t(key, self.lang, n, **values)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.h.fake.sent_to(self.user_id)

    @property
    def last(self) -> dict[str, Any]:
        return self.messages[-1]

    async def _after(self, update_id: int, before: int) -> list[dict[str, Any]]:
        await self.h.processed(update_id)
        return self.messages[before:]

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Send a text; returns the bot's new messages."""
        before = len(self.messages)
        self.h.fake.send_text(self.user_id, text, language_code=self.lang)
        return await self._after(self.h.fake.last_update_id, before)

    async def location(self, lat: float, lon: float) -> list[dict[str, Any]]:
        before = len(self.messages)
        self.h.fake.send_location(self.user_id, lat, lon, language_code=self.lang)
        return await self._after(self.h.fake.last_update_id, before)

    async def press(self, message: dict[str, Any], label: str) -> list[dict[str, Any]]:
        """Press the inline button whose text is `label` (or contains it)."""
        data = button_data(message, label)
        return await self.press_data(message["message_id"], data)

    async def press_data(
        self, message_id: int, data: str, strict: bool = True
    ) -> list[dict[str, Any]]:
        before = len(self.messages)
        self.h.fake.press_button(
            self.user_id, message_id, data, strict=strict, language_code=self.lang
        )
        return await self._after(self.h.fake.last_update_id, before)

    def message(self, message_id: int) -> dict[str, Any]:
        return next(m for m in self.messages if m["message_id"] == message_id)

    def callback_answers(self) -> list[dict[str, Any]]:
        return [call.params for call in self.h.fake.calls_of("answerCallbackQuery")]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons(message)]


def button_data(message: dict[str, Any], label: str) -> str:
    exact = [b for b in buttons(message) if b["text"] == label and "callback_data" in b]
    loose = [b for b in buttons(message) if label in b["text"] and "callback_data" in b]
    found = exact or loose
    if not found:
        raise LookupError(f"no button {label!r} in {button_labels(message)}")
    return str(found[0]["callback_data"])


async def start_harness(
    db_url: str, gazetteer: Gazetteer, i18n: I18n, **overrides: Any
) -> tuple[Harness, Any]:
    fake = FakeBotAPI(TOKEN)
    await fake.start()
    settings = Settings(
        bot_token=TOKEN,
        telegram_api_url=fake.base_url,
        database_url=db_url,
        _env_file=None,
        **overrides,
    )
    engine = create_engine(db_url)
    clock = FakeClock()
    dp = create_dispatcher(settings, create_sessionmaker(engine), gazetteer, i18n, clock=clock)
    bot = create_bot(settings)
    harness = Harness(fake, bot, dp, i18n, clock, settings)
    await harness.start()

    async def close() -> None:
        await harness.stop()
        await bot.session.close()
        dp["read_models"].close()
        await engine.dispose()
        await fake.stop()

    return harness, close
