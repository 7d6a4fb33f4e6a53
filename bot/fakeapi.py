"""A local fake Telegram Bot API server (aiohttp), kept in memory.

Used by end-to-end tests (the real bot polls it), by the terminal sandbox (a person chats with the
bot through it) and by delivery tests and benchmarks (it simulates Telegram's limits and faults).
It answers like Telegram does, so aiogram parses every response into its own types.

Known simplifications: ``parse_mode="HTML"`` is parsed into entities like Telegram does, Markdown
modes are not (the text is stored as sent); chats the bot never heard from are still reachable.

Run out of process with ``python -m bot.fakeapi --port 8081``; the ``/_fake/`` JSON routes let
another process inject user input and read what the bot did.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import html
import inspect
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")
Params = dict[str, Any]
Handler = Callable[[Params], Any]

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})
# Fields that stay strings even when they look like numbers, booleans or JSON.
_STRING_FIELDS = frozenset(
    {"text", "caption", "callback_query_id", "inline_message_id", "title", "description",
     "short_description", "name", "query", "url", "secret_token", "parse_mode", "language_code",
     "action", "emoji", "payload", "start_parameter", "business_connection_id", "custom_emoji_id"}
)  # fmt: skip
_INT_FIELDS = frozenset(
    {"chat_id", "from_chat_id", "message_id", "message_thread_id", "reply_to_message_id",
     "offset", "limit", "timeout", "user_id", "cache_time", "max_connections", "until_date"}
)  # fmt: skip
_INT_RE = re.compile(r"-?\d+")
# Update types Telegram leaves out when allowed_updates was never given.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Telegram error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: Params | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


class _TimedOut(Exception):
    """The fault simulation chose to leave this request hanging."""


@dataclass
class FaultConfig:
    """Limits and faults applied to send methods; mutable while the server runs."""

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


class _Signal:
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


# --- formatting: what Telegram stores for a text and its parse mode -----------------------------

_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}  # fmt: skip


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _unescape(chunk: str) -> str:
    return _HTML_ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), chunk)


def _tag_entity(name: str, attrs: dict[str, str], where: int) -> Params:
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name], "_class": attrs.get("class", "")}
    if name == "a":
        return {"type": "text_link", "url": attrs.get("href", "")}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    raise _bad(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {where}')


def parse_html(source: str) -> tuple[str, list[Params]]:
    """Turn HTML parse-mode text into (plain text, entities), rejecting what Telegram rejects."""
    parts: list[str] = []
    entities: list[Params] = []
    stack: list[tuple[str, Params, int]] = []
    length = pos = 0
    while True:
        lt = source.find("<", pos)
        chunk = _unescape(source[pos:] if lt < 0 else source[pos:lt])
        parts.append(chunk)
        length += utf16_len(chunk)
        if lt < 0:
            break
        where = len(source[:lt].encode())
        match = _TAG_RE.match(source, lt)
        if match is None:
            raise _bad(f"can't parse entities: Unexpected character at byte offset {where}")
        name = match.group(2).lower()
        if match.group(1):
            _close_tag(name, stack, entities, length, where)
        else:
            attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR_RE.findall(match.group(3))}
            stack.append((name, _tag_entity(name, attrs, where), length))
        pos = match.end()
    if stack:
        tag = stack[-1][0]
        raise _bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\"")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


def _close_tag(
    name: str, stack: list[tuple[str, Params, int]], out: list[Params], end: int, where: int
) -> None:
    if not stack or stack[-1][0] != name:
        raise _bad(f'can\'t parse entities: Unmatched end tag "{name}" at byte offset {where}')
    _, entity, start = stack.pop()
    css = entity.pop("_class", "")
    if entity["type"] == "code" and stack and stack[-1][1]["type"] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        if css.startswith("language-"):
            stack[-1][1]["language"] = css.removeprefix("language-")
        return
    if end > start:
        out.append({**entity, "offset": start, "length": end - start})


def _strip(text: str, entities: list[Params]) -> tuple[str, list[Params]]:
    """Telegram trims leading and trailing whitespace and moves the entities along."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _command_entities(text: str) -> list[Params]:
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


# --- request parsing ------------------------------------------------------------------------------


