"""Telegram's error answers as exceptions."""

from __future__ import annotations

from bot.devtools.fakeapi.records import Params


class ApiError(Exception):
    """A Telegram error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: Params | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")
