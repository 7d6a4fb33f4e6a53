"""Coordinators' announcements end to end through the fake Bot API: composed (formatting, link
button), previewed exactly as residents will see it with its reach, scheduled, kept across a
restart, queued once for the consenting residents of the territory only; edited and cancelled
before they go out."""

import asyncio
from datetime import UTC, datetime, timedelta

from aiogram.utils.i18n import I18n
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.announcements import queue_due
from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.announcements import announcement_text
from bot.ui.notifications import Reader
from storage.models import Priority, User
from tests.announcement_helpers import (
    COORDINATOR,
    INSIDE_YES_EN,
    REACHED,
    announcements,
    rows_of,
    run_job,
    scheduled,
    seed,
)
from tests.e2e import Chat, Harness, button_labels, buttons, plain, start_harness
from tests.holder_helpers import send_raw
from tests.operations_helpers import ADMIN

TZ = "Europe/Paris"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the harness's clock
SEND_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 24/11/2026 10:00 in Paris


def bold_text(chat: Chat, bold: str, rest: str) -> dict:
    """A text whose first words are bold, as a Telegram client sends it (entities)."""
    return {
        "text": bold + rest,
        "entities": [{"type": "bold", "offset": 0, "length": len(bold)}],
    }


async def compose(chat: Chat) -> tuple[dict, dict]:
    """/announce → New → a bold text → no photo → a link with its label: (preview, note)."""
    [screen] = await chat.send("/announce")
    [ask] = await chat.press(screen, chat.t("announce.new"))
    assert ask["text"] == chat.t("announce.ask_text", name="Make in Loire Valley")
    [ask_photo] = await send_raw(chat, bold_text(chat, "Appel ouvert", " : candidatez !"))
    assert ask_photo["text"] == chat.t("announce.ask_photo")
    [ask_link] = await chat.press(ask_photo, chat.t("announce.form.skip"))
    assert ask_link["text"] == chat.t("announce.ask_link")
    preview, note = await chat.send("https://example.org/appel Candidater")
    return preview, note


