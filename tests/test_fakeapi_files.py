"""The fake Bot API lets a user send a document that the bot downloads, as from Telegram."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetUpdates

from bot.devtools.fakeapi import FakeBotAPI

CHAT = 42


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    bot = Bot(fake.token, session=session)
    yield bot
    await bot.session.close()


async def test_a_sent_document_is_downloaded_by_its_file_id(bot: Bot, fake: FakeBotAPI) -> None:
    fake.send_document(CHAT, "rows.csv", b"a;b\n1;2\n", caption="/import 3", mime_type="text/csv")

    updates = await bot(GetUpdates(timeout=0))
    message = updates[0].message
    assert message is not None and message.document is not None
    assert (message.document.file_name, message.document.file_size) == ("rows.csv", 8)
    assert message.document.mime_type == "text/csv"
    assert message.caption == "/import 3"
    downloaded = await bot.download(message.document.file_id)
    assert downloaded is not None and downloaded.read() == b"a;b\n1;2\n"


async def test_a_claimed_size_is_what_the_message_says(bot: Bot, fake: FakeBotAPI) -> None:
    fake.send_document(CHAT, "big.csv", b"x", file_size=30_000_000)

    updates = await bot(GetUpdates(timeout=0))
    assert updates[0].message is not None and updates[0].message.document is not None
    assert updates[0].message.document.file_size == 30_000_000


async def test_an_unknown_file_id_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")
