"""Operations end to end: the creation dialogue (Back keeps what was typed, /cancel anywhere),
a YAML or JSON file (good and bad), editing, /operations, attaching the territory's campaigns."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import Campaign, Operation, OperationArea
from tests import factories
from tests.e2e import Chat, Harness, button_labels, plain
from tests.operations_helpers import (
    ADMIN,
    CALL_CLOSES,
    CALL_OPENS,
    ENDS,
    LAUNCH,
    SAMPLE_YAML,
    add_operation,
    admin_bot,
    known,
    tap,
)


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    async for harness in admin_bot(db_url, gazetteer, i18n):
        yield harness


async def count_operations(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Operation)) or 0)


async def only_operation(sessionmaker: async_sessionmaker[AsyncSession]) -> Operation:
    async with sessionmaker() as session:
        [operation] = (await session.scalars(select(Operation))).all()
        return operation


async def areas(sessionmaker: async_sessionmaker[AsyncSession], operation_id: int) -> set[tuple]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OperationArea).where(OperationArea.operation_id == operation_id)
        )
        return {(a.level, a.code) for a in rows}


def text(message: dict) -> str:
    return plain(message.get("text") or message.get("caption") or "")


async def answer(chat: Chat, value: str, expected_key: str) -> dict:
    """Type a value; the bot's last reply is the prompt `expected_key`."""
    replies = await chat.send(value)
    assert text(replies[-1]).startswith(chat.t(expected_key).split("\n")[0]), text(replies[-1])
    return replies[-1]


async def test_dialogue_back_keeps_values_and_creates(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    replies = await admin.send("/newoperation")
    assert text(replies[0]) == admin.t("operation.form.start")
    assert text(replies[-1]) == admin.t("operation.ask.name")
    await answer(admin, "Make in Loire Valley", "operation.ask.territory")
    check = (await admin.send("R24 37261"))[-1]
    assert text(check) == admin.t(
        "operation.territory.check", territory="Centre-Val de Loire, Tours (37261)"
    )
    prompt = (await admin.press(check, admin.t("operation.form.territory_ok")))[-1]
    assert text(prompt) == admin.t("operation.ask.call_opens")
    await answer(admin, "01/12/2026", "operation.ask.call_closes")
    # A closing before the opening is refused, and the step asked again.
    [refusal] = await admin.send("2026-11-01")
    assert admin.t("operation.problem.order", other=admin.t("operation.field.call_opens")) in (
        text(refusal)
    )
    prompt = await answer(admin, "2027-01-31", "operation.ask.launch")
    # Back: the closing day is asked again, with the value typed kept; Keep leaves it.
    back = (await admin.press(prompt, admin.t("operation.form.back")))[-1]
    assert text(back) == admin.t("operation.ask.call_closes") + "\n\n" + admin.t(
        "operation.form.current", value="31 janv. 2027"
    )
    back = (await admin.press(back, admin.t("operation.form.back")))[-1]
    assert "1 déc. 2026" in text(back)
    back = (await admin.press(back, admin.t("operation.form.back")))[-1]
    assert text(back).startswith(admin.t("operation.ask.territory").split("\n")[0])
    assert "Centre-Val de Loire, Tours (37261)" in text(back)
    for _ in range(3):  # territory, opening, closing kept
        back = (await admin.press(back, admin.t("operation.form.keep")))[-1]
    assert text(back) == admin.t("operation.ask.launch")
    await answer(admin, "05/02/2027", "operation.ask.ends")
    await answer(admin, "30/03/2027", "operation.ask.platform")
    prompt = await answer(admin, "Ulule", "operation.ask.link")
    [bad_link] = await admin.send("ulule dot com")
    assert admin.t("operation.problem.bad_link") in text(bad_link)
    prompt = (await admin.press(bad_link, admin.t("operation.form.skip")))[-1]
    assert text(prompt) == admin.t("operation.ask.description")
    prompt = await answer(admin, "Les projets de la région.", "operation.ask.sync_source")
    summary = (await admin.press(prompt, admin.t("operation.form.skip")))[-1]
    assert text(summary).startswith(admin.t("operation.form.summary", card="").strip())
    assert "Make in Loire Valley" in text(summary)
    assert await count_operations(sessionmaker) == 0  # nothing before Create
    done = (await admin.press(summary, admin.t("operation.form.create")))[-1]
    assert text(done).startswith(admin.t("operation.created"))
    operation = await only_operation(sessionmaker)
    assert (operation.name, operation.platform, operation.link) == (
        "Make in Loire Valley",
        "Ulule",
        None,
    )
    assert operation.description == "Les projets de la région."
    assert operation.sync_source is None  # skipped
    assert operation.call_opens_at == CALL_OPENS
    assert operation.call_closes_at == CALL_CLOSES
    assert (operation.launch_at, operation.ends_at) == (LAUNCH, ENDS)
    assert operation.created_by == ADMIN
    assert await areas(sessionmaker, operation.id) == {("region", "24"), ("commune", "37261")}


DATED = ["Op", "37", "press", "01/12/2026", "31/01/2027"]


@pytest.mark.parametrize("where", ["name", "territory_check", "dates", "summary"])
async def test_cancel_at_any_step_creates_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], where: str
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    await admin.send("/newoperation")
    steps = {
        "name": [],
        "territory_check": ["Op", "37"],
        "dates": DATED,
        "summary": [*DATED, "05/02/2027", "30/03/2027", "Ulule", "https://example.org", "D"],
    }[where]
    for value in steps:
        if value == "press":
            await admin.press(admin.last, admin.t("operation.form.territory_ok"))
        else:
            await admin.send(value)
    [reply] = await admin.send("/cancel")
    assert text(reply) == admin.t("operation.form.cancelled")
    assert await count_operations(sessionmaker) == 0
    # The dialogue is over: text is no longer its answer (here, the admin's place to find).
    [after] = await admin.send("Ulule")
    assert text(after) == admin.t("place.unknown", query="Ulule")


