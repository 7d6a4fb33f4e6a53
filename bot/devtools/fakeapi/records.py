"""What the fake keeps about each request and upload, and the signal that wakes its waiters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]
Handler = Callable[[Params], Any]


@dataclass
class UploadedFile:
    """A file the bot uploaded (multipart part) or referenced again by file_id."""

    filename: str
    content: bytes
    content_type: str | None = None
    file_id: str = ""


@dataclass
class Call:
    """One Bot API request as the fake answered it."""

    method: str
    params: Params
    at: float  # time.monotonic() when the request arrived
    status: int  # HTTP status of the answer
    outcome: str  # "ok", "429", "403", "400", "5xx", "timeout", "404", ...
    result: Any = None
    description: str | None = None


class Signal:
    """Wakes every current waiter; costs nothing when nobody waits."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        await self._event.wait()
