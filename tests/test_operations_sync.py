"""An operation's platform sync from the bot: its source set in the dialogue, in a file and by
edit (bad values refused, nothing saved); "Sync now" against the local fake of Ulule's API
(campaigns created, the report, the card's state), never alongside another run of the same
operation; the card's Import button leading to a file import."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeulule import ERROR, TIMEOUT, FakeUlule
from bot.domain import operations as fields
from bot.domain.gazetteer import Gazetteer
from bot.imports.operation_file import read_operation_file
from bot.imports.sync import sync_due, sync_now
from bot.ui import formatting
from storage.models import Operation
from storage.repo import platform
from tests.e2e import Chat, Harness, button_labels
from tests.operations_helpers import ADMIN, SAMPLE_YAML, known, tap
from tests.operations_sync_helpers import (
    COORDINATOR,
    LOIRE,
    bot_with_ulule,
    campaigns,
    fake_ulule,
    open_card,
    seed,
    stored,
    text,
    unplaced,
)
from tests.test_coordinator_imports import HEADER, ROWS, send_file
from tests.test_operations_fields import SAMPLE, TZ

BAD_SOURCE = "https://fr.ulule.com/make-in-loire-valley/"


@pytest.fixture
async def fake() -> AsyncIterator[FakeUlule]:
    async for server in fake_ulule():
        yield server


@pytest.fixture
async def bot(
    db_url: str, gazetteer: Gazetteer, i18n: I18n, fake: FakeUlule
) -> AsyncIterator[Harness]:
    async for harness in bot_with_ulule(db_url, gazetteer, i18n, fake):
        yield harness


def refusal(chat: Chat) -> str:
    return chat.t(
        "operation.problem.line",
        field=chat.t("operation.field.sync_source"),
        reason=chat.t("operation.problem.bad_sync_source"),
    )


def source_line(chat: Chat, source: str | None) -> str:
    return chat.t("operation.sync.source", source=source or chat.t("operation.sync.not_set"))


async def count_operations(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Operation)) or 0)


# --- the source ----------------------------------------------------------------------------


async def test_the_source_in_the_dialogue(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    await admin.send("/newoperation")
    for value in ("Op", "37", "ok", "01/12/2026", "31/01/2027", "05/02/2027", "30/03/2027"):
        if value == "ok":
            await admin.press(admin.last, admin.t("operation.form.territory_ok"))
        else:
            await admin.send(value)
    await admin.send("Ulule")
    await admin.press(admin.last, admin.t("operation.form.skip"))  # no link
    [prompt] = await admin.press(admin.last, admin.t("operation.form.skip"))  # no description
    assert text(prompt) == admin.t("operation.ask.sync_source")
    assert admin.t("operation.form.skip") in button_labels(prompt)  # optional

    for bad in (BAD_SOURCE, "users/abc", "search/projects"):
        [reply] = await admin.send(bad)
        assert text(reply) == refusal(admin), bad
    assert await count_operations(sessionmaker) == 0

    [summary] = await admin.send("search/projects?q=loire")
    assert source_line(admin, "search/projects?q=loire") in text(summary)
    await admin.press(summary, admin.t("operation.form.create"))
    assert await count_operations(sessionmaker) == 1
    assert (await stored(sessionmaker, 1)).sync_source == "search/projects?q=loire"


async def test_the_source_in_a_file(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    bad = SAMPLE_YAML + f"sync_source: {BAD_SOURCE}\n".encode()
    [reply] = await send_file(admin, "operation.yaml", bad)
    assert text(reply) == admin.t("operation.file.invalid") + "\n\n" + refusal(admin)
    assert await count_operations(sessionmaker) == 0

    good = SAMPLE_YAML + b"sync_source: users/42\n"
    [summary] = await send_file(admin, "operation.yaml", good)
    assert source_line(admin, "users/42") in text(summary)
    await admin.press(summary, admin.t("operation.form.create"))
    assert (await stored(sessionmaker, 1)).sync_source == "users/42"


def test_the_documented_sample_has_a_source(gazetteer: Gazetteer) -> None:
    draft, problems = fields.from_mapping(
        read_operation_file(SAMPLE.name, SAMPLE.read_bytes()), gazetteer, TZ
    )
    assert problems == []
    assert draft is not None and draft.sync_source == "users/123456"


async def edit_source(chat: Chat, card: dict) -> dict:
    """Edit → Sync source: the prompt."""
    menu = await tap(chat, card, chat.t("operation.menu.edit"))
    [prompt] = await chat.press(menu, chat.t("operation.field.sync_source"))
    return prompt


async def test_the_source_by_edit(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire, _oze = await seed(sessionmaker, source=None)
    chat = bot.chat(COORDINATOR)
    card = await open_card(chat, LOIRE)
    assert source_line(chat, None) in text(card)
    assert chat.t("operation.sync.now") not in button_labels(card)  # nothing to sync yet

    prompt = await edit_source(chat, card)
    assert text(prompt) == chat.t("operation.ask.sync_source")
    [reply] = await chat.send("users/abc")
    assert text(reply) == refusal(chat)
    assert (await stored(sessionmaker, loire)).sync_source is None

    [saved] = await chat.send(" users/42 ")
    assert text(saved).startswith(chat.t("operation.edit.saved"))
    assert source_line(chat, "users/42") in text(saved)
    assert chat.t("operation.sync.never") in text(saved)
    assert chat.t("operation.sync.now") in button_labels(saved)
    assert (await stored(sessionmaker, loire)).sync_source == "users/42"

    prompt = await edit_source(chat, saved)
    assert chat.t("operation.form.current", value="users/42") in text(prompt)
    [removed] = await chat.press(prompt, chat.t("operation.form.skip"))
    assert source_line(chat, None) in text(removed)
    assert (await stored(sessionmaker, loire)).sync_source is None


# --- Sync now --------------------------------------------------------------------------------


def report(chat: Chat, **counts: int) -> str:
    values = {"seen": 0, "created": 0, "changed": 0, "cancelled": 0, "unplaced": 0} | counts
    return chat.t("operation.sync.report", name=LOIRE, **values)


def local(harness: Harness) -> str:
    return formatting.datetime(harness.clock.now, "fr", harness.settings.timezone)


async def test_sync_now_creates_the_campaigns_and_reports(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule
) -> None:
    loire, _oze = await seed(sessionmaker)
    chat = bot.chat(COORDINATOR)
    card = await open_card(chat, LOIRE)
    assert chat.t("operation.sync.never") in text(card)
    assert chat.t("operation.unplaced.button", count=1) not in button_labels(card)

    [done] = await chat.press(card, chat.t("operation.sync.now"))
    assert chat.callback_answers()[-1].get("text") == chat.t("operation.sync.started")
    assert text(done).startswith(report(chat, seen=2, created=1, unplaced=1))
    assert chat.t("operation.sync.ok", when=local(bot)) in text(done)
    assert chat.t("operation.unplaced.count", n=1, count=1) in text(done)
    assert chat.t("operation.unplaced.button", count=1) in button_labels(done)
    assert await campaigns(sessionmaker) == {"1": (loire, "37261", 200_000, 40_000)}
    assert [row[2] for row in await unplaced(sessionmaker)] == ["2"]

    # Later, the figures changed on the platform: a second tap reports them.
    bot.clock.now += timedelta(minutes=3)
    fake.update(1, amount_raised=1100, supporters_count=25)
    [again] = await chat.press(done, chat.t("operation.sync.now"))
    assert text(again).startswith(report(chat, seen=2, changed=1, unplaced=1))
    assert (await campaigns(sessionmaker))["1"] == (loire, "37261", 200_000, 110_000)
    operation = await stored(sessionmaker, loire)
    assert operation.synced_at == operation.sync_tried_at == bot.clock.now


async def test_sync_now_tells_the_platform_error(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule
) -> None:
    loire, _oze = await seed(sessionmaker)
    chat = bot.chat(COORDINATOR)
    card = await open_card(chat, LOIRE)
    fake.fail(ERROR)
    [done] = await chat.press(card, chat.t("operation.sync.now"))
    assert text(done).startswith(
        report(chat) + "\n" + chat.t("operation.sync.report_error", error="HTTP 500")
    )
    assert chat.t("operation.sync.failed", when=local(bot), error="HTTP 500") in text(done)
    assert chat.t("operation.sync.ok", when=local(bot)) not in text(done)
    assert await campaigns(sessionmaker) == {}
    assert (await stored(sessionmaker, loire)).sync_error == "HTTP 500"


async def test_sync_now_never_runs_alongside_the_scheduler(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule
) -> None:
    loire, _oze = await seed(sessionmaker)
    chat = bot.chat(COORDINATOR)
    # The scheduler (another process, say) has claimed the operation and is reading it.
    async with sessionmaker() as session:
        assert await platform.claim(session, loire, bot.clock.now, bot.clock.now)
        await session.commit()
    card = await open_card(chat, LOIRE)
    assert chat.t("operation.sync.running", when=local(bot)) in text(card)
    [busy] = await chat.press(card, chat.t("operation.sync.now"))
    assert text(busy) == chat.t("operation.sync.busy")
    assert fake.requests == []
    assert await campaigns(sessionmaker) == {}

    # A run not finished after SYNC_MINUTES is taken as dead: the tap runs then.
    bot.clock.now += timedelta(minutes=bot.settings.sync_minutes)
    [done] = await chat.press(card, chat.t("operation.sync.now"))
    assert text(done).startswith(report(chat, seen=2, created=1, unplaced=1))

    # And the scheduler leaves alone the operation the tap just synced.
    requests = len(fake.requests)
    assert await sync_due(sessionmaker, bot.settings, bot.dp["gazetteer"], bot.clock) == []
    assert len(fake.requests) == requests


async def test_a_tap_during_a_run_does_not_start_another(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule
) -> None:
    loire, _oze = await seed(sessionmaker)
    gazetteer = bot.dp["gazetteer"]
    fake.fail(TIMEOUT, times=1)  # the first request hangs (then is tried again): a slow run
    first = asyncio.create_task(sync_now(sessionmaker, loire, bot.settings, gazetteer, bot.clock))
    for _ in range(500):  # until the first run is reading the platform
        if fake.requests:
            break
        await asyncio.sleep(0.01)
    assert fake.requests
    assert await sync_now(sessionmaker, loire, bot.settings, gazetteer, bot.clock) is None
    done = await first
    assert done is not None and (done.error, done.created) == (None, 1)
    listing = [seen for seen in fake.requests if seen.path == "/v1/users/42/projects"]
    assert len(listing) == 2  # the first run's request and its retry, nothing else
    # Finished: the next tap runs.
    assert await sync_now(sessionmaker, loire, bot.settings, gazetteer, bot.clock) is not None


async def test_the_claim_of_sync_now(
    sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    """claim_now takes an operation never tried, finished (success or error) or stale; not one
    in progress, nor one without a source."""
    loire, oze = await seed(sessionmaker)
    start = (await stored(sessionmaker, loire)).created_at
    minutes = iter(range(1, 100))

    async def claim(operation_id: int) -> bool:
        """A tap a minute after the last one."""
        now = start + timedelta(minutes=next(minutes))
        async with sessionmaker() as session:
            mine = await platform.claim_now(session, operation_id, now, now - timedelta(minutes=15))
            await session.commit()
            return mine

    async def finish(**values: object) -> None:
        async with sessionmaker() as session:
            operation = await session.get(Operation, loire)
            assert operation is not None
            if values.pop("succeeded", False):
                operation.synced_at = operation.sync_tried_at
            for name, value in values.items():
                setattr(operation, name, value)
            await session.commit()

    assert not await claim(oze)  # no source
    assert await claim(loire)  # never tried
    assert not await claim(loire)  # in progress
    await finish(succeeded=True)
    assert await claim(loire)
    assert not await claim(loire)
    await finish(sync_error="HTTP 500")  # it failed
    assert await claim(loire)
    assert (await stored(sessionmaker, loire)).sync_error is None  # running again
    assert not await claim(loire)
    await finish(sync_tried_at=start - timedelta(minutes=15))  # its process stopped mid-run
    assert await claim(loire)


# --- Import ----------------------------------------------------------------------------------


async def test_the_import_button_leads_to_a_file_import(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire, _oze = await seed(sessionmaker)
    chat = bot.chat(COORDINATOR)
    card = await open_card(chat, LOIRE)
    [asked] = await chat.press(card, chat.t("operation.menu.import"))
    assert text(asked) == chat.t("coord.import.ask", operation=LOIRE, max_mb=2)
    [answer] = await send_file(chat, "loire.csv", (HEADER + ROWS).encode(), mime_type="text/csv")
    assert text(answer).startswith(
        chat.t("coord.import.report", operation=LOIRE, created=2, updated=0, rejected=2)
    )
    found = await campaigns(sessionmaker)
    assert {key: value[0] for key, value in found.items()} == {"1": loire, "2": loire}


async def test_the_announcements_button_opens_the_operations_announcements(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed(sessionmaker)
    chat = bot.chat(COORDINATOR)
    card = await open_card(chat, LOIRE)
    await chat.press(card, chat.t("operation.menu.announce"))
    shown = text(chat.message(card["message_id"])) + "".join(text(m) for m in chat.messages[-1:])
    assert LOIRE in shown and chat.t("announce.waiting") in shown
