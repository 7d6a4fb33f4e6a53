"""Operator commands: `python -m bot outbox` (counts) and `python -m bot deliver` (the worker)."""

import asyncio
import contextlib
import signal
from collections.abc import Callable

from bot.app import freeze_start_up_objects
from bot.delivery.worker import DeliveryWorker
from bot.factory import create_bot
from bot.i18n import create_i18n
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, in_migrated_session, migrate
from storage.repo import outbox

Text = Callable[..., str]


async def print_counts(settings: Settings, text: Text) -> int:
    """A table of the outbox: one line per status and kind, with totals per status."""
    rows = await in_migrated_session(settings.database_url, outbox.counts)
    if not rows:
        print(text("cli.outbox.empty"))
        return 0
    heads = [text(f"cli.outbox.{key}") for key in ("status", "kind", "count")]
    print(f"{heads[0]:<10} {heads[1]:<14} {heads[2]:>8}")
    totals: dict[str, int] = {}
    for status, kind, count in rows:
        print(f"{status:<10} {kind:<14} {count:>8}")
        totals[status] = totals.get(status, 0) + count
    print(text("cli.outbox.totals", totals=", ".join(f"{s} {n}" for s, n in totals.items())))
    return 0


async def run_deliver(settings: Settings, until_empty: bool) -> int:
    """The delivery worker on its own: recover, then send until stopped (or the outbox is empty)."""
    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    worker = DeliveryWorker(
        bot, create_sessionmaker(engine), create_i18n(settings.default_locale), settings
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, worker.stop)
    try:
        await migrate(engine)
        await worker.recover()
        freeze_start_up_objects()
        await worker.run(until_empty=until_empty)
    finally:
        await bot.session.close()
        await engine.dispose()
    return 0
