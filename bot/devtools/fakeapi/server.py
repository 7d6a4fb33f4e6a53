"""FakeBotAPI: the HTTP server, its lifecycle, and each Bot API call through the faults."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from functools import cached_property
from typing import Any, Self

from aiohttp import web

from bot.devtools.fakeapi.commands import CommandMethods
from bot.devtools.fakeapi.control import ControlAPI
from bot.devtools.fakeapi.errors import ApiError, bad
from bot.devtools.fakeapi.faults import TimedOut
from bot.devtools.fakeapi.files import UserFiles
from bot.devtools.fakeapi.messages import MessageMethods
from bot.devtools.fakeapi.records import Call, Handler, Params
from bot.devtools.fakeapi.requests import outcome, read_params, respond
from bot.devtools.fakeapi.updates import UpdateQueue
from bot.devtools.fakeapi.users import UserInput

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})


class FakeBotAPI(ControlAPI, UserFiles, UserInput, MessageMethods, UpdateQueue, CommandMethods):
    """In-memory Telegram Bot API: records calls, queues injected updates, simulates faults."""

    @cached_property
    def _methods(self) -> dict[str, tuple[str, Handler]]:
        # Telegram matches method names whatever their case; calls are recorded by the real name.
        return {name.lower(): (name, handler) for name, handler in self._handlers().items()}

    # --- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self.add_control_routes(app)
        self.add_file_routes(app)
        self._closing.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        self._closing.set()
        self._queued.notify()
        self._called.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- HTTP entry points

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()  # recorded as the arrival, whatever the latency adds
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)  # Telegram's round trip; others go on
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._fail(name, {}, at, ApiError(401, "Unauthorized"))
        entry = self._methods.get(name.lower())
        if entry is None:
            return self._fail(name, {}, at, ApiError(404, "Not Found: method not found"))
        method, handler = entry
        try:
            params = await read_params(request)
        except ValueError as error:
            return self._fail(method, {}, at, bad(f"can't parse request: {error}"))
        try:
            result = await self._dispatch(method, handler, params, at)
        except ApiError as error:
            return self._fail(method, params, at, error)
        except TimedOut:
            self._record(Call(method, params, at, 504, "timeout", None, "timeout"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.faults.timeout_delay)
            return respond(504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"})
        self._record(Call(method, params, at, 200, "ok", _snapshot(result)))
        return respond(200, {"ok": True, "result": result})

    async def _dispatch(self, method: str, handler: Handler, params: Params, at: float) -> Any:
        chat_id = params.get("chat_id")
        is_send = method in SEND_METHODS
        if is_send:
            self._simulate_failures(chat_id)
        if isinstance(chat_id, int):
            if chat_id in self.faults.missing_chats:
                raise bad("chat not found")
            if chat_id in self.faults.blocked_chats:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        if is_send:
            self._check_flood(chat_id, params.get("allow_paid_broadcast") is True, at)
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        if is_send and isinstance(chat_id, int):
            self._window.append(at)
            self._last_send[chat_id] = at
        return result

    def _fail(self, method: str, params: Params, at: float, error: ApiError) -> web.Response:
        status = error.status
        self._record(Call(method, params, at, status, outcome(status), None, error.description))
        payload: Params = {"ok": False, "error_code": status, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return respond(error.status, payload)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._by_method.setdefault(call.method, []).append(call)
        if call.method in SEND_METHODS:
            self.stats[call.outcome] += 1
        self._called.notify()

    # --- Bot API methods

    def _handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": lambda p: self._send_file(p, "document"),
            "sendPhoto": lambda p: self._send_file(p, "photo"),
            "copyMessage": self._copy_message,
            "getFile": self._get_file,
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": self._edit_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback,
            "answerInlineQuery": self._answer_inline,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_commands,
            "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands,
            "setChatMenuButton": self._set_menu_button,
            "getChatMenuButton": lambda p: self.menu_buttons.get(
                p.get("chat_id"), {"type": "commands"}
            ),
            "setMyDescription": lambda p: True,
            "setMyShortDescription": lambda p: True,
            "setMyName": lambda p: True,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }

    def _get_me(self, params: Params) -> Params:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


def _snapshot(result: Any) -> Any:
    # Stored messages change on edit; the call keeps what was answered at the time.
    return dict(result) if isinstance(result, dict) else result
