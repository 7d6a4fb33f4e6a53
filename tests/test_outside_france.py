"""Points outside France are refused: a shared location, and an import row's lat/lon."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.__main__ import cli_text
from bot.domain.gazetteer import Gazetteer
from bot.imports.importer import run_import
from bot.settings import Settings
from storage.models import Campaign, User
from tests.e2e import Harness
from tests.test_importer import csv_text, row, write

SYDNEY = (-33.8688, 151.2093)


@pytest.mark.parametrize(("lat", "lon"), [(0.0, 0.0), SYDNEY])
async def test_a_location_outside_france_is_refused_and_nothing_stored(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], lat: float, lon: float
) -> None:
    chat = harness.chat(2001)
    await chat.send("/start")
    async with sessionmaker() as session:
        before = await session.get(User, 2001)
        assert before is not None
        stored = (before.lat, before.lon, before.commune_insee)

    replies = await chat.location(lat, lon)

    assert [r["text"] for r in replies] == [chat.t("place.outside_france")]
    async with sessionmaker() as session:
        user = await session.get(User, 2001)
        assert user is not None and (user.lat, user.lon, user.commune_insee) == stored
    # The resident may type their commune next.
    replies = await chat.send("Saint-Lô")
    assert replies[0]["text"] == chat.t("place.saved", place="Saint-Lô")


async def test_a_resident_placed_in_france_keeps_their_place(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(2002)
    await chat.send("/start")
    await chat.location(49.116, -1.090)
    replies = await chat.location(0.0, 0.0)
    assert replies[0]["text"] == chat.t("place.outside_france")
    async with sessionmaker() as session:
        user = await session.get(User, 2002)
        assert user is not None and (user.lat, user.lon, user.commune_insee) == (
            49.12,
            -1.09,
            "50502",
        )


@pytest.mark.parametrize(
    ("lat", "lon", "insee", "place"),
    [
        (3.6440, -54.0340, "97353", "Maripasoula"),  # Guyane
        (-20.8790, 55.4480, "97411", "Saint-Denis"),  # La Réunion
    ],
)
async def test_a_location_overseas_is_accepted(
    harness: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    lat: float,
    lon: float,
    insee: str,
    place: str,
) -> None:
    chat = harness.chat(2003)
    await chat.send("/start")
    replies = await chat.location(lat, lon)
    assert replies[0]["text"] == chat.t("place.saved", place=place)
    async with sessionmaker() as session:
        user = await session.get(User, 2003)
        assert user is not None
        assert (user.lat, user.lon, user.commune_insee) == (round(lat, 2), round(lon, 2), insee)


async def test_an_import_row_at_sydney_is_rejected_with_its_line(
    db_url: str,
    session: AsyncSession,
    gazetteer: Gazetteer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        row(external_id="lo", commune=""),
        row(external_id="syd", commune="", lat=str(SYDNEY[0]), lon=str(SYDNEY[1])),
        row(external_id="zero", commune="Saint-Lô", lat="0", lon="0"),
    ]
    rows[0] |= {"lat": "49.1152", "lon": "-1.0919"}
    path = write(tmp_path, "far.csv", csv_text(rows))

    code = await run_import(Settings(database_url=db_url), path, "far", cli_text, gazetteer)

    assert code == 1
    reasons = [
        cli_text("import.reason.outside_france", lat=str(SYDNEY[0]), lon=str(SYDNEY[1])),
        cli_text("import.reason.outside_france", lat="0", lon="0"),
    ]
    assert capsys.readouterr().out.splitlines() == [
        cli_text("cli.import.rejected", line=3, reason=reasons[0]),
        cli_text("cli.import.rejected", line=4, reason=reasons[1]),
        cli_text("cli.import.summary", created=1, updated=0, rejected=2),
    ]
    ids = await session.scalars(select(Campaign.external_id))
    assert list(ids) == ["lo"]
    assert await session.scalar(select(func.count()).select_from(Campaign)) == 1
