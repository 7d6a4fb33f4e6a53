"""`make run` without a token: a non-zero exit that says how to get one and how to try the bot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("lang", "locale"), [("fr_FR.UTF-8", "fr"), ("en_GB.UTF-8", "en")])
def test_run_without_token_explains_what_to_do(
    tmp_path: Path, i18n: I18n, lang: str, locale: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "WEBHOOK_URL")}
    env |= {"LANG": lang, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env file here
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert i18n.gettext("cli.no_token", locale=locale) in done.stderr
    assert "make sandbox" in done.stderr
    assert not list(tmp_path.iterdir())  # it touched nothing (no database created)


async def test_outbox_counts_on_a_fresh_database(
    tmp_path: Path, i18n: I18n, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.delivery.cli import print_counts
    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    text = lambda key, **values: i18n.gettext(key, locale="en").format(**values)  # noqa: E731
    assert await print_counts(settings, text) == 0
    assert capsys.readouterr().out.strip() == i18n.gettext("cli.outbox.empty", locale="en")
