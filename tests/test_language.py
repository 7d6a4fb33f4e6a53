"""The bot speaks the user's Telegram language until they choose one in /settings."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import User
from tests.e2e import Harness, plain


async def test_the_bot_follows_telegram_until_a_language_is_chosen(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    french = harness.chat(8101, "fr")
    [reply] = await french.send("/help")
    assert plain(reply["text"]) == french.t("help.text")

    english = harness.chat(8101, "en")  # the same person, their Telegram now in English
    [reply] = await english.send("/help")
    assert plain(reply["text"]) == english.t("help.text")
    async with sessionmaker() as session:
        user = await session.get(User, 8101)
        assert user is not None and (user.locale, user.language_code) == (None, "en")

    screen = (await english.send("/settings"))[0]
    await english.press(screen, english.t("settings.language"))
    await english.press(english.message(screen["message_id"]), "Français")
    [reply] = await english.send("/help")  # Telegram still in English: the choice holds
    assert plain(reply["text"]) == french.t("help.text")
    async with sessionmaker() as session:
        user = await session.get(User, 8101)
        assert user is not None and user.locale == "fr"
