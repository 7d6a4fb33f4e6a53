"""A holder posts news, end to end through the fake Bot API: text, photo, link, the preview as
followers will see it, Edit keeping the draft, /cancel at every step, the length limits, the
limit of news per 24 hours, and forged buttons."""

from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeapi.entities import utf16_len
from bot.ui import formatting
from bot.ui.broadcasts import news_markup, news_text
from bot.ui.callbacks import NewsStep
from bot.ui.notifications import Reader
from storage.models import Holder, Priority
from tests.e2e import Chat, Harness, button_labels, plain
from tests.factories import add_holder
from tests.holder_helpers import (
    FOLLOWERS,
    HOLDER,
    OTHER_HOLDER,
    RESIDENT,
    add_news,
    broadcasts,
    hours,
    last_alert,
    outbox_rows,
    press_menu,
    seed,
    send_photo,
    send_raw,
)

LINK = "https://exp3d.example/atelier"


def reader(harness: Harness, lang: str = "fr") -> Reader:
    return Reader(lang, harness.settings.timezone, harness.i18n)


def rendered_markup(harness: Harness, url: str | None, label: str | None) -> Any:
    markup = news_markup(url, label, reader(harness))
    return None if markup is None else markup.model_dump(exclude_none=True)


async def bold_text(chat: Chat, bold: str, rest: str) -> list[dict[str, Any]]:
    """A text whose first words are bold, as a Telegram client sends it (entities)."""
    entity = {"type": "bold", "offset": 0, "length": len(bold)}
    return await send_raw(chat, {"text": f"{bold}{rest}", "entities": [entity]})


async def to_preview(chat: Chat, exp3d: int) -> list[dict[str, Any]]:
    """/news, a bold text, a photo, a link with its label → the preview and its note."""
    replies = await chat.send("/news")
    assert plain(replies[-1]["text"]).startswith(
        plain(chat.t("holder.news.ask_text", title="Exp3D"))
    )
    replies = await bold_text(chat, "Atelier", " samedi à 14 h")
    assert replies[-1]["text"] == chat.t("holder.news.ask_photo")
    replies = await send_photo(chat, "PHOTO-1")
    assert replies[-1]["text"] == chat.t("holder.news.ask_link")
    return await chat.send(f"{LINK} Réserver ma place")


async def test_news_with_photo_and_link_previewed_edited_and_sent(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)

    preview, note = await to_preview(chat, exp3d)
    body = "<b>Atelier</b> samedi à 14 h"
    expected = news_text("Exp3D", body, reader(harness))
    assert preview["caption"] == plain(expected)
    offset = utf16_len(plain(expected)) - utf16_len("Atelier samedi à 14 h")
    assert {"type": "bold", "offset": offset, "length": 7} in preview["caption_entities"]
    assert preview["photo"][0]["file_id"] == "PHOTO-1"  # the largest size was kept
    assert preview["reply_markup"] == rendered_markup(harness, LINK, "Réserver ma place")
    assert note["text"] == chat.t("holder.news.preview_note")
    assert button_labels(note) == [
        chat.t("holder.news.send"), chat.t("holder.news.edit"), chat.t("holder.form.cancel")
    ]  # fmt: skip

    # Edit → the text: the photo and the link are kept.
    await chat.press(note, chat.t("holder.news.edit"))
    menu = chat.message(note["message_id"])
    assert menu["text"] == chat.t("holder.news.edit_what")
    replies = await chat.press(menu, chat.t("holder.news.edit_text"))
    assert replies[-1]["text"] == chat.t("holder.news.ask_new_text")
    preview, note = await chat.send("Atelier dimanche à 15 h")
    assert preview["caption"] == plain(
        news_text("Exp3D", "Atelier dimanche à 15 h", reader(harness))
    )
    assert preview["photo"][0]["file_id"] == "PHOTO-1"
    assert preview["reply_markup"] == rendered_markup(harness, LINK, "Réserver ma place")

    replies = await chat.press(note, chat.t("holder.news.send"))
    assert replies[-1]["text"] == chat.t("holder.news.sending", n=2, count=2)
    assert "reply_markup" not in chat.message(note["message_id"])  # no second Send
    (news,) = await broadcasts(sessionmaker)
    assert (news.kind, news.campaign_id, news.author_id) == ("news", exp3d, HOLDER)
    assert (news.text, news.photo_file_id) == ("Atelier dimanche à 15 h", "PHOTO-1")
    assert (news.link_url, news.link_label) == (LINK, "Réserver ma place")
    assert news.report_chat_id == HOLDER
    assert news.created_at == harness.clock.now
    rows = await outbox_rows(sessionmaker, "news")
    assert [row.user_id for row in rows] == [601, 602]  # 603 turned news off
    assert {(row.broadcast_id, row.priority) for row in rows} == {(news.id, Priority.BULK)}


