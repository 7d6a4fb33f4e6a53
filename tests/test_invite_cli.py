"""`python -m bot invite CAMPAIGN_ID` prints a working single-use invitation link."""

import asyncio
import os
import re
import sys
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Invitation
from storage.repo import holders
from tests.e2e import TOKEN, Harness
from tests.factories import add_campaigns, campaign

ROOT = Path(__file__).resolve().parent.parent


async def run_cli(harness: Harness, tmp_path: Path, *args: str, token: bool = True) -> tuple:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "WEBHOOK_URL")}
    env |= {
        "LANG": "en_GB.UTF-8",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": harness.settings.database_url,
        "TELEGRAM_API_URL": harness.fake.base_url,
    }
    if token:
        env["BOT_TOKEN"] = TOKEN
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "invite", *args,
        cwd=tmp_path, env=env,  # no .env file there
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_the_printed_link_makes_its_opener_a_holder(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path, i18n: I18n
) -> None:
    [exp3d] = await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Exp3D"))
    code, out, err = await run_cli(harness, tmp_path, str(exp3d))
    assert code == 0, err
    found = re.search(r"https://t\.me/fake_bot\?start=(h_[A-Za-z0-9_-]+)", out)
    assert found is not None, out
    head = i18n.gettext("cli.invite.link", locale="en").split("{expires}")[0]
    assert out.startswith(head.format(title="Exp3D", id=exp3d))
    async with sessionmaker() as session:
        invitation = await session.get(Invitation, 1)
        assert invitation is not None and invitation.created_by is None  # the command line

    chat = harness.chat(2201)
    [reply] = await chat.send(f"/start {found[1]}")
    assert reply["text"] == chat.t("invite.claimed", title="Exp3D")
    async with sessionmaker() as session:
        assert await holders.campaigns_of(session, 2201) == [exp3d]


async def test_an_unknown_campaign_or_no_token_is_said(
    harness: Harness, tmp_path: Path, i18n: I18n
) -> None:
    code, out, err = await run_cli(harness, tmp_path, "999")
    assert (code, out) == (1, "")
    assert err.strip() == i18n.gettext("cli.invite.unknown", locale="en").format(id=999)
    code, out, err = await run_cli(harness, tmp_path, "1", token=False)
    assert (code, out) == (2, "")
    assert err.strip() == i18n.gettext("cli.invite.no_token", locale="en")
