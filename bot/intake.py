"""How updates come in: handled before they are acknowledged, one chat at a time, bounded.

Telegram redelivers an update that was not acknowledged (a webhook answer other than 200, or a
polling offset not yet confirmed) and never one that was. So an update is acknowledged only once
the dispatcher has handled it and its transaction is committed (bot.middlewares); what was
acknowledged is done, and what was not will come again after a crash or a stop.

- `UpdateRunner` hands updates to the dispatcher: at most `limit` at once (Telegram is slowed
  down rather than a queue growing in memory), a chat's updates one after the other in the
  order they came, different chats in parallel. The only waits are on a chat's own earlier
  update and on a free slot: no two users wait on each other.
- `webhook_handler` answers Telegram's POST: 200 once handled (with the button's answer, if the
  update pressed one: bot.webhook_reply), 400 for a body that is not an
  update (Telegram would retry it forever), 503 while stopping (Telegram retries it, on the
  next process), 500 when handling failed (Telegram retries it).
- `Poller` long-polls getUpdates and confirms a batch's offset only when every update of the
  batch is handled.
"""

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.webhook_reply import payload, slot_for_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def chat_key(update: Update) -> int | None:
    """The chat (or, without one, the user) whose updates must be handled in order."""
    event = update.event
    chat = getattr(event, "chat", None)
    if chat is None:
        message = getattr(event, "message", None)  # a callback query's message
        chat = getattr(message, "chat", None)
    if chat is not None:
        return int(chat.id)
    user = getattr(event, "from_user", None)
    return int(user.id) if user is not None else None


@dataclass
class _ChatTurn:
    """A chat's lock and how many of its updates hold or await it (dropped at zero)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class UpdateRunner:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, limit: int) -> None:
        self.dispatcher, self.bot = dispatcher, bot
        self._slots = asyncio.Semaphore(limit)
        self._chats: dict[int, _ChatTurn] = {}
        self._in_progress = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.closing = False

    @property
    def in_progress(self) -> int:
        return self._in_progress

    async def feed(self, update: Update) -> None:
        """Handle one update, after the earlier updates of its chat; raises what handling
        raised (then nothing of it was acknowledged, and Telegram sends it again)."""
        self._in_progress += 1
        self._idle.clear()
        try:
            key = chat_key(update)
            if key is None:
                await self._handle(update)
                return
            turn = self._chats.setdefault(key, _ChatTurn())
            turn.holders += 1
            try:
                async with turn.lock:
                    await self._handle(update)
            finally:
                turn.holders -= 1
                if turn.holders == 0:
                    del self._chats[key]
        finally:
            self._in_progress -= 1
            if self._in_progress == 0:
                self._idle.set()

    async def _handle(self, update: Update) -> None:
        async with self._slots:
            await self.dispatcher.feed_update(self.bot, update)

    async def feed_all(self, updates: Iterable[Update]) -> list[BaseException]:
        """Handle a batch (chats in parallel, each chat in order); the errors, logged."""
        results = await asyncio.gather(*(self.feed(u) for u in updates), return_exceptions=True)
        errors = [result for result in results if isinstance(result, BaseException)]
        for error in errors:
            log.error("update failed", exc_info=error)
        return errors

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until no update is in progress; False if some still were after `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopping with %d updates still in progress", self._in_progress)
            return False
        return True


def webhook_handler(
    runner: UpdateRunner, secret: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401)
        if runner.closing:
            return web.Response(status=503, headers={"Retry-After": "1"})
        update = parse_update(await request.read(), runner.bot)
        if update is None:
            return web.Response(status=400)
        with slot_for_update() as slot:
            try:
                await runner.feed(update)
            except Exception:
                log.exception("update %s failed; Telegram will send it again", update.update_id)
                return web.Response(status=500)
            if slot.method is not None:  # a button's answer, which Telegram carries out
                return web.json_response(payload(slot.method))
        return web.Response(status=200)

    return handle


def parse_update(body: bytes, bot: Bot) -> Update | None:
    """The body as an Update, or None (logged once, without the body) if it is not one."""
    try:
        payload = json.loads(body)
        return Update.model_validate(payload, context={"bot": bot})
    except (ValueError, ValidationError) as error:  # JSON, encoding and validation errors
        log.warning("webhook: a body that is not an update (%s)", type(error).__name__)
        return None


class Poller:
    """Long polling that confirms an offset only once the updates below it are handled."""

    def __init__(self, runner: UpdateRunner, timeout: int = 30, max_backoff: float = 30.0):
        self.runner, self.timeout, self.max_backoff = runner, timeout, max_backoff
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self, drain_timeout: float = 25.0) -> None:
        """Poll until stop(); the batch in progress then gets `drain_timeout` to finish."""
        bot = self.runner.bot
        me = await bot.me()
        log.info("polling as @%s", me.username)
        allowed = self.runner.dispatcher.resolve_used_update_types()
        offset: int | None = None
        backoff = 1.0
        while not self._stop.is_set():
            updates = await self._next_batch(offset, allowed)
            if updates is None:  # stopped, or Telegram unreachable
                if not self._stop.is_set():
                    await self._pause(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 1.0
            if not updates:
                continue
            if not await self._handle_batch(updates, drain_timeout):
                return  # cut short by a stop: nothing of it is confirmed, all of it comes again
            offset = updates[-1].update_id + 1
        if offset is not None:
            await self._confirm(offset)

    async def _handle_batch(self, updates: list[Update], drain_timeout: float) -> bool:
        """Handle a batch; a stop lets it finish for up to `drain_timeout`, then cancels it."""
        batch = asyncio.ensure_future(self.runner.feed_all(updates))
        stopping = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({batch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not batch.done():
            await asyncio.wait({batch}, timeout=drain_timeout)
        if not batch.done():
            log.warning("stopping with %d updates unfinished", self.runner.in_progress)
            batch.cancel()
            return False
        return True

    async def _next_batch(self, offset: int | None, allowed: list[str]) -> list[Update] | None:
        bot = self.runner.bot
        request = asyncio.ensure_future(
            bot.get_updates(offset=offset, timeout=self.timeout, allowed_updates=allowed)
        )
        stopping = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not request.done():
            request.cancel()  # nothing confirmed: what it would have brought comes again
            return None
        try:
            return request.result()
        except TelegramRetryAfter as error:
            await self._pause(error.retry_after)
            return []
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("getUpdates failed (%s): retrying", error)
            return None

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram the last batch is handled, so that a restart does not get it again."""
        try:
            await self.runner.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("could not confirm the last updates (%s): they will come again", error)
