"""`python -m bot sandbox`: chat with the real bot in this terminal, against the local fake Bot API.

The real app (factory, middlewares, routers, migrations) runs on a temporary SQLite database loaded
with the demo campaigns; the person types as one resident. Nothing reaches Telegram.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.devtools.fakeapi import FakeBotAPI
from bot.devtools.sandbox_chat import Out, SandboxChat, StdinReader, sandbox_language
from bot.i18n import create_i18n
from bot.intake import Poller
from bot.menus import set_commands
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App

SANDBOX_TOKEN = "123456:SANDBOX"


async def load_demo_data(app: "App") -> None:
    from bot.imports.demo import load_demo
    from storage.db import create_sessionmaker

    async with create_sessionmaker(app.engine)() as session:
        await load_demo(
            session, app.dispatcher["gazetteer"], datetime.now(UTC), app.settings.timezone
        )
        await session.commit()
        await app.dispatcher["read_models"].refresh(session)  # listed from the first update


async def _poll(app: "App", poller: Poller) -> None:
    # A batch's offset is confirmed once all of it is handled, which is what tells the chat
    # that the bot's replies are all in.
    await set_commands(app.bot, app.i18n)
    await poller.run()


async def _until_polling(fake: FakeBotAPI, polling: "asyncio.Task[None]") -> None:
    """Wait until polling has started (its getMe); raise at once if it failed before."""
    ready = asyncio.ensure_future(fake.wait_for_calls("getMe", timeout=30))
    await asyncio.wait({ready, polling}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        polling.result()
        raise RuntimeError("polling stopped before it started")
    ready.result()


async def _stop_polling(poller: Poller, polling: "asyncio.Task[None]") -> None:
    if not polling.done():
        poller.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(polling, 5)


@contextlib.asynccontextmanager
async def running_sandbox(
    settings: Settings, database_url: str | None = None
) -> AsyncIterator[tuple[FakeBotAPI, "App"]]:
    """The fake Bot API and the real app polling it, with its delivery worker and scheduler, on
    a database (a temporary SQLite file unless given) loaded with the demo campaigns."""
    # Imported here, after run_sandbox quietened logging: importing Alembic logs at INFO.
    from bot.app import build_app, start_background, update_runner

    async with contextlib.AsyncExitStack() as stack:
        workdir = tempfile.mkdtemp(prefix="companion-sandbox-")
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        fake = FakeBotAPI(SANDBOX_TOKEN, bot_username="sandbox_companion_bot", bot_name="Sandbox")
        await fake.start()
        stack.push_async_callback(fake.stop)
        overrides = {
            "bot_token": SANDBOX_TOKEN,
            "telegram_api_url": fake.base_url,
            "database_url": database_url or f"sqlite+aiosqlite:///{Path(workdir) / 'sandbox.db'}",
            "webhook_url": None,
        }
        app = await build_app(settings.model_copy(update=overrides))
        stack.push_async_callback(app.close)
        await load_demo_data(app)
        poller = Poller(update_runner(app), timeout=10)
        polling = asyncio.create_task(_poll(app, poller))
        stack.push_async_callback(_stop_polling, poller, polling)
        await _until_polling(fake, polling)
        background = await start_background(app)
        stack.push_async_callback(background.stop)
        yield fake, app


async def run_sandbox(settings: Settings) -> int:
    """`python -m bot sandbox`: the sandbox, and the person's terminal as the chat."""
    for name in ("", "alembic", "aiogram"):  # the chat is the output; only problems are logged
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    lang = sandbox_language(settings.default_locale)
    chat_out: Out = lambda text: print(text, flush=True)  # noqa: E731
    chat_out(create_i18n(settings.default_locale).gettext("sandbox.starting", locale=lang))
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        async with running_sandbox(settings) as (fake, app):
            color = tty and "NO_COLOR" not in os.environ
            chat = SandboxChat(fake, app.i18n, lang=lang, out=chat_out, color=color)
            watcher = asyncio.create_task(chat.watch())
            try:
                await chat.run(StdinReader("> " if tty else "").readline)
            finally:
                watcher.cancel()
        return 0
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels us; leave as cleanly as /quit
        if (task := asyncio.current_task()) is not None:
            task.uncancel()
        chat_out("")
        return 130
