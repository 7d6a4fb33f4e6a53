"""/settings → notifications through the real bot: toggles, quiet hours, digest, forged buttons."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.callbacks import DigestPick, NotifyToggle
from storage.models import User
from tests.e2e import Chat, Harness, button_labels

USER = 4242


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> User:
    async with sessionmaker() as session:
        user = await session.get(User, USER)
        assert user is not None
        return user


def toggle(chat: Chat, kind: str, on: bool, **values: Any) -> str:
    label = chat.t(f"notify.kind.{kind}", **values)
    return chat.t("notify.toggle.on" if on else "notify.toggle.off", label=label)


def screen(chat: Chat, quiet: bool = True, digest: int | None = None) -> str:
    quiet_text = (
        chat.t("notify.quiet.on_text", start="21:00", end="08:00")
        if quiet
        else chat.t("notify.quiet.off_text")
    )
    digest_text = (
        chat.t("notify.digest.on_text", hour=f"{digest:02d}:00")
        if digest is not None
        else chat.t("notify.digest.off_text")
    )
    return chat.t("notify.text", quiet=quiet_text, digest=digest_text)


async def open_notifications(chat: Chat) -> dict[str, Any]:
    [menu] = await chat.send("/settings")
    assert await chat.press(menu, chat.t("settings.notifications")) == []  # edited in place
    message = chat.message(menu["message_id"])
    assert message["text"] == screen(chat)
    return message


async def test_toggles_are_saved_and_the_screen_is_redrawn_in_place(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(USER, "en")
    message = await open_notifications(chat)
    kinds = ("deadlines", "milestones", "launches", "news")
    assert button_labels(message)[:7] == [
        *(toggle(chat, kind, True) for kind in kinds),
        # Announcements wait for a yes (never given yet); new campaigns near me are off at first.
        toggle(chat, "announcements", False),
        toggle(chat, "new_nearby", False),
        toggle(chat, "quiet", True, start="21:00", end="08:00"),
    ]
    for kind, on in (("deadlines", True), ("launches", True), ("announcements", False)):
        await chat.press(message, toggle(chat, kind, on))
        message = chat.message(message["message_id"])
    await chat.press(message, toggle(chat, "quiet", True, start="21:00", end="08:00"))
    message = chat.message(message["message_id"])
    assert message["text"] == screen(chat, quiet=False)
    assert toggle(chat, "deadlines", False) in button_labels(message)
    assert chat.callback_answers()[-1]["text"] == chat.t("notify.saved")
    user = await stored(sessionmaker)
    assert (user.notify_deadlines, user.notify_milestones, user.notify_launches) == (
        False,
        True,
        False,
    )
    assert (user.notify_news, user.notify_announcements, user.quiet_hours) == (True, True, False)
    assert user.announcements_consent is True  # the switch is the consent

    await chat.press(message, toggle(chat, "deadlines", False))  # and back on
    assert (await stored(sessionmaker)).notify_deadlines is True
    assert len(chat.messages) == 1


async def test_digest_hour_is_chosen_then_turned_off(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(USER, "fr")
    message = await open_notifications(chat)
    await chat.press(
        message, chat.t("notify.digest.button", digest=chat.t("notify.digest.off_text"))
    )
    message = chat.message(message["message_id"])
    assert message["text"] == chat.t("notify.digest.ask")
    await chat.press(message, "18:00")
    message = chat.message(message["message_id"])
    assert message["text"] == screen(chat, digest=18)
    assert (await stored(sessionmaker)).digest_hour == 18

    on_text = chat.t("notify.digest.on_text", hour="18:00")
    await chat.press(message, chat.t("notify.digest.button", digest=on_text))
    await chat.press(chat.message(message["message_id"]), chat.t("notify.digest.none"))
    assert chat.message(message["message_id"])["text"] == screen(chat)
    assert (await stored(sessionmaker)).digest_hour is None


async def test_back_goes_to_the_settings(harness: Harness) -> None:
    chat = harness.chat(USER, "fr")
    message = await open_notifications(chat)
    await chat.press(message, chat.t("notify.back"))
    message = chat.message(message["message_id"])
    assert chat.t("settings.notifications") in button_labels(message)
    assert message["text"] == chat.t(
        "settings.text",
        language=chat.t("language.name"),
        place=chat.t("settings.no_place"),
        radius=harness.settings.default_radius_km,
    )


async def test_forged_buttons_are_refused_and_change_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(USER, "en")
    message = await open_notifications(chat)
    before = chat.message(message["message_id"])["text"]
    forged = (
        NotifyToggle(what="blocked_at", on=True).pack(),
        NotifyToggle(what="bogus", on=False).pack(),
        "nt:deadlines:maybe",
        DigestPick(hour=3).pack(),
        DigestPick(hour=24).pack(),
        "dg:eighteen",
        "s:nowhere",
    )
    for data in forged:
        assert await chat.press_data(message["message_id"], data, strict=False) == []
        answer = chat.callback_answers()[-1]
        assert (answer["text"], answer.get("show_alert")) == (chat.t("stale"), True)
    assert chat.message(message["message_id"])["text"] == before
    user = await stored(sessionmaker)
    assert user.blocked_at is None and user.digest_hour is None
    assert all(
        (
            user.notify_deadlines,
            user.notify_milestones,
            user.notify_launches,
            user.notify_news,
            user.notify_announcements,
            user.quiet_hours,
        )
    )
