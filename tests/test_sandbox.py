"""The terminal sandbox: scripted lines through the real app on the demo data; `make sandbox`."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from bot.devtools.sandbox import running_sandbox
from bot.devtools.sandbox_chat import BOLD, RESET, SandboxChat, number_buttons, styled
from bot.imports.demo import SAINT_LO
from bot.settings import Settings
from tests.e2e import plain

ROOT = Path(__file__).resolve().parent.parent
SAINT_LO_TITLES = {row["external_id"]: row["title"] for _days, row in SAINT_LO}


class Screen:
    """What the sandbox printed, and the catalogue to compare it with."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n
        self.lines: list[str] = []
        self.mark = 0

    def write(self, text: str) -> None:
        self.lines.append(text)

    def new(self) -> str:
        """Everything printed since the last call."""
        text = "\n".join(self.lines[self.mark :])
        self.mark = len(self.lines)
        return text

    def t(self, key: str, locale: str = "fr", **values: object) -> str:
        return plain(self.i18n.gettext(key, locale=locale).format(**values))


@pytest.fixture
async def sandbox(db_url: str, i18n: I18n) -> AsyncIterator[tuple[SandboxChat, Screen]]:
    screen = Screen(i18n)
    async with running_sandbox(Settings(_env_file=None), database_url=db_url) as (fake, app):
        yield SandboxChat(fake, app.i18n, lang="fr", out=screen.write), screen


def number_of(chat: SandboxChat, accept: Callable[[str], bool]) -> int:
    return next(n for n, button in chat.buttons.items() if accept(button.label))


async def test_journey_from_start_to_follow(sandbox: tuple[SandboxChat, Screen]) -> None:
    chat, screen = sandbox
    assert await chat.handle_line("/start")
    out = screen.new()
    # One message: the greeting, then the place question.
    assert screen.t("start.greeting") + "\n\n" + screen.t("place.ask") in out
    assert out.count(screen.t("place.ask")) == 1
    assert screen.t("sandbox.location_hint", label=screen.t("place.share_button")) in out

    await chat.handle_line("saint-lô")
    out = screen.new()
    assert screen.t("place.saved", place="Saint-Lô") in out
    assert screen.t("radius.ask") in out
    # The consent question comes first (its buttons are [1] and [2]), then the radius.
    consent = f"[1] {screen.t('consent.yes')}  [2] {screen.t('consent.no')}"
    assert screen.t("consent.ask") in out and consent in out
    assert "[3] 5 km  [4] 10 km  [5] • 25 km  [6] 50 km" in out

    await chat.handle_line("5")
    out = screen.new()
    # The radius question is edited into the list (no new message); the pick's toast says so.
    header = screen.t("nearby.header", radius=25, place="Saint-Lô")
    assert out.lstrip().startswith(screen.t("sandbox.edited") + "\n" + header)
    assert out.count(header) == 1
    assert screen.t("sandbox.toast", text=screen.t("radius.saved", radius=25)) in out
    assert SAINT_LO_TITLES["oze-exp3d"] in out
    assert SAINT_LO_TITLES["oze-rythme-des-maux"] in out
    assert SAINT_LO_TITLES["oze-cocotte-minute"] not in out  # ended: not listed by default
    assert chat.buttons[1].label == "1"  # card buttons keep their own numbers

    await chat.handle_line("1")
    out = screen.new()
    assert out.lstrip().startswith(screen.t("sandbox.edited"))
    assert SAINT_LO_TITLES["oze-exp3d"] in out
    assert "https://oze.manche.fr/projets/exp3d" in out  # url buttons show their address
    follow = number_of(chat, lambda label: label == screen.t("card.follow"))

    await chat.handle_line(str(follow))
    out = screen.new()
    assert screen.t("sandbox.toast", text=screen.t("card.followed")) in out
    assert chat.buttons[follow].label == screen.t("card.unfollow")  # toggled in place

    await chat.handle_line("/loc 49.116 -1.090")
    out = screen.new()
    assert screen.t("radius.ask") in out
    assert screen.t("sandbox.no_reply") not in out

    assert not await chat.handle_line("/quit")


async def test_language_switch_and_sandbox_commands(sandbox: tuple[SandboxChat, Screen]) -> None:
    chat, screen = sandbox
    await chat.handle_line("/lang en")
    assert screen.new() == screen.t("sandbox.lang_set", "en")
    await chat.handle_line("/start")
    assert screen.t("start.greeting", "en") in screen.new()
    await chat.handle_line("/loc somewhere")
    assert screen.new() == screen.t("sandbox.loc_usage", "en")
    await chat.handle_line("/lang de")
    assert screen.new() == screen.t("sandbox.lang_usage", "en")
    await chat.handle_line("   ")
    assert screen.new() == ""


async def test_run_reads_until_end_of_input(sandbox: tuple[SandboxChat, Screen]) -> None:
    chat, screen = sandbox
    lines = iter(["/help"])

    async def read() -> str | None:
        return next(lines, None)

    await chat.run(read)
    out = screen.new()
    assert out.startswith(screen.t("sandbox.intro"))
    assert screen.t("help.text") in out
    assert out.endswith(screen.t("sandbox.bye"))


def test_styled_shows_bold_and_links() -> None:
    entities = [
        {"type": "bold", "offset": 0, "length": 7},
        {"type": "text_link", "offset": 10, "length": 4, "url": "https://example.org"},
    ]
    text = "🎁 Gift — page"  # the emoji counts two UTF-16 units
    assert styled(text, entities, color=False) == "🎁 Gift — page <https://example.org>"
    assert (
        styled(text, entities, color=True) == f"{BOLD}🎁 Gift{RESET} — page <https://example.org>"
    )


def test_numbered_labels_keep_their_number() -> None:
    rows = [
        [{"text": "6", "callback_data": "a"}, {"text": "7", "callback_data": "b"}],
        [{"text": "Previous", "callback_data": "c"}, {"text": "Page", "url": "https://x"}],
    ]
    numbered = number_buttons(rows, taken={6, 7})
    assert [[n for n, _ in row] for row in numbered] == [[6, 7], [1, 0]]


def test_make_sandbox_command_runs_and_quits(tmp_path: Path, i18n: I18n) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env |= {"LANG": "fr_FR.UTF-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        input="/start\n/quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env here
        env=env,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert plain(i18n.gettext("start.greeting", locale="fr")) in done.stdout
    assert done.stdout.rstrip().endswith(i18n.gettext("sandbox.bye", locale="fr"))
    assert not list(tmp_path.iterdir())  # nothing left behind in the working directory