async def test_cancel_button(bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    await admin.send("/newoperation")
    prompt = await answer(admin, "Op", "operation.ask.territory")
    [reply] = await admin.press(prompt, admin.t("operation.form.cancel"))
    assert text(reply) == admin.t("operation.form.cancelled")
    assert await count_operations(sessionmaker) == 0


async def send_file(chat: Chat, name: str, content: bytes) -> list[dict]:
    before = len(chat.messages)
    chat.h.fake.send_document(chat.user_id, name, content, language_code=chat.lang)
    await chat.h.processed(chat.h.fake.last_update_id)
    return chat.messages[before:]


@pytest.mark.parametrize("kind", ["yaml", "json"])
async def test_operation_from_a_file(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], kind: str
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    content = SAMPLE_YAML
    if kind == "json":
        content = json.dumps(
            {
                "name": "Make in Loire Valley",
                "territory": {"regions": ["24"]},
                "call_opens": "2026-12-01",
                "call_closes": "2027-01-31",
                "launch": "2027-02-05",
                "ends": "2027-03-30",
                "platform": "Ulule",
                "link": "https://fr.ulule.com/make-in-loire-valley/",
            }
        ).encode()
    [summary] = await send_file(admin, f"operation.{kind}", content)
    assert "Make in Loire Valley" in text(summary)
    assert "Centre-Val de Loire" in text(summary)
    assert await count_operations(sessionmaker) == 0
    [done] = await admin.press(summary, admin.t("operation.form.create"))
    assert text(done).startswith(admin.t("operation.created"))
    operation = await only_operation(sessionmaker)
    assert (operation.call_opens_at, operation.call_closes_at) == (CALL_OPENS, CALL_CLOSES)
    assert (operation.launch_at, operation.ends_at) == (LAUNCH, ENDS)
    assert operation.link == "https://fr.ulule.com/make-in-loire-valley/"
    assert await areas(sessionmaker, operation.id) == {("region", "24")}


async def test_a_bad_file_lists_every_problem_and_creates_nothing(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    bad = b"""\
name: ""
territory: R24 99 12345
call_opens: 01/12/2026
call_closes: 31/13/2027
launch: 05/02/2027
ends: 01/02/2027
link: ftp://example.org
colour: blue
"""
    [reply] = await send_file(admin, "operation.yml", bad)
    lines = text(reply).split("\n")
    assert lines[0] == admin.t("operation.file.invalid")

    def line(field: str, reason: str, **values: str) -> str:
        name = admin.t(f"operation.field.{field}") if field != "colour" else field
        why = admin.t(f"operation.problem.{reason}", **values)
        return admin.t("operation.problem.line", field=name, reason=why)

    def territory(code: str, why: str) -> str:
        return line("territory", "territory", code=code, why=admin.t(f"territory.problem.{why}"))

    expected = {
        line("colour", "unknown_field"),
        line("name", "missing"),
        line("platform", "missing"),
        line("link", "bad_link"),
        line("call_closes", "bad_date"),
        line("ends", "order", other=admin.t("operation.field.launch")),
        territory("99", "unknown_department"),
        territory("12345", "unknown_commune"),
    }
    assert set(lines[2:]) == expected
    assert await count_operations(sessionmaker) == 0


@pytest.mark.parametrize(
    ("name", "content", "key", "values"),
    [
        ("op.yaml", b"name: [unclosed\n", "operation.file.syntax", {"line": 2}),
        ("op.json", b'{"name": "x",\n "territory": }', "operation.file.syntax", {"line": 2}),
        ("op.json", b'["a list"]', "operation.file.not_mapping", {}),
        ("op.yaml", "name: é".encode("latin-1"), "operation.file.encoding", {}),
        ("op.yaml", b"a: b\n" * 20_000, "operation.file.too_big", {"max": 64}),
    ],
)
async def test_an_unreadable_file_is_refused(
    bot: Harness,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    content: bytes,
    key: str,
    values: dict,
) -> None:
    admin = bot.chat(ADMIN)
    await known(admin)
    [reply] = await send_file(admin, name, content)
    assert text(reply) == admin.t(key, **values)
    assert await count_operations(sessionmaker) == 0


async def test_edit_fields(bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    operation_id = await add_operation(sessionmaker, "Ozé", [("department", "50")])
    admin = bot.chat(ADMIN)
    await known(admin)
    [listing] = await admin.send("/operations")
    card = await tap(admin, listing, "Ozé")
    assert "Manche (50)" in text(card)
    menu = await tap(admin, card, admin.t("operation.menu.edit"))
    assert admin.t("operation.field.platform") in button_labels(menu)
    prompt = await tap(admin, menu, admin.t("operation.field.platform"))
    assert text(prompt) == admin.t("operation.ask.platform") + "\n\n" + admin.t(
        "operation.form.current", value="Ulule"
    )
    [saved] = await admin.send("Ozé, la plateforme de la Manche")
    assert text(saved).startswith(admin.t("operation.edit.saved"))
    # The territory: shown back in names, saved on Yes.
    menu = await tap(admin, saved, admin.t("operation.menu.edit"))
    await tap(admin, menu, admin.t("operation.field.territory"))
    [check] = await admin.send("50 14")
    assert text(check) == admin.t(
        "operation.territory.check", territory="Calvados (14), Manche (50)"
    )
    saved = await tap(admin, check, admin.t("operation.form.territory_ok"))
    assert "Calvados (14), Manche (50)" in text(saved)
    # A launch day before the call closes is refused; nothing changes.
    menu = await tap(admin, saved, admin.t("operation.menu.edit"))
    await tap(admin, menu, admin.t("operation.field.launch"))
    [refusal] = await admin.send("15/01/2027")
    assert admin.t("operation.problem.order", other=admin.t("operation.field.call_closes")) in (
        text(refusal)
    )
    [cancelled] = await admin.send("/cancel")
    assert text(cancelled) == admin.t("operation.form.cancelled")
    # A new end day; a link set, then removed (Skip).
    await tap(admin, menu, admin.t("operation.field.ends"))  # the edit menu is still there
    [saved] = await admin.send("2027-04-15")
    menu = await tap(admin, saved, admin.t("operation.menu.edit"))
    await tap(admin, menu, admin.t("operation.field.link"))
    [saved] = await admin.send("https://oze.example/manche")
    assert "https://oze.example/manche" in text(saved)
    menu = await tap(admin, saved, admin.t("operation.menu.edit"))
    prompt = await tap(admin, menu, admin.t("operation.field.link"))
    assert "https://oze.example/manche" in text(prompt)
    saved = await tap(admin, prompt, admin.t("operation.form.skip"))
    assert text(saved).startswith(admin.t("operation.edit.saved"))
    async with sessionmaker() as session:
        operation = await session.get(Operation, operation_id)
        assert operation is not None
        assert operation.platform == "Ozé, la plateforme de la Manche"
        assert operation.launch_at == LAUNCH
        assert operation.ends_at == datetime(2027, 4, 15, 21, 59, tzinfo=UTC)
        assert operation.link is None
    assert await areas(sessionmaker, operation_id) == {("department", "50"), ("department", "14")}


async def test_operations_list(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    first = await add_operation(sessionmaker, "Make in Loire Valley", [("region", "24")])
    await add_operation(sessionmaker, "Ozé", [("department", "50")])
    admin = bot.chat(ADMIN)
    await known(admin)
    async with sessionmaker() as session:
        session.add_all(
            [
                factories.campaign(bot.clock.now, commune_insee="37261", operation_id=first),
                factories.campaign(bot.clock.now, commune_insee="37261", operation_id=first),
            ]
        )
        await session.commit()
    [listing] = await admin.send("/operations")
    shown = text(listing)
    assert shown.startswith(admin.t("operation.list.header", count=2))
    assert "Centre-Val de Loire" in shown and "Manche (50)" in shown
    assert (
        admin.t(
            "operation.list.item",
            name="Make in Loire Valley",
            territory="Centre-Val de Loire",
            call_opens="1 déc. 2026",
            call_closes="31 janv. 2027",
            launch="5 févr. 2027",
            ends="30 mars 2027",
            platform="Ulule",
            campaigns=2,
            coordinators=admin.t("operation.nobody"),
        )
        in shown
    )
    # The latest launch first (here the same day: the latest created first).
    assert button_labels(listing) == [
        "Ozé",
        "Make in Loire Valley",
        admin.t("operation.list.new"),
    ]


async def test_attach_the_campaigns_of_the_territory(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    loire = await add_operation(sessionmaker, "Make in Loire Valley", [("region", "24")])
    other = await add_operation(sessionmaker, "Tours", [("commune", "37261")])
    now = bot.clock.now
    async with sessionmaker() as session:
        session.add_all(
            [
                factories.campaign(now, commune_insee="37261"),  # Tours: free
                factories.campaign(now, commune_insee="45234"),  # Orléans: free
                factories.campaign(now, commune_insee="37261", operation_id=other),
                factories.campaign(now, commune_insee="50502"),  # Saint-Lô: outside
            ]
        )
        await session.commit()
    admin = bot.chat(ADMIN)
    await known(admin)
    [listing] = await admin.send("/operations")
    card = await tap(admin, listing, "Make in Loire Valley")
    ask = await tap(admin, card, admin.t("operation.menu.attach"))
    assert text(ask) == admin.t(
        "operation.attach.ask", name="Make in Loire Valley", free=2, attached=0, elsewhere=1
    )
    async with sessionmaker() as session:  # nothing before the confirmation
        assert await session.scalar(select(func.count()).where(Campaign.operation_id == loire)) == 0
    done = await tap(admin, ask, admin.t("operation.attach.yes"))
    assert text(done).startswith(admin.t("operation.attach.done", count=2))
    async with sessionmaker() as session:
        rows = (await session.execute(select(Campaign.commune_insee, Campaign.operation_id))).all()
    assert sorted((insee, owner or 0) for insee, owner in rows) == sorted(
        [("37261", loire), ("45234", loire), ("37261", other), ("50502", 0)]
    )
    # Asked again: nothing left to attach, no confirm button.
    ask = await tap(admin, done, admin.t("operation.menu.attach"))
    assert text(ask) == admin.t(
        "operation.attach.ask", name="Make in Loire Valley", free=0, attached=2, elsewhere=1
    )
    assert admin.t("operation.attach.yes") not in button_labels(ask)


async def test_operations_list_pages(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for number in range(7):
        await add_operation(sessionmaker, f"Op {number}", [("department", "37")])
    admin = bot.chat(ADMIN)
    await known(admin)
    [listing] = await admin.send("/operations")
    assert button_labels(listing) == [
        *(f"Op {n}" for n in (6, 5, 4, 3, 2)),
        admin.t("operation.list.next"),
        admin.t("operation.list.new"),
    ]
    page = await tap(admin, listing, admin.t("operation.list.next"))
    assert text(page).startswith(admin.t("operation.list.header", count=7))
    assert button_labels(page) == [
        "Op 1",
        "Op 0",
        admin.t("operation.list.previous"),
        admin.t("operation.list.new"),
    ]