async def test_edit_removes_and_changes_photo_and_link(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    preview, note = await to_preview(chat, exp3d)

    await chat.press(note, chat.t("holder.news.edit"))
    preview, note = await chat.press(
        chat.message(note["message_id"]), chat.t("holder.news.remove_photo")
    )
    assert "photo" not in preview
    assert preview["text"] == plain(
        news_text("Exp3D", "<b>Atelier</b> samedi à 14 h", reader(harness))
    )
    assert preview["reply_markup"] == rendered_markup(harness, LINK, "Réserver ma place")

    await chat.press(note, chat.t("holder.news.edit"))
    menu = chat.message(note["message_id"])
    assert chat.t("holder.news.add_photo") in button_labels(menu)
    replies = await chat.press(menu, chat.t("holder.news.change_link"))
    assert replies[-1]["text"] == chat.t("holder.news.ask_link")
    preview, note = await chat.send("https://exp3d.example/autre")
    assert preview["reply_markup"] == rendered_markup(harness, "https://exp3d.example/autre", None)
    assert button_labels(preview) == [chat.t("news.link")]

    await chat.press(note, chat.t("holder.news.edit"))
    replies = await chat.press(chat.message(note["message_id"]), chat.t("holder.news.remove_link"))
    assert "reply_markup" not in replies[0]
    note = replies[-1]
    await chat.press(note, chat.t("holder.news.edit"))
    await chat.press(chat.message(note["message_id"]), chat.t("holder.news.add_photo"))
    preview, note = await send_photo(chat, "PHOTO-2")
    assert preview["photo"][0]["file_id"] == "PHOTO-2"
    assert preview["caption"] == plain(
        news_text("Exp3D", "<b>Atelier</b> samedi à 14 h", reader(harness))
    )
    assert await broadcasts(sessionmaker) == []


async def test_photo_with_caption_is_text_and_photo_in_one(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER, "en")
    await chat.send("/news")
    replies = await send_photo(chat, "PHOTO-3", caption="New printer!")
    assert replies[-1]["text"] == chat.t("holder.news.ask_link")  # no photo step
    replies = await chat.press(replies[-1], chat.t("holder.form.skip"))
    preview, note = replies[-2:]
    # In the holder's language; the note says each follower gets their own.
    assert preview["caption"] == plain(news_text("Exp3D", "New printer!", reader(harness, "en")))
    assert "reply_markup" not in preview
    assert note["text"] == chat.t("holder.news.preview_note")


@pytest.mark.parametrize("step", ["text", "photo", "link", "preview", "button"])
async def test_cancel_at_every_step(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], step: str
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    await chat.send("/news")
    if step != "text":
        await chat.send("Atelier samedi")
    if step in ("link", "preview", "button"):
        await chat.press(chat.last, chat.t("holder.form.skip"))
    if step in ("preview", "button"):
        await chat.press(chat.last, chat.t("holder.form.skip"))
        assert chat.last["text"] == chat.t("holder.news.preview_note")
    if step == "button":
        replies = await chat.press(chat.last, chat.t("holder.form.cancel"))
    else:
        replies = await chat.send("/cancel")
    assert replies[-1]["text"] == chat.t("holder.news.cancelled")
    # The dialogue is over: a text now is not a news.
    replies = await chat.send("Encore un mot")
    assert replies[-1]["text"] == chat.t("unknown.text")
    assert await broadcasts(sessionmaker) == []
    assert await outbox_rows(sessionmaker, "news") == []
    assert exp3d


async def test_too_long_says_the_limit_and_keeps_the_draft(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    await chat.send("/news")
    long_text = "a" * 4090
    length = utf16_len(news_text("Exp3D", long_text, reader(harness)))  # HTML: an upper bound
    replies = await chat.send(long_text)
    assert replies[-1]["text"] == chat.t("holder.news.too_long", length=length, limit=4096)

    # 1 000 characters fit a message but not a photo's caption: the photo is refused, the text
    # kept; skipping the photo goes on.
    text = "b" * 1000
    replies = await chat.send(text)
    assert replies[-1]["text"] == chat.t("holder.news.ask_photo")
    replies = await send_photo(chat, "PHOTO-4")
    length = utf16_len(news_text("Exp3D", text, reader(harness)))
    assert replies[-1]["text"] == chat.t("holder.news.too_long_photo", length=length, limit=1024)
    replies = await chat.press(chat.messages[-2], chat.t("holder.form.skip"))
    assert replies[-1]["text"] == chat.t("holder.news.ask_link")
    replies = await chat.press(replies[-1], chat.t("holder.form.skip"))
    assert replies[0]["text"] == plain(news_text("Exp3D", text, reader(harness)))


async def test_bad_link_is_refused(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    await chat.send("/news")
    await chat.send("Atelier")
    await chat.press(chat.last, chat.t("holder.form.skip"))
    for bad in (
        "javascript:alert(1)",
        "exp3d.example",
        "ftp://exp3d.example",
        f"{LINK} {'x' * 65}",
    ):
        replies = await chat.send(bad)
        assert replies[-1]["text"] == chat.t("holder.news.bad_link", limit=64)
    preview, _note = await chat.send(LINK)
    assert preview["reply_markup"] == rendered_markup(harness, LINK, None)


async def test_three_news_a_day_then_refused_with_the_next_time(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    now = harness.clock.now
    for ago in (23, 5, 1):
        await add_news(sessionmaker, exp3d, now - hours(ago))
    # An older one and a cancelled one do not count.
    await add_news(sessionmaker, exp3d, now - hours(30))
    chat = harness.chat(HOLDER)
    replies = await chat.send("/news")
    when = formatting.datetime(now + hours(1), "fr", harness.settings.timezone)
    assert replies[-1]["text"] == chat.t("holder.news.limit", count=3, when=when)

    harness.clock.now = now + hours(1.01)
    replies = await chat.send("/news")
    assert plain(replies[-1]["text"]).startswith("📣")


async def test_limit_checked_again_on_send(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    now = harness.clock.now
    await add_news(sessionmaker, exp3d, now - hours(2))
    await add_news(sessionmaker, exp3d, now - hours(3))
    await add_news(sessionmaker, exp3d, now - hours(40), cancelled_at=now - hours(39))
    chat = harness.chat(HOLDER)
    await chat.send("/news")
    await chat.send("Atelier")
    await chat.press(chat.last, chat.t("holder.form.skip"))
    _preview, note = await chat.press(chat.last, chat.t("holder.form.skip"))
    # Meanwhile a co-holder posts the third news of the day.
    await add_news(sessionmaker, exp3d, now - hours(1))
    replies = await chat.press(note, chat.t("holder.news.send"))
    when = formatting.datetime(now + hours(21), "fr", harness.settings.timezone)
    assert replies[-1]["text"] == chat.t("holder.news.limit", count=3, when=when)
    assert len(await broadcasts(sessionmaker)) == 4  # nothing new
    assert await outbox_rows(sessionmaker, "news") == []


async def test_no_followers_still_publishes(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed(harness, sessionmaker)
    chat = harness.chat(OTHER_HOLDER)
    await chat.send("/news")
    await chat.send("Premier atelier")
    await chat.press(chat.last, chat.t("holder.form.skip"))
    _preview, note = await chat.press(chat.last, chat.t("holder.form.skip"))
    replies = await chat.press(note, chat.t("holder.news.send"))
    assert replies[-1]["text"] == chat.t("holder.news.no_followers")
    assert len(await broadcasts(sessionmaker)) == 1


async def test_menu_button_starts_the_dialogue(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    replies = await press_menu(chat, "news", exp3d)
    assert plain(replies[-1]["text"]) == plain(chat.t("holder.news.ask_text", title="Exp3D"))


async def test_forged_news_buttons_are_refused(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    # A holder of another campaign: refused in their language.
    other = harness.chat(OTHER_HOLDER, "en")
    replies = await press_menu(other, "news", exp3d)
    assert replies == []
    assert last_alert(other) == other.t("holder.form.refused")
    # A resident who holds nothing: the holders' buttons are not theirs.
    resident = harness.chat(RESIDENT)
    assert await press_menu(resident, "news", exp3d) == []
    assert last_alert(resident) == resident.t("stale")
    # A Send with no draft behind it.
    data = NewsStep(action="send").pack()
    await other.press_data(other.last["message_id"], data, strict=False)
    assert last_alert(other) == other.t("stale")
    assert await broadcasts(sessionmaker) == []


async def test_send_checks_the_holder_again(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    await chat.send("/news")
    await chat.send("Atelier")
    await chat.press(chat.last, chat.t("holder.form.skip"))
    _preview, note = await chat.press(chat.last, chat.t("holder.form.skip"))
    async with sessionmaker() as session:  # removed from the campaign meanwhile
        await session.execute(delete(Holder).where(Holder.user_id == HOLDER))
        await session.commit()
    await chat.press(note, chat.t("holder.news.send"))
    assert last_alert(chat) == chat.t("holder.form.refused")
    assert await broadcasts(sessionmaker) == []
    assert await outbox_rows(sessionmaker, "news") == []
    assert exp3d and FOLLOWERS


async def test_holder_without_a_place_posts_news(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A holder who never said where they live: their text is the news, not a place."""
    exp3d = await seed(harness, sessionmaker)
    await add_holder(sessionmaker, 520, exp3d, located=False)
    chat = harness.chat(520)
    await chat.send("/news")
    replies = await chat.send("Saint-Lô")
    assert replies[-1]["text"] == chat.t("holder.news.ask_photo")
