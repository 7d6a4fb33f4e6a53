"""A campaign file sent to the bot by a coordinator, for their operation: counts and each
rejected line's reason; campaigns of the operation; bad files explained; other people refused."""

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.imports import LISTED
from storage.models import Campaign
from tests.applications_helpers import (
    COORDINATOR,
    HOLDER,
    MANCHE,
    OTHER_COORDINATOR,
    RESIDENT,
    TOURAINE,
    add_operation,
    add_people,
)
from tests.e2e import Chat, Harness, button_labels
from tests.factories import add_campaigns, campaign

HEADER = "external_id,title,holder,goal_eur,starts_at,ends_at,commune,raised_eur,backers\n"
ROWS = (
    "1,Fromagerie,Marie Dupont,8000,2027-02-05,2027-03-30,Loches,1200,15\n"
    "2,Vélos partagés,Paul,5000,2027-02-05,2027-03-30,37261,0,0\n"
    "3,Date cassée,X,5000,not-a-date,2027-03-30,Tours,0,0\n"
    "4,Sans objectif,Y,0,2027-02-05,2027-03-30,Tours,0,0\n"
)


async def send_file(chat: Chat, name: str, content: bytes, **options: Any) -> list[dict]:
    """The user sends a file; the bot's new messages."""
    before = len(chat.messages)
    chat.h.fake.send_document(chat.user_id, name, content, language_code=chat.lang, **options)
    await chat.h.processed(chat.h.fake.last_update_id)
    return chat.messages[before:]


async def campaigns_of(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Campaign).order_by(Campaign.external_id))
        return [(c.source, c.external_id, c.operation_id, c.raised_cents) for c in rows]


