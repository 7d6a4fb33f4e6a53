"""`python -m bot.devtools.fakeapi`: run the fake server out of process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.devtools.fakeapi.server import FakeBotAPI


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
