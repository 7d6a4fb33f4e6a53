"""Telegram's pace for the delivery worker: the global rate, one message per chat, 429 pauses.

- Pacer: at most `rate` sends per second overall (30/s, or 1,000/s for paid broadcasts).
- ChatSlots: one message per second per chat.
- Pause: after a 429 every send waits `retry_after`.
- send_notification: sendMessage (or sendPhoto with a caption) with a JSON body, its answer not
  parsed (paid broadcasts are CPU-bound); errors are raised as aiogram's exceptions.

Pacer and ChatSlots use the event loop's real time (time.monotonic, the clock the fake Bot API
counts with too); Pause is given the worker's injectable time, so tests skip its waits.
"""

import asyncio
import logging
import time
from collections import deque
from datetime import datetime, timedelta
from http import HTTPStatus

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, SendPhoto

log = logging.getLogger(__name__)

# One message per second per chat, with a margin: Telegram counts arrivals, which jitter.
CHAT_MARGIN = 1.05


class SendNotification(SendMessage):
    """sendMessage whose answer is not parsed into a Message: the worker only needs "accepted".

    Parsing every answer into aiogram's Message model costs about a fifth of the worker's time
    per message at paid-broadcast rates; errors are still raised as aiogram's exceptions.
    """

    __returning__ = dict  # type: ignore[assignment]


class SendPhotoNotification(SendPhoto):
    """sendPhoto by file_id with an HTML caption, its answer not parsed either."""

    __returning__ = dict  # type: ignore[assignment]