async def test_scheduled_survives_a_restart_and_goes_out_once_to_the_territory(
    db_url: str,
    gazetteer: Gazetteer,
    i18n: I18n,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    harness, close = await start_harness(db_url, gazetteer, i18n, admin_ids=[ADMIN])
    try:
        await seed(harness, sessionmaker, gazetteer)
        chat = harness.chat(COORDINATOR, "fr")
        preview, note = await compose(chat)
        # The preview is what residents will read (the worker's rendering, in French here).
        reader = Reader("fr", TZ, i18n)
        body = "<b>Appel ouvert</b> : candidatez !"
        assert preview["text"] == plain(announcement_text("Make in Loire Valley", body, reader))
        [link] = buttons(preview)
        assert (link["text"], link["url"]) == ("Candidater", "https://example.org/appel")
        reach = chat.t("announce.reach", n=2, count=2)  # 811 in Tours, 812 in Orléans
        expected = chat.t(
            "announce.preview_note", reach=reach, duration=chat.t("announce.duration.short")
        )
        assert note["text"] == expected
        [ask_when] = await chat.press(note, chat.t("announce.schedule"))
        assert ask_when["text"] == chat.t("announce.ask_when", tz=TZ)
        [reply] = await chat.send("demain")
        assert reply["text"] == chat.t("announce.bad_when")
        [reply] = await chat.send("22/11/2026 10:00")
        assert reply["text"] == chat.t("announce.past_when")
        [reply] = await chat.send("24/11/2026 10:00")
        assert reply["text"] == chat.t("announce.scheduled", when="24/11/2026 10:00")
        [stored] = await announcements(sessionmaker)
        assert (stored.send_at, stored.queued_at, stored.text) == (SEND_AT, None, body)
        assert (stored.link_url, stored.link_label) == ("https://example.org/appel", "Candidater")
        assert stored.report_chat_id == COORDINATOR
    finally:
        await close()

    # The bot restarts before it is due: the new process finds it in the database.
    harness, close = await start_harness(db_url, gazetteer, i18n, admin_ids=[ADMIN])
    try:
        # Quiet hours hold it as they hold alerts: 812's are 09:00-12:00 (Paris).
        async with sessionmaker() as session:
            english = await session.get_one(User, INSIDE_YES_EN)
            english.quiet_hours, english.quiet_start, english.quiet_end = True, 9 * 60, 12 * 60
            await session.commit()
        assert await run_job(harness, sessionmaker, gazetteer, SEND_AT - timedelta(minutes=1)) == 0
        assert await rows_of(sessionmaker, "announcement") == []
        assert await run_job(harness, sessionmaker, gazetteer, SEND_AT) == 1
        assert await run_job(harness, sessionmaker, gazetteer, SEND_AT + timedelta(minutes=1)) == 0
        rows = await rows_of(sessionmaker, "announcement")
        [stored] = await announcements(sessionmaker)
        assert [r.user_id for r in rows] == REACHED  # outside, no, never asked, blocked: none
        assert {(r.priority, r.broadcast_id) for r in rows} == {(Priority.BULK, stored.id)}
        assert (stored.queued_at, stored.recipients) == (SEND_AT, 2)
        assert [r.not_before for r in rows] == [SEND_AT, SEND_AT + timedelta(hours=2)]
    finally:
        await close()


async def schedule_one(chat: Chat, when: str = "24/11/2026 10:00") -> None:
    _preview, note = await compose(chat)
    await chat.press(note, chat.t("announce.schedule"))
    await chat.send(when)


async def test_edited_then_cancelled_before_it_goes_out(
    db_url: str,
    gazetteer: Gazetteer,
    i18n: I18n,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    harness, close = await start_harness(db_url, gazetteer, i18n, admin_ids=[ADMIN])
    try:
        await seed(harness, sessionmaker, gazetteer)
        chat = harness.chat(COORDINATOR, "en")
        await schedule_one(chat)
        at = formatting.datetime(SEND_AT, "en", TZ)
        [screen] = await chat.send("/announce")
        item = chat.t("announce.waiting_item", when=at, text="Appel ouvert : candidatez !")
        assert item in screen["text"]
        preview, note = await chat.press(screen, chat.t("announce.edit_item", when=at))
        assert chat.t("announce.preview_when", when=at) in note["text"]
        assert chat.t("announce.save") in button_labels(note)
        await chat.press(note, chat.t("announce.form.edit"))
        edit_menu = chat.message(note["message_id"])
        [ask] = await chat.press(edit_menu, chat.t("announce.form.edit_text"))
        assert ask["text"] == chat.t("announce.ask_edit_text")
        preview, note = await chat.send("Réunion d'information jeudi")
        assert [b["text"] for b in buttons(preview)] == ["Candidater"]  # the link is kept
        [saved] = await chat.press(note, chat.t("announce.save"))
        assert saved["text"] == chat.t("announce.scheduled", when=at)
        [stored] = await announcements(sessionmaker)
        assert (stored.text, stored.send_at) == ("Réunion d'information jeudi", SEND_AT)

        [screen] = await chat.send("/announce")
        assert await chat.press(screen, chat.t("announce.cancel_item")) == []  # in place
        confirm = chat.message(screen["message_id"])
        assert confirm["text"] == chat.t("announce.cancel_confirm", when=at)
        await chat.press(confirm, chat.t("announce.cancel_yes"))
        assert chat.callback_answers()[-1]["text"] == chat.t("announce.cancelled_item", when=at)
        assert chat.t("announce.waiting_none") in chat.message(screen["message_id"])["text"]
        [stored] = await announcements(sessionmaker)
        assert stored.cancelled_at == NOW
        assert await run_job(harness, sessionmaker, gazetteer, SEND_AT) == 0
        assert await rows_of(sessionmaker, "announcement") == []
    finally:
        await close()


async def test_two_processes_queue_a_due_announcement_once(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire, _oze = await seed(harness, sessionmaker, gazetteer)
    await scheduled(sessionmaker, loire, SEND_AT)

    async def scheduler_process() -> int:
        async with sessionmaker() as session:
            queued = await queue_due(session, SEND_AT, TZ, gazetteer)
            await session.commit()
            return len(queued)

    results = await asyncio.gather(scheduler_process(), scheduler_process(), return_exceptions=True)
    # One queues it. The other finds it claimed (PostgreSQL: its UPDATE waits for the first
    # commit, then matches nothing), or, on SQLite, may be refused its write ("database is
    # locked": its read predates the first commit) and rolls back: never a second queueing.
    assert results.count(1) == 1
    [other] = [r for r in results if r != 1]
    assert other == 0 or isinstance(other, OperationalError)
    assert [r.user_id for r in await rows_of(sessionmaker, "announcement")] == REACHED