async def setup(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    await add_people(sessionmaker, coordinator=[COORDINATOR, OTHER_COORDINATOR])
    loire = await add_operation(sessionmaker, "Make in Loire Valley", TOURAINE, [COORDINATOR])
    await add_operation(sessionmaker, "Ozé", MANCHE, [OTHER_COORDINATOR])
    return loire


async def test_a_file_sent_for_an_operation_is_imported_and_reported(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire = await setup(sessionmaker)
    chat = harness.chat(COORDINATOR, "fr")
    (asked,) = await chat.send("/import")
    assert asked["text"] == chat.t("coord.import.ask", operation="Make in Loire Valley", max_mb=2)

    (report,) = await send_file(chat, "loire.csv", (HEADER + ROWS).encode(), mime_type="text/csv")
    assert report["text"] == "\n".join(
        [
            chat.t(
                "coord.import.report",
                operation="Make in Loire Valley",
                created=2,
                updated=0,
                rejected=2,
            ),
            chat.t(
                "coord.import.rejected",
                line=4,
                reason=chat.t("import.reason.date", field="starts_at", value="not-a-date"),
            ),
            chat.t("coord.import.rejected", line=5, reason=chat.t("import.reason.goal_zero")),
        ]
    )
    source = f"operation-{loire}"
    assert await campaigns_of(sessionmaker) == [
        (source, "1", loire, 120_000),
        (source, "2", loire, 0),
    ]

    # Sent again (in English, by caption): the same campaigns are updated.
    english = harness.chat(COORDINATOR, "en")
    again = (HEADER + ROWS.replace(",1200,15", ",4500,40")).encode()
    (report,) = await send_file(english, "loire.csv", again, caption=f"/import {loire}")
    assert report["text"].startswith(
        english.t(
            "coord.import.report",
            operation="Make in Loire Valley",
            created=0,
            updated=2,
            rejected=2,
        )
    )
    assert await campaigns_of(sessionmaker) == [
        (source, "1", loire, 450_000),
        (source, "2", loire, 0),
    ]

    # JSON, the same format.
    rows = [{"external_id": "9", "title": "Ruche", "holder": "Léa", "goal_eur": "900",
             "starts_at": "2027-02-05", "ends_at": "2027-03-30", "commune": "Chinon"}]  # fmt: skip
    await chat.send("/import")
    (report,) = await send_file(chat, "more.json", json.dumps(rows).encode())
    assert report["text"] == chat.t(
        "coord.import.report", operation="Make in Loire Valley", created=1, updated=0, rejected=0
    )
    assert (source, "9", loire, 0) in await campaigns_of(sessionmaker)


async def test_bad_files_are_explained_and_import_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await setup(sessionmaker)
    chat = harness.chat(COORDINATOR, "fr")
    cases: list[tuple[str, bytes, dict[str, Any], str]] = [
        ("big.csv", b"x", {"file_size": 3 * 1024 * 1024}, chat.t("coord.import.too_big", max_mb=2)),
        ("rows.pdf", b"%PDF-1.4", {"mime_type": "application/pdf"},
         chat.t("coord.import.not_supported", name="rows.pdf")),
        ("wide.csv", (HEADER + ROWS).encode("utf-16"), {}, chat.t("coord.import.encoding")),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00", {}, chat.t("coord.import.encoding")),
        ("object.json", b'{"title": "x"}', {}, chat.t("cli.import.not_a_list", path="object.json")),
        ("empty.csv", b"", {}, chat.t("cli.import.empty", path="empty.csv")),
        ("columns.csv", b"a,b\n1,2\n", {}, chat.t(
            "cli.import.missing_columns", path="columns.csv",
            columns="external_id, title, holder, goal_eur, starts_at, ends_at",
        )),
    ]  # fmt: skip
    for name, content, options, expected in cases:
        await chat.send("/import")
        (reply,) = await send_file(chat, name, content, **options)
        assert reply["text"] == expected, name
    assert await campaigns_of(sessionmaker) == []

    # Text while the file is awaited, then /cancel.
    await chat.send("/import")
    assert (await chat.send("voici"))[-1]["text"] == chat.t("coord.import.send_file")
    assert (await chat.send("/cancel"))[-1]["text"] == chat.t("coord.import.cancelled")
    # A file out of the blue says how to import it.
    (reply,) = await send_file(chat, "loire.csv", (HEADER + ROWS).encode())
    assert reply["text"] == chat.t("coord.import.how")
    assert await campaigns_of(sessionmaker) == []


async def test_rows_of_another_source_import_nothing_and_many_rejections_are_counted(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await setup(sessionmaker)
    starts = datetime(2027, 2, 5, tzinfo=ZoneInfo("Europe/Paris"))
    await add_campaigns(
        sessionmaker,
        campaign(harness.clock.now, source="ulule", external_id="u1", title="Fromagerie",
                 holder="Marie Dupont", commune_insee="37132", starts_at=starts),
    )  # fmt: skip
    chat = harness.chat(COORDINATOR, "fr")
    await chat.send("/import")
    (reply,) = await send_file(chat, "loire.csv", (HEADER + ROWS).encode())
    assert reply["text"] == "\n".join(
        [
            chat.t("coord.import.duplicates", count=1),
            chat.t("coord.import.duplicate", line=2, source="ulule", external_id="u1"),
        ]
    )
    assert [row[0] for row in await campaigns_of(sessionmaker)] == ["ulule"]

    bad = "".join(f"{n},T{n},H,5000,bad,2027-03-30,Tours,0,0\n" for n in range(50))
    await chat.send("/import")
    (reply,) = await send_file(chat, "bad.csv", (HEADER + bad).encode())
    lines = reply["text"].split("\n")
    assert len(lines) == 1 + LISTED + 1
    assert lines[-1] == chat.t("coord.import.more", count=50 - LISTED)


async def test_imports_are_refused_to_anyone_but_the_operations_coordinators(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire = await setup(sessionmaker)
    await add_people(sessionmaker, holder=[HOLDER], plain=[RESIDENT])
    content = (HEADER + ROWS).encode()

    other = harness.chat(OTHER_COORDINATOR, "fr")
    (reply,) = await other.send(f"/import {loire}")
    assert reply["text"] == other.t("coord.import.forbidden")
    (reply,) = await send_file(other, "loire.csv", content, caption=f"/import {loire}")
    assert reply["text"] == other.t("coord.import.forbidden")
    (picker,) = await other.send("/import")  # their own operation only
    assert picker["text"] == other.t("coord.import.ask", operation="Ozé", max_mb=2)
    await other.press_data(picker["message_id"], f"imp:{loire}", strict=False)
    assert other.callback_answers()[-1]["text"] == other.t("coord.import.forbidden")

    for user_id in (HOLDER, RESIDENT):
        chat = harness.chat(user_id, "fr")
        (reply,) = await chat.send(f"/import {loire}")
        assert reply["text"] == chat.t("unknown.text")
        await send_file(chat, "loire.csv", content, caption=f"/import {loire}")
        await chat.press_data(reply["message_id"], f"imp:{loire}", strict=False)
        assert chat.callback_answers()[-1]["text"] == chat.t("stale")
        assert button_labels(chat.last) == []
    assert await campaigns_of(sessionmaker) == []