async def send_notification(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    paid: bool,
    timeout: float,  # noqa: ASYNC109
    photo: str | None = None,
    markup: dict[str, object] | None = None,
) -> None:
    """Send one HTML message (a photo by file_id, `text` its caption, when `photo` is given) as
    a JSON body, raising aiogram's exceptions as `bot(...)` would; `markup` is the
    reply_markup as JSON.

    aiogram builds a multipart form from a validated model for every request: a quarter of the
    worker's CPU at paid-broadcast rates. The Bot API takes JSON as well.
    """
    payload: dict[str, object] = {"chat_id": chat_id, "parse_mode": "HTML"}
    if photo is None:
        payload["text"] = text
        payload["link_preview_options"] = {"is_disabled": True}
    else:
        payload["photo"] = photo
        payload["caption"] = text
    if markup is not None:
        payload["reply_markup"] = markup
    if paid:
        payload["allow_paid_broadcast"] = True
    model, name = (
        (SendNotification, "sendMessage") if photo is None else (SendPhotoNotification, "sendPhoto")
    )
    session = bot.session
    if not isinstance(session, AiohttpSession):
        await bot(model.model_validate(payload), request_timeout=int(timeout))
        return
    http = await session.create_session()
    url = session.api.api_url(token=bot.token, method=name)
    try:
        async with http.post(
            url,
            data=session.json_dumps(payload),
            headers={"Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            content = await response.text()
    except TimeoutError as error:
        raise TelegramNetworkError(
            method=_method(chat_id, text, photo), message="timeout"
        ) from error
    except aiohttp.ClientError as error:
        message = f"{type(error).__name__}: {error}"
        raise TelegramNetworkError(method=_method(chat_id, text, photo), message=message) from error
    if response.status == HTTPStatus.OK and '"ok":true' in content.replace(" ", "")[:20]:
        return  # accepted: the answer is not needed
    # Any other answer: aiogram reads it and raises its exception (429, 403, 400, 5xx...).
    session.check_response(
        bot=bot, method=_method(chat_id, text, photo), status_code=response.status, content=content
    )


def _method(chat_id: int, text: str, photo: str | None = None) -> SendMessage | SendPhoto:
    # Only built for errors: a model, even unvalidated, costs as much as the request itself.
    if photo is not None:
        return SendPhotoNotification.model_construct(chat_id=chat_id, photo=photo, caption=text)
    return SendNotification.model_construct(chat_id=chat_id, text=text)


class Pacer:
    """At most `limit` send starts in any sliding window of `window` seconds, spread out evenly.

    Telegram counts messages per second: the sliding window is that rule itself (a hard cap).
    Within it, sends follow a schedule one gap apart that may run a few gaps late and catch up,
    so the loop's late wake-ups (it sleeps in whole milliseconds) are not lost as with a leaky
    bucket of capacity 1 (aiolimiter). The server counts arrivals, which jitter, hence margins:

    - at 30/s: 30 in 1.02 s (29.4/s), gaps of 1/45 s that may bunch up within the window;
    - from HIGH_RATE (paid broadcasts, 1,000/s): HIGH_RATE_SHARE of the rate in 1.0 s (the
      fake Bot API's window, on the same monotonic clock), gaps of exactly 1/limit s. Bunched-up
      sends (gaps of 1/1,500 s) met a 429, which pauses everything for a second, whenever a busy
      loop delayed some requests; spread evenly, arrival jitter fits in the 7 % left (96 %
      still met a few 429s once the worker sent JSON bodies and got faster). The schedule may
      run HIGH_RATE_CATCH_UP (30 ms, about 28 sends) late: the loop's short stalls (a claim's
      rows being loaded) are made up instead of lost, in small bursts the window still caps.
    """

    WINDOW = 1.02
    MIN_GAP_FACTOR = 1.5
    CATCH_UP_GAPS = 3
    MIN_SLEEP = 0.002
    HIGH_RATE = 100
    HIGH_RATE_WINDOW = 1.0
    HIGH_RATE_SHARE = 0.93
    HIGH_RATE_CATCH_UP = 0.03

    def __init__(self, rate: float) -> None:
        if rate >= self.HIGH_RATE:
            self.window = self.HIGH_RATE_WINDOW
            self.limit = int(rate * self.HIGH_RATE_SHARE * self.window)
            self.gap = self.window / self.limit
            self.catch_up = self.HIGH_RATE_CATCH_UP
        else:
            self.window = self.WINDOW
            self.limit = max(1, int(rate))
            self.gap = 1.0 / (rate * self.MIN_GAP_FACTOR)
            self.catch_up = self.CATCH_UP_GAPS * self.gap
        self._starts: deque[float] = deque()
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            loop = asyncio.get_running_loop()
            wait = self._wait(loop.time())
            if wait > 0:  # we hold the lock: once waited, the window has room
                await asyncio.sleep(wait)
            now = loop.time()
            self._starts.append(now)
            self._next = max(self._next, now - self.catch_up) + self.gap

    def _wait(self, now: float) -> float:
        starts = self._starts
        while starts and now - starts[0] >= self.window:
            starts.popleft()
        wait = starts[0] + self.window - now if len(starts) >= self.limit else 0.0
        gap = self._next - now
        return max(wait, gap if gap > self.MIN_SLEEP else 0.0)


class ChatSlots:
    """One message per `interval` seconds to each chat (0: no per-chat limit)."""

    def __init__(self, per_chat_rate: float) -> None:
        self.interval = CHAT_MARGIN / per_chat_rate if per_chat_rate > 0 else 0.0
        self._next: dict[int, float] = {}

    async def turn(self, chat_id: int) -> None:
        """Wait for this chat's next slot."""
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def free_at(self, chat_id: int) -> float:
        """When this chat's next slot starts (time.monotonic; in the past: free now)."""
        return self._next.get(chat_id, 0.0)

    def release(self, chat_id: int) -> None:
        # Telegram only counts messages it accepted: a failed send does not use up the slot.
        self._next[chat_id] = self._next.get(chat_id, 0.0) - self.interval


class Pause:
    """After a 429 every send waits for its retry_after (the longest one wins).

    It holds no clock: the worker passes its own (injectable) time, and sleeps with its own sleep.
    """

    def __init__(self) -> None:
        self._until: datetime | None = None

    def start(self, now: datetime, seconds: float) -> None:
        until = now + timedelta(seconds=seconds)
        if self._until is None or until > self._until:
            log.warning("outbox: 429 from Telegram, every send pauses %ss", seconds)
            self._until = until

    def left(self, now: datetime) -> float:
        """Seconds until sends may resume (0 when not paused)."""
        return 0.0 if self._until is None else max(0.0, (self._until - now).total_seconds())
