"""A holder reports progress: amounts read as people type them, bounds, a decrease confirmed as a
correction, the milestone alert queued once through the holder's path, the progress history, and
"+350 € this week" on the card."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui import formatting
from bot.ui.holder_input import link_line, parse_count, parse_euros, web_url
from storage.models import ProgressPoint
from tests.e2e import Chat, Harness, button_labels, buttons, plain
from tests.holder_helpers import (
    HOLDER,
    OTHER_HOLDER,
    RESIDENT,
    last_alert,
    load,
    outbox_rows,
    points,
    press_menu,
    seed,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1250", 125_000),
        ("1 250", 125_000),
        ("1\u202f250", 125_000),
        ("1250,50", 125_050),
        ("1250.5", 125_050),
        ("1 250 €", 125_000),
        ("1 250,50 €", 125_050),
        ("€1,250.50", 125_050),
        ("1.250,50", 125_050),
        ("1,250", 125_000),
        ("12 345 678", 1_234_567_800),
        ("0", 0),
        ("350 euros", 35_000),
    ],
)
def test_parse_euros(text: str, cents: int) -> None:
    assert parse_euros(text) == cents


@pytest.mark.parametrize(
    "text", ["", "€", "-5", "- 5", "abc", "12,345,6", "1.250.50", "1,2,3", "1,2345", "1 2x", "1e5"]
)
def test_parse_euros_refuses(text: str) -> None:
    assert parse_euros(text) is None


def test_parse_count_and_links() -> None:
    assert parse_count("1 200") == 1200
    assert parse_count("12") == 12
    assert [parse_count(t) for t in ("-3", "1,5", "douze", "١٢", "")] == [None] * 5
    assert web_url("https://exp3d.example/p?x=1") == "https://exp3d.example/p?x=1"
    assert [web_url(t) for t in ("ftp://a.fr", "https://", "exp3d.fr", "https://a b.fr")] == [
        None
    ] * 4
    assert link_line("https://a.fr  Pré  commander ") == ("https://a.fr", "Pré commander")
    assert link_line("https://a.fr") == ("https://a.fr", None)


async def report(chat: Chat, raised: str, backers: str | None) -> list[dict]:
    """/progress, the amount, then the backers (None: the "Unchanged" button)."""
    await chat.send("/progress")
    replies = await chat.send(raised)
    if backers is None:
        keep = next(b for b in buttons(replies[-1]) if b["callback_data"].endswith(":keep"))
        return await chat.press(replies[-1], keep["text"])
    return await chat.send(backers)


def money(cents: int, lang: str = "fr") -> str:
    return formatting.money(cents, lang)


async def test_report_saves_history_and_alerts_the_milestone_once(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    replies = await chat.send("/progress")
    assert plain(replies[-1]["text"]).startswith(
        plain(
            chat.t(
                "holder.progress.ask_raised",
                title="Exp3D",
                raised=money(50_000),
                backers=10,
                max=money(10**9),
            )
        )
    )
    replies = await chat.send("1 550,50 €")
    assert replies[-1]["text"] == chat.t("holder.progress.ask_backers", backers=10)
    assert button_labels(replies[-1]) == [
        chat.t("holder.progress.keep_backers", count=10), chat.t("holder.form.cancel")
    ]  # fmt: skip
    replies = await chat.send("31")
    saved = chat.t(
        "holder.progress.saved",
        raised=money(155_050),
        percent=formatting.percent_text(77, "fr"),
        backers=31,
    )
    assert replies[-1]["text"] == saved + "\n" + chat.t("holder.progress.milestone", milestone=75)

    item = await load(sessionmaker, exp3d)
    assert (item.raised_cents, item.backers, item.last_milestone) == (155_050, 31, 75)
    (point,) = await points(sessionmaker, exp3d)
    assert (point.raised_cents, point.backers, point.source, point.by_user) == (
        155_050, 31, "holder", HOLDER,
    )  # fmt: skip
    assert point.at == harness.clock.now
    alerts = await outbox_rows(sessionmaker, "milestone")
    assert sorted(row.user_id for row in alerts) == [601, 602, 603]
    assert {row.content["milestone"] for row in alerts} == {75}

    # A higher figure below the next milestone: kept, but no second alert.
    replies = await report(chat, "1 700", None)
    assert replies[-1]["text"] == chat.t(
        "holder.progress.saved",
        raised=money(170_000),
        percent=formatting.percent_text(85, "fr"),
        backers=31,
    )
    assert len(await outbox_rows(sessionmaker, "milestone")) == 3
    assert [p.raised_cents for p in await points(sessionmaker, exp3d)] == [155_050, 170_000]


async def test_same_figures_change_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    replies = await report(chat, "500", None)
    assert replies[-1]["text"] == chat.t("holder.progress.unchanged")
    assert await points(sessionmaker, exp3d) == []


async def test_decrease_asks_for_a_correction(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    replies = await report(chat, "400", "8")
    changes = "\n".join(
        [
            chat.t("holder.progress.lower_raised", old=money(50_000), new=money(40_000)),
            chat.t("holder.progress.lower_backers", old=10, new=8),
        ]
    )
    assert replies[-1]["text"] == chat.t("holder.progress.confirm_decrease", changes=changes)
    assert (await load(sessionmaker, exp3d)).raised_cents == 50_000  # not yet

    # Typing instead of answering changes nothing; /cancel drops it.
    replies = await chat.send("300")
    assert replies[-1]["text"] == chat.t("holder.form.use_buttons")
    replies = await chat.send("/cancel")
    assert replies[-1]["text"] == chat.t("holder.form.cancelled")
    assert (await load(sessionmaker, exp3d)).raised_cents == 50_000

    replies = await report(chat, "400", None)  # only the amount goes down
    confirm = replies[-1]
    assert confirm["text"] == chat.t(
        "holder.progress.confirm_decrease",
        changes=chat.t("holder.progress.lower_raised", old=money(50_000), new=money(40_000)),
    )
    replies = await chat.press(confirm, chat.t("holder.progress.confirm"))
    assert replies[-1]["text"] == chat.t(
        "holder.progress.saved",
        raised=money(40_000),
        percent=formatting.percent_text(20, "fr"),
        backers=10,
    )
    item = await load(sessionmaker, exp3d)
    assert (item.raised_cents, item.backers) == (40_000, 10)
    assert [(p.raised_cents, p.source) for p in await points(sessionmaker, exp3d)] == [
        (40_000, "holder")
    ]
    assert await outbox_rows(sessionmaker, "milestone") == []


async def test_bad_figures_say_the_bounds(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER, "en")
    await chat.send("/progress")
    bad_raised = chat.t("holder.progress.bad_raised", max=money(10**9, "en"))
    for text in ("-5", "beaucoup", "20 000 000", "10 000 000,01"):
        replies = await chat.send(text)
        assert replies[-1]["text"] == bad_raised
    await chat.send("600")
    for text in ("-1", "2 000 000", "3.5"):
        replies = await chat.send(text)
        assert replies[-1]["text"] == chat.t("holder.progress.bad_backers", max=1_000_000)
    item = await load(sessionmaker, exp3d)
    assert (item.raised_cents, item.backers) == (50_000, 10)
    await chat.send("/cancel")
    assert await points(sessionmaker, exp3d) == []


async def test_forged_progress_buttons_are_refused(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    other = harness.chat(OTHER_HOLDER)
    assert await press_menu(other, "progress", exp3d) == []
    assert last_alert(other) == other.t("holder.form.refused")
    # Nothing was asked: a number typed now is no report.
    replies = await other.send("1 000 000")
    assert replies[-1]["text"] == other.t("unknown.text")
    resident = harness.chat(RESIDENT)
    assert await press_menu(resident, "progress", exp3d) == []
    assert last_alert(resident) == resident.t("stale")
    item = await load(sessionmaker, exp3d)
    assert (item.raised_cents, item.backers) == (50_000, 10)


async def test_card_says_this_weeks_gain(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    now = harness.clock.now
    async with sessionmaker() as session:  # the history a week and more ago
        for days, raised in ((20, 20_000), (8, 50_000), (6, 60_000)):
            session.add(
                ProgressPoint(
                    campaign_id=exp3d, at=now - timedelta(days=days), raised_cents=raised,
                    backers=10, source="import",
                )
            )  # fmt: skip
        await session.commit()
    resident = harness.chat(RESIDENT)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    gain = resident.t("card.week_gain", amount="|").split("|")[0]
    assert gain not in card["text"]  # raised now = a week ago: nothing said

    chat = harness.chat(HOLDER)
    await report(chat, "850", None)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    assert resident.t("card.week_gain", amount=money(35_000)) in card["text"]
