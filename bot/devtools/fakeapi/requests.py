"""Request parsing (query, JSON, form and multipart fields) and the JSON answers."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from aiohttp import web

from bot.devtools.fakeapi.records import Params, UploadedFile

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


async def read_params(request: web.Request) -> Params:
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


def respond(status: int, payload: Any) -> web.Response:
    text = json.dumps(payload, ensure_ascii=False, default=_json_default)
    return web.Response(status=status, text=text, content_type="application/json")


def outcome(status: int) -> str:
    return "ok" if status == 200 else "5xx" if status >= 500 else str(status)
