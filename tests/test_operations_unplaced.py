"""A project the platform sync could not place, listed on its operation's card and placed by
hand (the commune checked within the territory, the project read again from the fake Ulule
API): a campaign of the operation in that commune, off the list, kept there by later syncs.
And every new button of the card refused to a resident, a holder and another operation's
coordinator (forged callback data), nothing changed."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeulule import ERROR, FakeUlule
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import Area, describe
from bot.ui.platform_sync import PlaceCommune, SyncMenu, UnplacedPick
from storage.repo import operations
from tests.e2e import Chat, Harness, button_labels
from tests.operations_helpers import known, set_flags, tap
from tests.operations_sync_helpers import (
    COORDINATOR,
    HOLDER,
    LOIRE,
    OTHER_COORDINATOR,
    RESIDENT,
    bot_with_ulule,
    campaigns,
    fake_ulule,
    open_card,
    seed,
    snapshot,
    text,
    unplaced,
)
from tests.sync_helpers import run_sync
from tests.test_coordinator_imports import HEADER, ROWS, send_file

PLACE = "Atlantis, FR"  # where the platform says La Forge is
FORGE_URL = "https://fr.ulule.com/projet-2/"


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


async def synced(bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Loire seeded and synced once: Exp3D a campaign in Tours, La Forge unplaced."""
    loire, _oze = await seed(sessionmaker)
    report = await run_sync(sessionmaker, loire, bot.settings, bot.dp["gazetteer"], bot.clock)
    assert (report.created, report.unplaced) == (1, 1)
    return loire


async def the_list(chat: Chat) -> dict[str, Any]:
    card = await open_card(chat, LOIRE)
    assert chat.t("operation.unplaced.count", n=1, count=1) in text(card)
    return await tap(chat, card, chat.t("operation.unplaced.button", count=1))


async def pick_forge(chat: Chat) -> None:
    listing = await the_list(chat)
    [prompt] = await chat.press(listing, chat.t("operation.unplaced.place", title="La Forge"))
    assert text(prompt) == chat.t("operation.unplaced.ask", title="La Forge", place=PLACE)


async def test_an_unplaced_project_is_placed_by_hand(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire = await synced(bot, sessionmaker)
    chat = bot.chat(COORDINATOR)
    listing = await the_list(chat)
    assert text(listing) == "\n\n".join(
        [
            chat.t("operation.unplaced.header", name=LOIRE, count=1),
            chat.t("operation.unplaced.item", title="La Forge", place=PLACE, link=FORGE_URL),
        ]
    )
    await pick_forge(chat)

    # Outside the territory: refused, still waiting for a commune.
    [outside] = await chat.send("Paris")
    territory = describe([Area("department", "37")], gazetteer)
    assert text(outside) == chat.t(
        "operation.unplaced.outside", commune="Paris (75)", territory=territory
    )
    assert set(await campaigns(sessionmaker)) == {"1"}

    # A postcode of two communes: the choice, then the campaign.
    [choices] = await chat.send("37400")
    assert text(choices) == chat.t("place.several", query="37400")
    assert button_labels(choices) == ["Amboise (37)", "Lussault-sur-Loire (37)"]
    reading, placed, after = await chat.press(choices, "Amboise (37)")
    assert text(reading) == chat.t("operation.unplaced.reading", title="La Forge")
    assert text(placed) == chat.t(
        "operation.unplaced.placed", title="La Forge", commune="Amboise (37)"
    )
    assert text(after) == chat.t("operation.unplaced.empty", name=LOIRE)
    assert (await campaigns(sessionmaker))["2"] == (loire, "37003", 300_000, 0)
    assert await unplaced(sessionmaker) == []

    # The next sync keeps it there, and off the list.
    bot.clock.now += timedelta(minutes=15)
    report = await run_sync(sessionmaker, loire, bot.settings, gazetteer, bot.clock)
    assert (report.error, report.created, report.unplaced) == (None, 0, 0)
    assert (await campaigns(sessionmaker))["2"] == (loire, "37003", 300_000, 0)
    assert await unplaced(sessionmaker) == []
    card = await open_card(chat, LOIRE)
    assert chat.t("operation.unplaced.count", n=1, count=1) not in text(card)
    assert chat.t("operation.unplaced.button", count=1) not in button_labels(card)


async def test_the_platform_down_while_placing_changes_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule
) -> None:
    loire = await synced(bot, sessionmaker)
    chat = bot.chat(COORDINATOR)
    await pick_forge(chat)
    fake.fail(ERROR)
    _reading, failed = await chat.send("Amboise")
    assert text(failed) == chat.t("operation.unplaced.unreadable")
    assert set(await campaigns(sessionmaker)) == {"1"}
    assert [row[2] for row in await unplaced(sessionmaker)] == ["2"]

    fake.recover()  # typed again: placed
    _reading, placed, _after = await chat.send("Amboise")
    assert text(placed) == chat.t(
        "operation.unplaced.placed", title="La Forge", commune="Amboise (37)"
    )
    assert (await campaigns(sessionmaker))["2"][:2] == (loire, "37003")


