"""A local fake Telegram Bot API server (aiohttp), kept in memory.

Used by end-to-end tests (the real bot polls it), by the terminal sandbox (a person chats with the
bot through it) and by delivery tests and benchmarks (it simulates Telegram's limits and faults).
It answers like Telegram does, so aiogram parses every response into its own types.

Known simplifications: ``parse_mode="HTML"`` is parsed into entities like Telegram does, Markdown
modes are not (the text is stored as sent); chats the bot never heard from are still reachable.

Run out of process with ``python -m bot.devtools.fakeapi --port 8081``; the ``/_fake/`` JSON routes
let another process inject user input and read what the bot did.
"""

from bot.devtools.fakeapi.cli import main
from bot.devtools.fakeapi.entities import parse_html, utf16_len
from bot.devtools.fakeapi.errors import ApiError
from bot.devtools.fakeapi.faults import FaultConfig
from bot.devtools.fakeapi.records import Call, Handler, Params, UploadedFile
from bot.devtools.fakeapi.server import SEND_METHODS, FakeBotAPI

__all__ = [
    "SEND_METHODS",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "FaultConfig",
    "Handler",
    "Params",
    "UploadedFile",
    "main",
    "parse_html",
    "utf16_len",
]
