"""Benchmark: the real bot (`python -m bot run`) behind its webhook, fed as Telegram feeds one.

The fake Bot API runs in this process and answers every call after 50 ms, as Telegram does from
afar. The bot runs as a subprocess on a scratch database (campaigns around four communes) and
serves its webhook on 127.0.0.1. Each resident, in their own private chat, sends seven updates in
order: /start, their commune, a radius button, /nearby, the first card of the list, Follow,
/following. As Telegram does, the bench POSTs a chat's next update only once the previous one was
answered 200, redelivers after a pause what was not, and keeps at most 40 requests in flight. A
button is pressed only once the message carrying it reached the fake API.

An update is answered when its reply (the last call its handler makes: webhook_chats.answers)
reached the fake API; a reply that does not fit the step it answers (a list for another radius,
"where do you live?" once the place is known), or that comes after a later step's reply, is out of
order. Phase 1 feeds 2,000 residents as fast as 40 connections allow (`handled_per_s`); phase 2
offers 100 updates per second from fresh residents and times each update from its first POST to
its reply's arrival (`p95_ms`). Prints one JSON object on its last line.

Goals: 0 unanswered, 0 out of order, handled_per_s >= 200, p95_ms <= 250 at 100 updates/s
offered, on SQLite and PostgreSQL.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import signal
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import aiohttp
from common import NOW, ROOT, bench_url, campaign_rows, fresh_database, insert_rows, percentile
from sqlalchemy.engine import make_url
from webhook_chats import STEPS, Feeder, Replies, Resident, Texts, Webhook

from bot.devtools.fakeapi import FakeBotAPI
from bot.domain.gazetteer import Commune, Gazetteer
from storage.db import create_engine, migrate
from storage.models import Campaign

GOALS = "goals: 0 unanswered, 0 out of order, handled_per_s >= 200, p95_ms <= 250 at 100/s offered"
TOKEN = "123456:BENCH"
API_LATENCY = 0.05  # seconds Telegram takes to answer a call
IN_FLIGHT = 40  # Telegram's default max_connections for a webhook
ACTIVE = 3 * IN_FLIGHT  # residents talking at once in phase 1, enough to keep 40 in flight
PLACES = ("Saint-Lô", "37000", "Caen", "Rennes")  # each resolves to exactly one commune
CAMPAIGNS_PER_PLACE = 100
DRAIN = 5.0  # seconds to wait for late replies once every update was delivered


def tally(residents: list[Resident], feeder: Feeder) -> dict[str, Any]:
    return {
        "unanswered": sum(r is None for resident in residents for r in resident.replies),
        "out_of_order": sum(resident.out_of_order for resident in residents),
        # Never sent: the button to press never came, or the deadline passed.
        "unsent": sum(p is None for resident in residents for p in resident.posted),
        "redelivered": dict(feeder.redelivered),
    }


async def drain(replies: Replies, residents: list[Resident]) -> None:
    """Give the replies still on their way a few seconds to arrive."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DRAIN):
            while any(r.waiting() for r in residents):
                await replies.progress.wait()


async def saturate(feeder: Feeder, residents: list[Resident]) -> dict[str, Any]:
    """Phase 1: every resident as fast as 40 connections allow; updates answered per second."""
    active = asyncio.Semaphore(ACTIVE)

    async def one(resident: Resident) -> None:
        async with active:
            await feeder.converse(resident)

    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(feeder.deadline - started + 1):
            await asyncio.gather(*(one(r) for r in residents))
    await drain(feeder.replies, residents)
    arrivals = [c.at for r in residents for c in r.replies if c is not None]
    elapsed = (max(arrivals) - started) if arrivals else 0.0
    rate = round(len(arrivals) / elapsed) if elapsed > 0 else 0
    return {"handled_per_s": rate, **tally(residents, feeder)}


async def pace(feeder: Feeder, residents: list[Resident], rate: float) -> dict[str, Any]:
    """Phase 2: residents started at a steady rate, so `rate` updates/s are offered; p95."""
    interval, started = len(STEPS) / rate, time.monotonic()
    tasks = []
    for index, resident in enumerate(residents):
        await asyncio.sleep(max(0.0, started + index * interval - time.monotonic()))
        tasks.append(asyncio.create_task(feeder.converse(resident)))
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(feeder.deadline - time.monotonic() + 1):
            await asyncio.gather(*tasks)
    await drain(feeder.replies, residents)
    posts = [p for r in residents for p in r.posted if p is not None]
    delays = [
        call.at - posted
        for r in residents
        for posted, call in zip(r.posted, r.replies, strict=True)
        if posted is not None and call is not None
    ]
    figures = tally(residents, feeder)
    return {
        "p95_ms": round(percentile(delays, 0.95) * 1000) if delays else None,
        "paced_offered_per_s": round(len(posts) / (max(posts) - min(posts)), 1) if posts else 0,
        "paced_users": len(residents),
        **{f"paced_{name}": value for name, value in figures.items()},
    }


