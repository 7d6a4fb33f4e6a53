"""An announcement sent now, with a photo, through the delivery worker: each consenting resident
of the territory gets it as its own message, in their language (the preview's rendering); a
resident who blocked the bot meanwhile is counted; the coordinator's report message reaches its
final counts."""

from collections.abc import AsyncIterator

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui.announcements import announcement_text
from bot.ui.notifications import Reader
from bot.ui.reports import Figures, report_text
from tests.announcement_helpers import (
    COORDINATOR,
    INSIDE_BLOCKED,
    INSIDE_NEVER_ASKED,
    INSIDE_NO,
    INSIDE_YES,
    INSIDE_YES_EN,
    OUTSIDE_YES,
    announcements,
    seed,
)
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Harness, plain
from tests.holder_helpers import send_photo
from tests.operations_helpers import admin_bot

TZ = "Europe/Paris"
NAME = "Make in Loire Valley"


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    async for harness in admin_bot(db_url, gazetteer, i18n):
        yield harness


async def test_sent_now_with_a_photo_reaches_the_territory_and_the_report_ends(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer, i18n: I18n
) -> None:
    await seed(bot, sessionmaker, gazetteer)
    chat = bot.chat(COORDINATOR, "fr")
    [screen] = await chat.send("/announce")
    await chat.press(screen, chat.t("announce.new"))
    [ask_link] = await send_photo(chat, "PHOTO-A", caption="Réunion jeudi à Tours")
    assert ask_link["text"] == chat.t("announce.ask_link")
    preview, note = await chat.press(ask_link, chat.t("announce.form.skip"))
    caption = announcement_text(NAME, "Réunion jeudi à Tours", Reader("fr", TZ, i18n))
    assert (preview["photo"][0]["file_id"], preview["caption"]) == ("PHOTO-A", plain(caption))
    replies = await chat.press(note, chat.t("announce.send_now"))
    assert replies[-1]["text"] == chat.t("announce.sending", n=2, count=2)
    [stored] = await announcements(sessionmaker)
    assert (stored.queued_at, stored.recipients) == (bot.clock.now, 2)

    bot.fake.faults.blocked_chats.add(INSIDE_YES)  # blocked the bot since
    worker = make_worker(bot.bot, sessionmaker, bot.i18n, bot.settings, SkipClock(bot.clock.now))
    await worker.run(until_empty=True)

    # In the reader's language: the header is English for 812.
    [received] = bot.chat(INSIDE_YES_EN, "en").messages
    english = announcement_text(NAME, "Réunion jeudi à Tours", Reader("en", TZ, i18n))
    assert (received["photo"][0]["file_id"], received["caption"]) == ("PHOTO-A", plain(english))
    for outsider in (OUTSIDE_YES, INSIDE_NO, INSIDE_NEVER_ASKED, INSIDE_BLOCKED, INSIDE_YES):
        assert bot.chat(outsider).messages == []
    rate = bot.settings.delivery_rate
    final = report_text(NAME, Figures(sent=1, blocked=1), rate, Reader("fr", TZ, i18n))
    assert chat.messages[-1]["text"] == plain(final)
