"""Telegram's limits and faults, simulated on send methods: FaultConfig and the flood checks."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fakeapi.errors import ApiError

_SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}


class TimedOut(Exception):
    """The fault simulation chose to leave this request hanging."""


@dataclass
class FaultConfig:
    """Limits and faults applied to send methods (latency: to all); mutable while running."""

    global_rate: float | None = None  # sends per second, sliding 1 s window
    per_chat_rate: float | None = None  # sends per second to one chat
    paid_broadcast_rate: float = 1000.0  # global limit for allow_paid_broadcast=true
    retry_after: int = 1  # seconds announced in 429 answers
    blocked_chats: set[int] = field(default_factory=set)  # 403 bot was blocked
    missing_chats: set[int] = field(default_factory=set)  # 400 chat not found
    error_rate: float = 0.0  # fraction of sends answered 500/502
    timeout_rate: float = 0.0  # fraction of sends left hanging timeout_delay seconds
    timeout_delay: float = 30.0
    fail_chats: dict[int, int] = field(default_factory=dict)  # chat -> next sends failing 5xx
    seed: int | None = None  # seeds the random faults so runs are reproducible
    latency: float = 0.0  # seconds every method call waits before it is answered


class FaultSimulation:
    """The fault and flood rules; the server keeps the send window and per-chat times they read."""

    rng: random.Random
    _faults: FaultConfig
    _window: deque[float]
    _last_send: dict[int, float]

    @property
    def faults(self) -> FaultConfig:
        return self._faults

    @faults.setter
    def faults(self, value: FaultConfig) -> None:
        self._faults = value
        self.rng = random.Random(value.seed)

    def _simulate_failures(self, chat_id: Any) -> None:
        faults = self.faults
        if faults.fail_chats.get(chat_id, 0) > 0:
            faults.fail_chats[chat_id] -= 1
            raise self._server_error()
        if faults.error_rate or faults.timeout_rate:
            draw = self.rng.random()
            if draw < faults.error_rate:
                raise self._server_error()
            if draw < faults.error_rate + faults.timeout_rate:
                raise TimedOut

    def _server_error(self) -> ApiError:
        status = self.rng.choice((500, 502))
        return ApiError(status, _SERVER_ERRORS[status])

    def _check_flood(self, chat_id: Any, paid: bool, now: float) -> None:
        faults = self.faults
        window = self._window
        while window and now - window[0] >= 1.0:
            window.popleft()
        limit = faults.paid_broadcast_rate if paid else faults.global_rate
        too_many = limit is not None and len(window) >= limit
        if faults.per_chat_rate and isinstance(chat_id, int):
            last = self._last_send.get(chat_id)
            too_many = too_many or (last is not None and now - last < 1.0 / faults.per_chat_rate)
        if too_many:
            retry = max(1, int(faults.retry_after))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
