"""Stopping cleanly: the worker during a read, the scheduler during a job, the bot on SIGTERM."""

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.delivery.scheduler
from bot.delivery.scheduler import Scheduler
from bot.delivery.worker import DeliveryWorker
from bot.devtools.fakeapi import FakeBotAPI
from bot.factory import create_bot
from bot.settings import Settings
from storage.repo import claims
from tests.delivery_helpers import SkipClock, settings_for
from tests.e2e import TOKEN

ROOT = Path(__file__).resolve().parent.parent


async def never(_seconds: float) -> None:
    """An injected sleep that only ends when cancelled: the worker must not rely on it ending."""
    await asyncio.Event().wait()


@pytest.fixture
async def worker(
    sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n
) -> AsyncIterator[DeliveryWorker]:
    settings = settings_for("http://127.0.0.1:9", delivery_idle_seconds=5.0)
    telegram = create_bot(settings)
    yield DeliveryWorker(telegram, sessionmaker, i18n, settings, clock=SkipClock(), sleep=never)
    await telegram.session.close()


@pytest.mark.parametrize("read", ["next_due", "claim_due"])
async def test_stop_during_a_read_returns_at_once(
    worker: DeliveryWorker, monkeypatch: pytest.MonkeyPatch, read: str
) -> None:
    original = getattr(claims, read)
    reads: list[str] = []

    async def read_then_stop(*args: Any) -> Any:
        result = await original(*args)
        if not reads:
            worker.stop()  # arrives while the worker awaits the database
        reads.append(read)
        return result

    monkeypatch.setattr(claims, read, read_then_stop)
    await asyncio.wait_for(worker.run(), 2)  # not the idle time: `never` would hang forever
    assert reads == [read]


@pytest.fixture
def scheduler(sessionmaker: async_sessionmaker[AsyncSession]) -> Scheduler:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Scheduler(settings, sessionmaker, lambda: None)


def slow_scan(started: asyncio.Event, seconds: float, done: list[str]) -> Any:
    async def alert_scan(*_args: Any) -> None:
        started.set()
        await asyncio.sleep(seconds)
        done.append("scan")

    return alert_scan


@pytest.mark.parametrize(("scan_seconds", "finished"), [(0.2, ["scan"]), (60, [])])
async def test_scheduler_stop_waits_for_the_scan_then_cancels_it_quietly(
    scheduler: Scheduler,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    scan_seconds: float,
    finished: list[str],
) -> None:
    started, done = asyncio.Event(), []
    scan = slow_scan(started, scan_seconds, done)
    monkeypatch.setattr(bot.delivery.scheduler, "alert_scan", scan)
    scheduler.start(scan_now=True)
    await asyncio.wait_for(started.wait(), 2)
    with caplog.at_level(logging.INFO):
        await asyncio.wait_for(scheduler.stop(grace=0.5), 2)
    await asyncio.sleep(0.05)  # APScheduler's done-callbacks log here
    assert done == finished
    assert not scheduler.scheduler.running
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    cancelled = [r for r in caplog.records if "cancelled as the bot stops" in r.getMessage()]
    assert len(cancelled) == (0 if finished else 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_sigterm_stops_the_bot_cleanly_right_after_start(tmp_path: Path, mode: str) -> None:
    """`python -m bot run`, SIGTERM during the start-up scan: exit 0, quiet log, worker stopped."""
    port = free_port()
    async with FakeBotAPI(TOKEN) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "LOG_LEVEL": "INFO",
        }
        if mode == "webhook":
            env |= {
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
                "WEBHOOK_HOST": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
            }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        try:
            started = "webhook served on" if mode == "webhook" else "polling as @"
            log = await asyncio.wait_for(read_until(process.stderr, started), 60)
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 10)
            log += (await process.stderr.read()).decode()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert code == 0, log
    assert "outbox: worker stopped" in log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert "alembic" not in log  # its INFO lines (one per migration) are not shown


async def read_until(stream: asyncio.StreamReader, text: str) -> str:
    """The process's log up to the first line that contains `text`."""
    lines: list[str] = []
    while not any(text in line for line in lines):
        line = await stream.readline()
        if not line:
            pytest.fail("".join(lines))
        lines.append(line.decode())
    return "".join(lines)
