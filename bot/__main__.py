"""Command line: `python -m bot run | sandbox | import FILE --source NAME | demo | outbox |
deliver | invite CAMPAIGN_ID`."""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.i18n import create_i18n
from bot.settings import Settings


def cli_language() -> str:
    """The terminal's language (LANG) when the bot speaks it, else English."""
    lang = os.environ.get("LANG", "")[:2]
    return lang if lang in ("fr", "en") else "en"


def cli_text(key: str, **values: object) -> str:
    """Operator-facing text from the catalogues, in the terminal's language (fr or en)."""
    i18n = create_i18n("fr")
    return i18n.gettext(key, locale=cli_language()).format(**values)


def serve(main: Coroutine[Any, Any, int]) -> int:
    """Run a long-lived service on uvloop (libuv's event loop) where it is installed: sockets,
    timers and callbacks cost the loop less, so bench/webhook.py handles about 10 % more
    updates per second than on asyncio's own loop. Elsewhere (Windows), asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


async def _run(settings: Settings) -> int:
    from bot.app import build_app, run_polling, run_webhook

    app = await build_app(settings)
    try:
        if settings.webhook_url:
            await run_webhook(app)
        else:
            await run_polling(app)
    finally:
        await app.close()
    return 0


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.bot_token:
        print(cli_text("cli.no_token"), file=sys.stderr)
        return 2
    return serve(_run(settings))


def cmd_sandbox(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.devtools.sandbox import run_sandbox

    return asyncio.run(run_sandbox(settings))


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.imports.importer import run_import

    return asyncio.run(
        run_import(
            settings,
            Path(args.file),
            args.source,
            cli_text,
            allow_duplicates=args.allow_duplicates,
        )
    )


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.imports.demo import run_demo

    return asyncio.run(run_demo(settings, cli_text))


def cmd_outbox(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.delivery.cli import print_counts

    return asyncio.run(print_counts(settings, cli_text))


def cmd_deliver(settings: Settings, args: argparse.Namespace) -> int:
    from bot.delivery.cli import run_deliver

    return serve(run_deliver(settings, args.until_empty))


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.bot_token:  # the link names the bot, which only Telegram can tell
        print(cli_text("cli.invite.no_token"), file=sys.stderr)
        return 2
    return asyncio.run(_invite(settings, args.campaign_id))


async def _invite(settings: Settings, campaign_id: int) -> int:
    """Print a new single-use link that makes its opener a holder of the campaign."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.factory import create_bot
    from bot.ui.formatting import datetime as local_time
    from bot.ui.links import invitation_link
    from storage.db import in_migrated_session
    from storage.models import Campaign, utcnow
    from storage.repo import invitations

    bot = create_bot(settings)
    try:
        username = (await bot.me()).username or ""
    finally:
        await bot.session.close()

    async def invite(session: AsyncSession) -> str | None:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            return None
        token, invitation = await invitations.create(
            session, campaign_id=campaign.id, created_by=None, now=utcnow(),
            days=settings.invitation_days,
        )  # fmt: skip
        expires = local_time(invitation.expires_at, cli_language(), settings.timezone)
        return cli_text("cli.invite.link", title=campaign.title, id=campaign.id, expires=expires,
                        link=invitation_link(username, token))  # fmt: skip

    text = await in_migrated_session(settings.database_url, invite)
    if text is None:
        print(cli_text("cli.invite.unknown", id=campaign_id), file=sys.stderr)
        return 1
    print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling, or a webhook with WEBHOOK_URL)")
    sub.add_parser("sandbox", help="chat with the bot in this terminal, no token needed")
    importer = sub.add_parser("import", help="import campaigns from a CSV or JSON file")
    importer.add_argument("file")
    importer.add_argument(
        "--source",
        help="the catalogue's name: importing again under it updates its campaigns "
        "(required unless the file has a source column)",
    )
    importer.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="import rows that repeat another source's campaigns (same title, holder, "
        "commune and start)",
    )
    sub.add_parser("demo", help="load the demo campaigns into the database")
    sub.add_parser("outbox", help="count the outbox's notifications by status and kind")
    deliver = sub.add_parser("deliver", help="run the delivery worker alone")
    deliver.add_argument("--until-empty", action="store_true", help="stop when nothing is left")
    invite = sub.add_parser("invite", help="print a link that makes its opener a campaign's holder")
    invite.add_argument("campaign_id", type=int)
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic tells every migration it runs at each start-up, APScheduler every run of the
    # 5-second "deliver" job: not news. Their warnings and errors still show.
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    handlers = {
        "run": cmd_run,
        "sandbox": cmd_sandbox,
        "import": cmd_import,
        "demo": cmd_demo,
        "outbox": cmd_outbox,
        "deliver": cmd_deliver,
        "invite": cmd_invite,
    }
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