class BotProcess:
    """`python -m bot run` in webhook mode, its output in a temporary file."""

    def __init__(self, env: dict[str, str], workdir: str) -> None:
        self.env, self.workdir = env, workdir
        self.log: IO[bytes] = open(Path(workdir) / "bot.log", "w+b")  # noqa: SIM115
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.env,
            stdout=self.log, stderr=self.log,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def healthy(self, http: aiohttp.ClientSession, url: str) -> None:
        for _attempt in range(300):  # a minute: start-up migrates and loads the campaigns
            if not self.alive():
                break
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the bot never answered {url}\n{self.tail()}")

    async def stop(self) -> int | None:
        """SIGTERM, then wait for the bot to finish what it acknowledged; its exit code."""
        if self.process is None:
            return None
        died = self.process.returncode is not None
        if not died:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 40)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if died or self.process.returncode:
            print(f"the bot exited with {self.process.returncode}:\n{self.tail()}", file=sys.stderr)
        self.report_problems()
        self.log.close()
        return self.process.returncode

    def report_problems(self) -> None:
        """The bot's warnings and errors, counted, with the first of each kind and its cause."""
        self.log.flush()
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines()
        problems = [i for i, line in enumerate(lines) if " WARNING " in line or " ERROR " in line]
        kinds: dict[str, int] = {}
        for index in problems:
            kind = lines[index].split(": ", 1)[-1][:80]
            if kind not in kinds:
                cause = next((x for x in lines[index + 1 : index + 60] if "Error" in x), "")
                print(f"bot: {lines[index][:200]}\n  {cause[:200]}", file=sys.stderr)
            kinds[kind] = kinds.get(kind, 0) + 1
        if problems:
            print(f"bot: {len(problems)} warnings and errors in its log", file=sys.stderr)
            if os.environ.get("BENCH_BOT_LOG"):
                Path(os.environ["BENCH_BOT_LOG"]).write_text("\n".join(lines))

    def tail(self, size: int = 4000) -> str:
        self.log.flush()
        self.log.seek(max(0, self.log.seek(0, os.SEEK_END) - size))
        return self.log.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(api_url: str, db_url: str, port: int, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "DATABASE_"))}
    return env | {
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": db_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook",
        "WEBHOOK_SECRET": secret,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        # Milestone alerts are bench/delivery.py's and bench/alert_scan.py's: a scan during the
        # run would only add sends that answer no update.
        "ALERT_SCAN_MINUTES": "1440",
    }


def places(gazetteer: Gazetteer) -> list[Commune]:
    found = [gazetteer.search(place).matches for place in PLACES]
    assert all(len(matches) == 1 for matches in found), "each place must name one commune"
    return [matches[0] for matches in found]


async def prepare_database(url: str, communes: list[Commune]) -> None:
    """A fresh migrated database with campaigns around the communes, dated around today."""
    await fresh_database(url)
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    rng, shift = random.Random(11), datetime.now(UTC) - NOW
    rows = campaign_rows(communes, CAMPAIGNS_PER_PLACE * len(communes), rng)  # type: ignore[arg-type]
    for row in rows:
        row["starts_at"] += shift
        row["ends_at"] += shift
    await insert_rows(url, Campaign, rows)


def residents_of(
    replies: Replies, communes: list[Commune], count: int, first_index: int
) -> list[Resident]:
    result = []
    for index in range(first_index, first_index + count):
        user_id = 500_000_000 + index
        user = replies.fake.add_user(user_id, language_code="fr", first_name=f"Resident {index}")
        place = index % len(PLACES)
        resident = Resident(user, PLACES[place], communes[place].name, 1 + index * len(STEPS))
        replies.residents[user_id] = resident
        result.append(resident)
    return result


async def measure(args: argparse.Namespace, url: str, workdir: str) -> dict[str, Any]:
    communes = places(Gazetteer.load())
    await prepare_database(url, communes)
    async with FakeBotAPI(TOKEN) as fake:
        fake.faults.latency = API_LATENCY
        port, secret = free_port(), secrets.token_urlsafe(24)
        bot = BotProcess(bot_env(fake.base_url, url, port, secret), workdir)
        replies = Replies(fake, Texts(communes))
        follower = asyncio.create_task(replies.follow())
        connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
        timeout = aiohttp.ClientTimeout(total=30)
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
                aiohttp.ClientSession(timeout=timeout) as api,
            ):
                await bot.start()
                await bot.healthy(http, f"http://127.0.0.1:{port}/healthz")
                webhook_url = f"http://127.0.0.1:{port}/webhook"
                api_url = f"{fake.base_url}/bot{TOKEN}/"
                webhook = Webhook(http, webhook_url, secret, bot.alive, api, api_url)
                figures = await run_phases(args, replies, webhook, communes)
        finally:
            exit_code = await bot.stop()
            follower.cancel()
        return {**figures, "api_refused": replies.refused, "bot_exit": exit_code}


async def run_phases(
    args: argparse.Namespace, replies: Replies, webhook: Webhook, communes: list[Commune]
) -> dict[str, Any]:
    first = residents_of(replies, communes, args.users, 0)
    paced_count = round(args.paced_seconds * args.paced_rate / len(STEPS))
    second = residents_of(replies, communes, paced_count, args.users)
    figures = await saturate(Feeder(webhook, replies, time.monotonic() + args.deadline), first)
    deadline = time.monotonic() + args.paced_seconds + 60
    return figures | await pace(Feeder(webhook, replies, deadline), second, args.paced_rate)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--paced-rate", type=float, default=100.0, help="updates/s in phase 2")
    parser.add_argument("--paced-seconds", type=float, default=25.0)
    parser.add_argument("--deadline", type=float, default=420.0, help="seconds for phase 1")
    args = parser.parse_args()
    url = bench_url("webhook")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        figures = asyncio.run(measure(args, url, workdir))
    print(GOALS + " (SQLite and PostgreSQL)")
    summary = {
        "users": args.users,
        "updates": args.users * len(STEPS),
        "api_latency_ms": round(API_LATENCY * 1000),
        "backend": make_url(url).get_backend_name(),
        "in_flight": IN_FLIGHT,
        "paced_per_s": round(args.paced_rate),
        **figures,
        "seconds": round(time.monotonic() - started),
        # This process (fake API and clients) against the bot's: the bench must stay cheap.
        "bench_cpu_s": round(time.process_time()),
        "bot_cpu_s": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