def _decode(key: str, value: Any) -> Any:
    """Form fields arrive as strings: bring numbers, booleans and JSON back to objects."""
    if not isinstance(value, str) or key in _STRING_FIELDS:
        return value
    if key in _INT_FIELDS and _INT_RE.fullmatch(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


async def _read_params(request: web.Request) -> Params:
    raw: Params = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json" and request.can_read_body:
        body = await request.json()
        raw.update(body if isinstance(body, dict) else {})
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
            else:
                raw[key] = value
    params = {key: _decode(key, value) for key, value in raw.items()}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.pop(value.removeprefix("attach://"), value)
    for key, upload in files.items():  # plain uploads such as `curl -F document=@file`
        params.setdefault(key, upload)
    return params


def _json_default(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "size": len(value.content), "file_id": value.file_id}
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _respond(status: int, payload: Any) -> web.Response:
    text = json.dumps(payload, ensure_ascii=False, default=_json_default)
    return web.Response(status=status, text=text, content_type="application/json")


def _outcome(status: int) -> str:
    return "ok" if status == 200 else "5xx" if status >= 500 else str(status)


# --- the server -----------------------------------------------------------------------------------


class FakeBotAPI:
    """In-memory Telegram Bot API: records calls, queues injected updates, simulates faults."""

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
        self._index: dict[tuple[int, int], Params] = {}
        self._message_ids: dict[int, int] = {}
        self._updates: deque[Params] = deque()
        self._update_id = 0
        # The highest getUpdates offset asked for: the updates below it are handled.
        self.confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._open_callbacks: set[str] = set()
        self._callback_id = 0
        self._window: deque[float] = deque()  # times of accepted sends, last second
        self._last_send: dict[int, float] = {}
        self._called = _Signal()
        self._queued = _Signal()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._handlers().items()
        }

    @property
    def faults(self) -> FaultConfig:
        return self._faults

    @faults.setter
    def faults(self, value: FaultConfig) -> None:
        self._faults = value
        self.rng = random.Random(value.seed)

    # --- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_post("/_fake/send_text", self._control_send_text)
        app.router.add_post("/_fake/send_location", self._control_send_location)
        app.router.add_post("/_fake/press_button", self._control_press_button)
        app.router.add_post("/_fake/send_update", self._control_send_update)
        app.router.add_get("/_fake/calls", self._control_calls)
        app.router.add_get("/_fake/messages", self._control_messages)
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

    def commands_for(self, scope: Params | None = None, language_code: str = "") -> list[Params]:
        return self.commands.get((_scope_key(scope), language_code), [])

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

    # --- injecting user input

    def add_user(
        self,
        user_id: int,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """Remember or update a user's profile (unset fields keep their value, else fr/Alice)."""
        known = self.users.get(user_id, {})
        user: Params = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name", "Alice"),
        }
        if username or "username" in known:
            user["username"] = username or known["username"]
        user["language_code"] = language_code or known.get("language_code", "fr")
        self.users[user_id] = user
        return user

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """The user sends `text` to the bot; returns the Message queued in an update."""
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        content: Params = {"text": text}
        if entities := _command_entities(text):
            content["entities"] = entities
        return self._user_message(user, content)

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """The user shares a location; returns the Message queued in an update."""
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, {"location": location})

    def press_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> str:
        """The user presses an inline button; returns the callback query id.

        With strict=True the button must exist on that bot message; pass strict=False (or use
        send_update) to forge callback data.
        """
        message = self._index.get((user_id, message_id))
        if message is None:
            raise LookupError(f"no message {message_id} in chat {user_id}")
        if strict and callback_data not in _callback_datas(message):
            raise LookupError(f"message {message_id} has no button with data {callback_data!r}")
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        self._callback_id += 1
        query_id = str(4_000_000_000 + self._callback_id)
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(-(8_000_000_000 + user_id)),
            "data": callback_data,
        }
        self.send_update({"callback_query": query})
        return query_id

    def send_update(self, update: Params) -> Params:
        """Queue any raw update for getUpdates; update_id is added when missing."""
        update = dict(update)
        self._update_id = max(self._update_id + 1, update.get("update_id", 0))
        update["update_id"] = self._update_id
        self._updates.append(update)
        self._queued.notify()
        return update

    def _user_message(self, user: Params, content: Params) -> Params:
        chat_id = user["id"]
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._store(chat_id, message)
        self.send_update({"message": copy.deepcopy(message)})
        return message

    # --- chats and stored messages

    def _chat(self, chat_id: int) -> Params:
        if chat_id < 0:
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        user = self.users.get(chat_id, {"first_name": f"User {chat_id}"})
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _store(self, chat_id: int, message: Params) -> None:
        self.messages.setdefault(chat_id, []).append(message)
        self._index[(chat_id, message["message_id"])] = message

    def _bot_message(self, chat_id: int, content: Params) -> Params:
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._store(chat_id, message)
        text = message.get("text", message.get("caption", ""))
        self.delivered.setdefault(chat_id, []).append(text)
        return message

    # --- HTTP entry points

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._fail(name, {}, at, ApiError(401, "Unauthorized"))
        entry = self._methods.get(name.lower())
        if entry is None:
            return self._fail(name, {}, at, ApiError(404, "Not Found: method not found"))
        method, handler = entry
        try:
            params = await _read_params(request)
        except ValueError as error:
            return self._fail(method, {}, at, _bad(f"can't parse request: {error}"))
        try:
            result = await self._dispatch(method, handler, params, at)
        except ApiError as error:
            return self._fail(method, params, at, error)
        except _TimedOut:
            self._record(Call(method, params, at, 504, "timeout", None, "timeout"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.faults.timeout_delay)
            return _respond(504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"})
        self._record(Call(method, params, at, 200, "ok", _snapshot(result)))
        return _respond(200, {"ok": True, "result": result})

    async def _dispatch(self, method: str, handler: Handler, params: Params, at: float) -> Any:
        chat_id = params.get("chat_id")
        is_send = method in SEND_METHODS
        if is_send:
            self._simulate_failures(chat_id)
        if isinstance(chat_id, int):
            if chat_id in self.faults.missing_chats:
                raise _bad("chat not found")
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
        self._record(Call(method, params, at, status, _outcome(status), None, error.description))
        payload: Params = {"ok": False, "error_code": status, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return _respond(error.status, payload)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._by_method.setdefault(call.method, []).append(call)
        if call.method in SEND_METHODS:
            self.stats[call.outcome] += 1
        self._called.notify()

    # --- limits and faults

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
                raise _TimedOut

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

    # --- Bot API methods

    def _handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": lambda p: self._send_file(p, "document"),
            "sendPhoto": lambda p: self._send_file(p, "photo"),
            "copyMessage": self._copy_message,
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": self._edit_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback,
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
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[Params]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if params.get("allowed_updates"):
            self._allowed_updates = frozenset(params["allowed_updates"])
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(float(params.get("timeout", 0)), 0.0)):
                while not self._pending() and not self._closing.is_set():
                    await self._queued.wait()
        return list(self._updates)[:limit]

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int):
            return
        if offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._called.notify()
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _pending(self) -> bool:
        """Drop the updates the bot did not subscribe to; tell whether any remain."""
        allowed = self._allowed_updates
        if self._updates and any(not self._wanted(u, allowed) for u in self._updates):
            self._updates = deque(u for u in self._updates if self._wanted(u, allowed))
        return bool(self._updates)

    @staticmethod
    def _wanted(update: Params, allowed: frozenset[str] | None) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        return kind in allowed if allowed is not None else kind not in _OPT_IN_UPDATES

    def _send_message(self, params: Params) -> Params:
        chat_id = _require_chat(params)
        content = _format(params, "text")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return self._bot_message(chat_id, content)

    def _send_file(self, params: Params, kind: str) -> Params:
        chat_id = _require_chat(params)
        upload = self._resolve_file(params.get(kind), kind)
        if kind == "photo":
            size = {"file_id": upload.file_id, "file_unique_id": upload.file_id + "u"}
            content: Params = {"photo": [{**size, "width": 800, "height": 600,
                                          "file_size": len(upload.content)}]}  # fmt: skip
        else:
            content = {"document": {"file_id": upload.file_id,
                                    "file_unique_id": upload.file_id + "u",
                                    "file_name": upload.filename,
                                    "mime_type": upload.content_type or "application/octet-stream",
                                    "file_size": len(upload.content)}}  # fmt: skip
        content |= _format(params, "caption")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return self._bot_message(chat_id, content)

    def _resolve_file(self, value: Any, kind: str) -> UploadedFile:
        if isinstance(value, UploadedFile):
            value.file_id = f"F{kind[:3]}{len(self.files) + 1:06d}"
            self.files[value.file_id] = value
            return value
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._resolve_file(UploadedFile(value.rsplit("/", 1)[-1], b""), kind)
        if value is None:
            raise _bad(f"there is no {kind} in the request")
        raise _bad("wrong file identifier/HTTP URL specified")

    def _copy_message(self, params: Params) -> Params:
        chat_id = _require_chat(params)
        source = self._index.get((params.get("from_chat_id"), params.get("message_id")))
        if source is None:
            raise _bad("message to copy not found")
        keys = ("text", "entities", "caption", "caption_entities", "photo", "document", "location")
        content = {key: source[key] for key in keys if key in source}
        if "caption" in params:
            content.pop("caption_entities", None)
            content |= _format(params, "caption")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return {"message_id": self._bot_message(chat_id, content)["message_id"]}

    def _apply_markup(self, chat_id: int, content: Params, markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup)
            content["reply_markup"] = markup
        elif "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat_id, None)

    def _editable(self, params: Params) -> Params:
        message = self._index.get((_require_chat(params), params.get("message_id")))
        if message is None:
            raise _bad("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    def _edit(self, params: Params, changes: Params, needs: str | None) -> Params | bool:
        markup = params.get("reply_markup")
        if markup is not None:
            _check_inline_keyboard(markup)
        changes["reply_markup"] = markup
        if "inline_message_id" in params:
            return True
        message = self._editable(params)
        if needs is not None and needs not in message:
            raise _bad(f"there is no {needs} in the message to edit")
        if all(message.get(key) == (value or None) for key, value in changes.items()):
            raise ApiError(400, _NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        return message

    def _edit_text(self, params: Params) -> Params | bool:
        return self._edit(params, {"entities": None} | _format(params, "text"), "text")

    def _edit_caption(self, params: Params) -> Params | bool:
        changes = {"caption": None, "caption_entities": None} | _format(params, "caption")
        return self._edit(params, changes, None)

    def _edit_markup(self, params: Params) -> Params | bool:
        return self._edit(params, {}, None)

    def _delete_message(self, params: Params) -> bool:
        chat_id = _require_chat(params)
        message = self._index.pop((chat_id, params.get("message_id")), None)
        if message is None:
            raise _bad("message to delete not found")
        self.messages[chat_id].remove(message)
        return True

    def _answer_callback(self, params: Params) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(query_id)
        return True

    def _send_chat_action(self, params: Params) -> bool:
        _require_chat(params)
        if not params.get("action"):
            raise _bad("action is empty")
        return True

    def _set_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name, text = command.get("command", ""), command.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(text) <= 256:
                raise _bad("BOT_COMMAND_INVALID")
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = commands
        return True

    def _get_commands(self, params: Params) -> list[Params]:
        return self.commands_for(params.get("scope"), params.get("language_code", ""))

    def _delete_commands(self, params: Params) -> bool:
        self.commands.pop((_scope_key(params.get("scope")), params.get("language_code", "")), None)
        return True

    def _set_menu_button(self, params: Params) -> bool:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button", {"type": "default"})
        return True

    def _set_webhook(self, params: Params) -> bool:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: Params) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _webhook_info(self, params: Params) -> Params:
        info: Params = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # --- control API for other processes (/_fake/...)

    async def _control(self, request: web.Request, action: Callable[[Params], Any]) -> web.Response:
        try:
            body = await request.json()
            return _respond(200, {"ok": True, "result": action(body)})
        except (ValueError, KeyError, TypeError, LookupError) as error:
            return _respond(400, {"ok": False, "description": f"{type(error).__name__}: {error}"})

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
        return _respond(200, {"ok": True, "result": calls, "next": len(self.calls)})

    async def _control_messages(self, request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        return _respond(200, {"ok": True, "result": self.messages.get(chat_id, [])})


# --- helpers without state --------------------------------------------------------------------


def _require_chat(params: Params) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise _bad("chat_id is empty")
    if not isinstance(chat_id, int):
        raise _bad("chat not found")
    return chat_id


def _format(params: Params, key: str) -> Params:
    """Text or caption as Telegram stores it: parsed, trimmed, checked for length."""
    entities_key = "entities" if key == "text" else "caption_entities"
    raw = params.get(key)
    if raw is None or raw == "":
        if key == "text":
            raise _bad("message text is empty")
        return {}
    text, entities = str(raw), params.get(entities_key) or []
    if str(params.get("parse_mode", "")).lower() == "html":
        text, entities = parse_html(text)
    text, entities = _strip(text, entities)
    if not text and key == "text":
        raise _bad("message text is empty")
    if utf16_len(text) > (4096 if key == "text" else 1024):
        raise _bad("message is too long" if key == "text" else "message caption is too long")
    content: Params = {key: text} if text else {}
    if entities:
        content[entities_key] = entities
    return content


def _check_inline_keyboard(markup: Params) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
    for button in (button for row in rows for button in row):
        if not button.get("text"):
            raise _bad("can't parse inline keyboard button: Text must be non-empty")
        if len(button) < 2:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise _bad("BUTTON_DATA_INVALID")


def _callback_datas(message: Params) -> set[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["callback_data"] for row in rows for b in row if "callback_data" in b}


def _scope_key(scope: Params | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _profile_of(body: Params) -> Params:
    return {k: body[k] for k in ("language_code", "first_name", "username") if k in body}


def _snapshot(result: Any) -> Any:
    # Stored messages change on edit; the call keeps what was answered at the time.
    return dict(result) if isinstance(result, dict) else result


async def _serve(host: str, port: int, token: str) -> None:
    api = FakeBotAPI(token)
    await api.start(host, port)
    print(f"fake Bot API on {api.base_url} (token {token}); Ctrl-C to stop", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
