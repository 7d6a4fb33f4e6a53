"""The fake's in-memory state: chats, messages, calls, updates; reading it and waiting on it."""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from bot.devtools.fakeapi.faults import FaultConfig, FaultSimulation
from bot.devtools.fakeapi.records import Call, Params, Signal, UploadedFile

T = TypeVar("T")


class FakeState(FaultSimulation):
    """What the fake holds in memory, and how tests read it and wait on it."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        faults: FaultConfig | None = None,
        bot_username: str = "fake_bot",
        bot_name: str = "Fake Bot",
    ) -> None:
        self.token = token
        bot_id = token.partition(":")[0]
        self.bot_user: Params = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.faults = faults or FaultConfig()
        self.calls: list[Call] = []
        self.messages: dict[int, list[Params]] = {}
        self.users: dict[int, Params] = {}
        self.reply_keyboards: dict[int, Params] = {}  # reply keyboard each chat currently shows
        self.commands: dict[tuple[str, str], list[Params]] = {}
        self.menu_buttons: dict[int | None, Params] = {}
        self.files: dict[str, UploadedFile] = {}
        self.stats: Counter[str] = Counter()  # outcomes of send methods
        self.delivered: dict[int, list[str]] = {}  # text or caption of each accepted send
        self.webhook_url = ""
        self.base_url = ""
        self._by_method: dict[str, list[Call]] = {}
        self._index: dict[tuple[Any, Any], Params] = {}  # (chat, message id) as requests give them
        self._message_ids: dict[int, int] = {}
        self._updates: deque[Params] = deque()
        self._update_id = 0
        # The highest getUpdates offset asked for: the updates below it are handled.
        self.confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._open_callbacks: set[str] = set()
        self._callback_id = 0
        self.inline_answers: dict[str, Params] = {}  # answerInlineQuery's params, by query id
        self._open_inline: set[str] = set()
        self._inline_id = 0
        self._window: deque[float] = deque()  # times of accepted sends, last second
        self._last_send: dict[int, float] = {}
        self._called = Signal()
        self._queued = Signal()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- reading what the bot did

    def calls_of(self, method: str) -> list[Call]:
        return self._by_method.get(method, [])

    def sent_to(self, chat_id: int) -> list[Params]:
        """Messages the bot sent to this chat, oldest first, as they are now (after edits)."""
        bot_id = self.bot_user["id"]
        return [m for m in self.messages.get(chat_id, []) if m["from"]["id"] == bot_id]

    def last_message(self, chat_id: int) -> Params | None:
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    # A timeout argument reads better in tests than wrapping every wait in asyncio.timeout.
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until predicate() is truthy, re-checking after every recorded call."""
        try:
            async with asyncio.timeout(timeout):
                while not (value := predicate()):
                    await self._called.wait()
                return value
        except TimeoutError:
            recent = ", ".join(f"{c.method}:{c.outcome}" for c in self.calls[-8:])
            raise TimeoutError(f"condition not met in {timeout}s; last calls: {recent}") from None

    @property
    def last_update_id(self) -> int:
        return self._update_id

    async def wait_processed(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot asked for the updates after this one, so it has handled it."""
        await self.wait_for(lambda: self.confirmed_offset > update_id, timeout)

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until `method` has been called at least `count` times in total."""
        await self.wait_for(lambda: len(self.calls_of(method)) >= count, timeout)
        return self.calls_of(method)
