"""Running the bot: long polling, or a webhook server when WEBHOOK_URL is set."""

import asyncio
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import DeliveryWorker
from bot.factory import create_bot, create_dispatcher, set_commands
from bot.gazetteer import Gazetteer
from bot.i18n import create_i18n
from bot.scheduler import Scheduler
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, migrate

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    i18n: I18n
    bot: Bot
    dispatcher: Dispatcher

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine.dispose()


async def build_app(settings: Settings, token: str | None = None, **dp_kwargs: object) -> App:
    """Migrated database, gazetteer, catalogues, bot and dispatcher, ready to run."""
    engine = create_engine(settings.database_url)
    await migrate(engine)
    i18n = create_i18n(settings.default_locale)
    dispatcher = create_dispatcher(
        settings,
        create_sessionmaker(engine),
        Gazetteer.load(),
        i18n,
        **dp_kwargs,  # type: ignore[arg-type]
    )
    return App(settings, engine, i18n, create_bot(settings, token), dispatcher)


@dataclass
class Background:
    """The delivery worker (a long-running task) and the scheduler that wakes it and the scan."""

    worker: DeliveryWorker
    scheduler: Scheduler
    task: "asyncio.Task[None]"

    async def stop(self) -> None:
        self.scheduler.shutdown()
        self.worker.stop()
        await self.task


async def start_background(app: App) -> Background:
    sessionmaker = create_sessionmaker(app.engine)
    worker = DeliveryWorker(app.bot, sessionmaker, app.i18n, app.settings)
    await worker.recover()
    task = asyncio.create_task(worker.run())
    scheduler = Scheduler(app.settings, sessionmaker, worker.wake)
    scheduler.start()
    return Background(worker, scheduler, task)


async def run_polling(app: App) -> None:
    await app.bot.delete_webhook(drop_pending_updates=False)
    await set_commands(app.bot, app.i18n)
    background = await start_background(app)
    try:
        await app.dispatcher.start_polling(app.bot, handle_signals=True)
    finally:
        await background.stop()


def webhook_application(app: App, secret: str) -> web.Application:
    """The aiohttp app: Telegram's updates on the webhook path (401 without the secret)."""
    path = urlsplit(app.settings.webhook_url or "/webhook").path or "/webhook"
    web_app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=secret).register(web_app, path=path)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


async def run_webhook(app: App) -> None:
    secret = app.settings.webhook_secret or secrets.token_urlsafe(32)
    assert app.settings.webhook_url
    await set_commands(app.bot, app.i18n)
    await app.bot.set_webhook(app.settings.webhook_url, secret_token=secret)
    runner = web.AppRunner(webhook_application(app, secret))
    await runner.setup()
    site = web.TCPSite(runner, app.settings.webhook_host, app.settings.webhook_port)
    await site.start()
    log.info("webhook served on %s:%s", app.settings.webhook_host, app.settings.webhook_port)
    background = await start_background(app)
    try:
        await asyncio.Event().wait()
    finally:
        await background.stop()
        await runner.cleanup()
