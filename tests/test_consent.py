"""Consent to operations' announcements: asked once in onboarding, in one tap; changed in
/settings; residents who came before the question are asked at their next visit, once."""

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import User
from tests.e2e import Chat, Harness, button_labels
from tests.test_notification_settings import toggle


async def stored(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> User:
    async with sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user


def texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies]


async def test_onboarding_asks_once_in_one_tap(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(3001, "fr")
    await chat.send("/start")
    replies = await chat.send("saint lo")
    assert texts(replies) == [
        chat.t("place.saved", place="Saint-Lô"),
        chat.t("consent.ask"),
        chat.t("radius.ask"),
    ]
    question = replies[1]
    assert button_labels(question) == [chat.t("consent.yes"), chat.t("consent.no")]
    assert (await stored(sessionmaker, 3001)).announcements_consent is None  # nothing until then

    assert await chat.press(question, chat.t("consent.yes")) == []  # answered in place
    assert chat.message(question["message_id"])["text"] == chat.t("consent.saved_yes")
    assert button_labels(chat.message(question["message_id"])) == []
    user = await stored(sessionmaker, 3001)
    assert (user.announcements_consent, user.consent_at) == (True, harness.clock.now)

    # Setting the place again asks nothing more.
    await chat.send("/start")
    replies = await chat.send("tours")
    assert texts(replies) == [chat.t("place.saved", place="Tours"), chat.t("radius.ask")]


async def test_no_thanks_is_kept_and_an_unanswered_question_is_not_put_again(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    saying_no, silent = harness.chat(3002, "en"), harness.chat(3003, "fr")
    for chat in (saying_no, silent):
        await chat.send("/start")
        await chat.send("saint lo")
    question = next(m for m in saying_no.messages if m["text"] == saying_no.t("consent.ask"))
    await saying_no.press(question, saying_no.t("consent.no"))
    assert saying_no.message(question["message_id"])["text"] == saying_no.t("consent.saved_no")
    user = await stored(sessionmaker, 3002)
    assert (user.announcements_consent, user.notify_announcements) == (False, False)

    # The one who did not answer is not asked again (at /start nor at /settings), and gets
    # nothing meanwhile (storage.repo.audience needs a yes).
    await silent.send("/start")
    assert silent.t("consent.ask") not in texts(await silent.send("saint lo"))
    assert len(await silent.send("/settings")) == 1
    assert (await stored(sessionmaker, 3003)).announcements_consent is None


async def test_settings_shows_and_changes_it(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(3004, "fr")
    await chat.send("/start")
    replies = await chat.send("saint lo")
    await chat.press(replies[1], chat.t("consent.yes"))
    [menu] = await chat.send("/settings")
    await chat.press(menu, chat.t("settings.notifications"))
    screen = chat.message(menu["message_id"])
    assert toggle(chat, "announcements", True) in button_labels(screen)

    harness.clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    await chat.press(screen, toggle(chat, "announcements", True))
    screen = chat.message(menu["message_id"])
    assert toggle(chat, "announcements", False) in button_labels(screen)
    user = await stored(sessionmaker, 3004)
    assert (user.announcements_consent, user.notify_announcements) == (False, False)
    assert user.consent_at == harness.clock.now

    await chat.press(screen, toggle(chat, "new_nearby", False))
    assert (await stored(sessionmaker, 3004)).notify_new_nearby is True


async def resident_from_before(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: int
) -> None:
    """Someone who set their place before the consent question existed."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with sessionmaker() as session:
        await session.execute(
            insert(User),
            [
                {
                    "id": user_id,
                    "lat": 49.12,
                    "lon": -1.08,
                    "commune_insee": "50502",
                    "radius_km": 25,
                    "created_at": now,
                    "updated_at": now,
                    "last_seen_at": now,
                }
            ],
        )
        await session.commit()


async def answer(chat: Chat, replies: list[dict], yes: bool) -> None:
    [question] = [m for m in replies if m["text"] == chat.t("consent.ask")]
    await chat.press(question, chat.t("consent.yes" if yes else "consent.no"))


async def test_residents_from_before_are_asked_at_their_next_visit(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # At /settings: what they asked for first, then the question, once.
    await resident_from_before(sessionmaker, 3005)
    chat = harness.chat(3005, "fr")
    replies = await chat.send("/settings")
    assert texts(replies)[1:] == [chat.t("consent.ask")]
    assert replies[0]["text"] == chat.t(
        "settings.text", language=chat.t("language.name"), place="Saint-Lô", radius=25
    )
    assert len(await chat.send("/settings")) == 1
    await answer(chat, replies, yes=True)
    assert (await stored(sessionmaker, 3005)).announcements_consent is True

    # At /start: with the place, as in onboarding.
    await resident_from_before(sessionmaker, 3006)
    chat = harness.chat(3006, "en")
    await chat.send("/start")
    replies = await chat.send("saint lo")
    assert chat.t("consent.ask") in texts(replies)
    await answer(chat, replies, yes=False)
    assert (await stored(sessionmaker, 3006)).announcements_consent is False

    # At /nearby: the list first, then the question, once.
    await resident_from_before(sessionmaker, 3007)
    chat = harness.chat(3007, "fr")
    replies = await chat.send("/nearby")
    assert texts(replies)[-1] == chat.t("consent.ask")
    assert chat.t("consent.ask") not in texts(await chat.send("/nearby"))
    await answer(chat, replies, yes=True)
    assert (await stored(sessionmaker, 3007)).announcements_consent is True
