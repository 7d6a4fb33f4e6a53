"""The /_fake/ JSON control API: another process injects user input and reads what the bot did."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.devtools.fakeapi.records import Params
from bot.devtools.fakeapi.requests import respond
from bot.devtools.fakeapi.users import UserInput


class ControlAPI(UserInput):
    """POST send_text, send_location, press_button, send_update; GET calls, messages."""

    def add_control_routes(self, app: web.Application) -> None:
        app.router.add_post("/_fake/send_text", self._control_send_text)
        app.router.add_post("/_fake/send_location", self._control_send_location)
        app.router.add_post("/_fake/press_button", self._control_press_button)
        app.router.add_post("/_fake/send_update", self._control_send_update)
        app.router.add_get("/_fake/calls", self._control_calls)
        app.router.add_get("/_fake/messages", self._control_messages)

    async def _control(self, request: web.Request, action: Callable[[Params], Any]) -> web.Response:
        try:
            body = await request.json()
            return respond(200, {"ok": True, "result": action(body)})
        except (ValueError, KeyError, TypeError, LookupError) as error:
            return respond(400, {"ok": False, "description": f"{type(error).__name__}: {error}"})

    async def _control_send_text(self, request: web.Request) -> web.Response:
        return await self._control(
            request, lambda b: self.send_text(b["user_id"], b["text"], **_profile_of(b))
        )

    async def _control_send_location(self, request: web.Request) -> web.Response:
        return await self._control(
            request,
            lambda b: self.send_location(
                b["user_id"], b["latitude"], b["longitude"], **_profile_of(b)
            ),
        )

    async def _control_press_button(self, request: web.Request) -> web.Response:
        return await self._control(
            request,
            lambda b: self.press_button(
                b["user_id"], b["message_id"], b["data"], strict=b.get("strict", True),
                **_profile_of(b),
            ),
        )  # fmt: skip

    async def _control_send_update(self, request: web.Request) -> web.Response:
        return await self._control(request, self.send_update)

    async def _control_calls(self, request: web.Request) -> web.Response:
        """GET /_fake/calls?since=N[&timeout=S]: calls from index N, waiting up to S s for one."""
        since = int(request.query.get("since", 0))
        wait = min(float(request.query.get("timeout", 0)), 60.0)
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: len(self.calls) > since or self._closing.is_set(), wait)
        calls = [{"index": since + i, **vars(c)} for i, c in enumerate(self.calls[since:])]
        return respond(200, {"ok": True, "result": calls, "next": len(self.calls)})

    async def _control_messages(self, request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        return respond(200, {"ok": True, "result": self.messages.get(chat_id, [])})


def _profile_of(body: Params) -> Params:
    return {k: body[k] for k in ("language_code", "first_name", "username") if k in body}
