"""A button press's answer (answerCallbackQuery) goes back in the webhook's own response.

Telegram lets a webhook answer its POST with one Bot API method, which it then carries out: the
bot spares a request of its own. An update coming through the webhook gets a slot for it
(`slot_for_update`); the first answerCallbackQuery the update makes while the slot is free is
kept there (`AnswerInWebhookReply`) instead of being sent, and the webhook's 200 carries it
(`payload`). Telegram carries it out once the update is handled and committed, like every reply.

Only answerCallbackQuery goes this way: its result is only `True`, and nothing the bot does
waits for it (the edit or the message the press brings is sent as usual, before). With
polling, or for a second answer, there is no free slot and the call is made as always.
bench/webhook.py: 3 of a resident's 14 calls go this way.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType


class Slot:
    """Where an update's webhook answer waits for the response."""

    def __init__(self) -> None:
        self.method: AnswerCallbackQuery | None = None
        self.closed = False  # the response is gone: a task the update started calls as usual

    def free(self) -> bool:
        return not self.closed and self.method is None


_slot: ContextVar[Slot | None] = ContextVar("webhook_reply_slot", default=None)


@contextmanager
def slot_for_update() -> Iterator[Slot]:
    """A free slot for the update handled within (the webhook's request)."""
    slot = Slot()
    token = _slot.set(slot)
    try:
        yield slot
    finally:
        slot.closed = True
        _slot.reset(token)


def payload(method: TelegramMethod[Any]) -> dict[str, Any]:
    """The webhook response's body for `method` (JSON), as Telegram reads it."""
    return {"method": method.__api_method__, **method.model_dump(mode="json", exclude_none=True)}


class AnswerInWebhookReply(BaseRequestMiddleware):
    """Keeps an update's first answerCallbackQuery for its webhook response (see above)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        slot = _slot.get()
        if slot is None or not slot.free() or not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        slot.method = method
        return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