async def test_cancel_while_placing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await synced(bot, sessionmaker)
    chat = bot.chat(COORDINATOR)
    await pick_forge(chat)
    before = await snapshot(sessionmaker)
    [cancelled] = await chat.send("/cancel")
    assert text(cancelled) == chat.t("operation.form.cancelled")
    replies = await chat.send("Amboise")  # no longer a commune for the project
    assert chat.t("operation.unplaced.reading", title="La Forge") not in map(text, replies)
    assert await snapshot(sessionmaker) == before


def forged(loire: int, row_id: int) -> list[CallbackData]:
    return [
        SyncMenu(action="now", id=loire),
        SyncMenu(action="unplaced", id=loire),
        SyncMenu(action="import", id=loire),
        UnplacedPick(id=row_id),
        PlaceCommune(insee="37003"),
    ]


@pytest.mark.parametrize("who", ["resident", "holder", "coordinator of another"])
async def test_every_new_button_is_refused_to_others(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeUlule, who: str
) -> None:
    loire = await synced(bot, sessionmaker)
    [(row_id, *_rest)] = await unplaced(sessionmaker)
    user_id = {"resident": RESIDENT, "holder": HOLDER, "coordinator of another": OTHER_COORDINATOR}
    chat = bot.chat(user_id[who])
    await known(chat)
    if who == "holder":
        await set_flags(sessionmaker, HOLDER, holder=True)
    before, requests = await snapshot(sessionmaker), len(fake.requests)
    anchor = chat.last["message_id"]
    for data in forged(loire, row_id):
        assert await chat.press_data(anchor, data.pack(), strict=False) == []
        answer = chat.callback_answers()[-1]
        refused = who == "coordinator of another" and not isinstance(data, PlaceCommune)
        expected = chat.t("operation.refused" if refused else "stale")
        assert (answer.get("text"), answer.get("show_alert")) == (expected, True), data
    # No dialogue was opened: neither a commune nor a campaign file is taken.
    replies = await chat.send("Amboise")
    assert chat.t("operation.unplaced.reading", title="La Forge") not in map(text, replies)
    [reply] = await send_file(chat, "loire.csv", (HEADER + ROWS).encode(), mime_type="text/csv")
    coordinator = who == "coordinator of another"
    assert text(reply) == chat.t("coord.import.how" if coordinator else "unknown.text")
    assert await snapshot(sessionmaker) == before
    assert len(fake.requests) == requests  # no sync, no project read


async def test_a_coordinator_unassigned_while_placing_places_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire = await synced(bot, sessionmaker)
    chat = bot.chat(COORDINATOR)
    await pick_forge(chat)
    async with sessionmaker() as session:
        await operations.unassign(session, loire, COORDINATOR)
        await session.commit()
    before = await snapshot(sessionmaker)
    [reply] = await chat.send("Amboise")
    assert text(reply) == chat.t("operation.refused")
    assert await snapshot(sessionmaker) == before
