"""Running the bot: long polling, or a webhook server when WEBHOOK_URL is set."""

import asyncio
import contextlib
import gc
import logging
import secrets
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.utils.i18n import I18n
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.scheduler import Scheduler
from bot.delivery.worker import DeliveryWorker
from bot.domain.gazetteer import Gazetteer
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_i18n
from bot.intake import Poller, UpdateRunner, webhook_handler
from bot.menus import set_commands
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
        self.dispatcher["read_models"].close()
        await self.engine.dispose()


async def build_app(settings: Settings, token: str | None = None, **dp_kwargs: object) -> App:
    """Migrated database, gazetteer, catalogues, bot and dispatcher, ready to run."""
    engine = create_engine(settings.database_url)
    await migrate(engine)
    i18n = create_i18n(settings.default_locale)
    sessionmaker = create_sessionmaker(engine)
    dispatcher = create_dispatcher(
        settings,
        sessionmaker,
        Gazetteer.load(),
        i18n,
        **dp_kwargs,  # type: ignore[arg-type]
    )
    async with sessionmaker() as session:  # the campaign index, before the first update
        await dispatcher["read_models"].refresh(session)
    return App(settings, engine, i18n, create_bot(settings, token), dispatcher)


def freeze_start_up_objects() -> None:
    """Keep what start-up built (aiogram's models, the gazetteer, the catalogues) out of the
    garbage collector's full passes. Each pass over them took about 100 ms, a stall long
    enough to cost a paid broadcast a tenth of a second of sending, and every update handled
    in it as much; they live as long as the process anyway."""
    gc.collect()
    gc.freeze()


@dataclass
class Background:
    """The delivery worker (a long-running task) and the scheduler that wakes it and the scan."""

    worker: DeliveryWorker
    scheduler: Scheduler
    task: "asyncio.Task[None]"

    async def stop(self) -> None:
        """The scheduler first (a running scan may finish and queue), then the worker."""
        await self.scheduler.stop()
        self.worker.stop()
        await self.task


async def start_background(app: App) -> Background:
    sessionmaker = create_sessionmaker(app.engine)
    worker = DeliveryWorker(app.bot, sessionmaker, app.i18n, app.settings)
    app.dispatcher["wake_delivery"] = worker.wake  # handlers' queued rows go out at once
    await worker.recover()
    task = asyncio.create_task(worker.run())
    scheduler = Scheduler(
        app.settings, sessionmaker, worker.wake, gazetteer=app.dispatcher["gazetteer"]
    )
    scheduler.start()
    return Background(worker, scheduler, task)


async def database_problem(engine: AsyncEngine, timeout: float = 3.0) -> str | None:  # noqa: ASYNC109
    """None when the database answers a trivial query in time; else the kind of failure."""
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return "timeout"
    except (SQLAlchemyError, OSError) as error:
        log.warning("health check: the database failed (%s)", type(error).__name__)
        return type(error).__name__
    return None


async def wait_for_telegram(bot: Bot, max_backoff: float = 60.0) -> None:
    """Start-up: retry the Bot API until it answers (a network outage, Telegram down), with
    backoff and a log line each time; a refused token is final."""
    delay = 1.0
    while True:
        try:
            await bot.me()
            return
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("the Bot API is unreachable (%s): trying again in %.0f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff)


def update_runner(app: App) -> UpdateRunner:
    return UpdateRunner(app.dispatcher, app.bot, app.settings.updates_in_progress)


async def run_polling(app: App) -> None:
    """Poll until SIGTERM or SIGINT; the batch in progress finishes, then the worker stops."""
    await wait_for_telegram(app.bot)
    await app.bot.delete_webhook(drop_pending_updates=False)
    await set_commands(app.bot, app.i18n)
    poller = Poller(update_runner(app))
    stop = asyncio.Event()
    background = await start_background(app)
    freeze_start_up_objects()
    try:
        with stop_on_signals(stop):
            polling = asyncio.create_task(poller.run(app.settings.shutdown_timeout))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
            poller.stop()
            stopped.cancel()
            await polling
    finally:
        await background.stop()


def webhook_application(app: App, secret: str, runner: UpdateRunner) -> web.Application:
    """The aiohttp app: Telegram's updates on the webhook path (401 without the secret)."""
    path = urlsplit(app.settings.webhook_url or "/webhook").path or "/webhook"
    web_app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        """Ready when the database answers; otherwise 503 and what failed."""
        problem = await database_problem(app.engine)
        if problem is None:
            return web.json_response({"ok": True, "database": "ok"})
        return web.json_response({"ok": False, "database": problem}, status=503)

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_post(path, webhook_handler(runner, secret))
    return web_app


async def run_webhook(app: App) -> None:
    """Serve the webhook until SIGTERM or SIGINT. Then new updates get 503 (Telegram sends them
    again later), those in progress finish (up to SHUTDOWN_TIMEOUT), and the worker and
    scheduler stop."""
    settings = app.settings
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    assert settings.webhook_url
    runner = update_runner(app)
    stop = asyncio.Event()
    with stop_on_signals(stop):
        await wait_for_telegram(app.bot)
        await set_commands(app.bot, app.i18n)
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            max_connections=settings.updates_in_progress,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
        server = web.AppRunner(
            webhook_application(app, secret, runner),
            access_log=None,
            shutdown_timeout=2.0,  # what is left once drained: cut
        )
        await server.setup()
        try:
            site = web.TCPSite(server, settings.webhook_host, settings.webhook_port)
            await site.start()
            log.info("webhook served on %s:%s", settings.webhook_host, settings.webhook_port)
            background = await start_background(app)
            freeze_start_up_objects()
            try:
                await stop.wait()
                runner.closing = True
                await runner.drain(settings.shutdown_timeout)
            finally:
                await background.stop()
        finally:
            await server.cleanup()


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` while in the block (then their usual handling is back)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, _on_signal, sig, stop)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _on_signal(sig: signal.Signals, stop: asyncio.Event) -> None:
    log.info("received %s: stopping", sig.name)
    stop.set()
