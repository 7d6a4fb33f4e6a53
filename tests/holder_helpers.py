"""Shared pieces of the holder tests: a campaign with its holder and followers, and what the fake
Bot API has no one-call helper for (a formatted text, a photo sent by a user)."""

import itertools
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeapi.records import UploadedFile
from bot.ui.callbacks import HolderMenu
from storage.models import Broadcast, Campaign, Follow, Outbox, ProgressPoint, User
from tests.e2e import Chat, Harness
from tests.factories import add_campaigns, add_holder, campaign

HOLDER = 500
OTHER_HOLDER = 510
RESIDENT = 700
FOLLOWERS = (601, 602, 603)  # 603 turned holders' news off
_message_ids = itertools.count(900_000)


async def seed(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Exp3D (goal 2 000 €, 500 € from 10 backers, live), held by HOLDER, followed by
    FOLLOWERS; another campaign held by OTHER_HOLDER; RESIDENT holds nothing."""
    now = harness.clock.now
    exp3d, other = await add_campaigns(
        sessionmaker,
        campaign(now, title="Exp3D", goal_cents=200_000, raised_cents=50_000, backers=10),
        campaign(now, title="Autre projet"),
    )
    await add_holder(sessionmaker, HOLDER, exp3d)
    await add_holder(sessionmaker, OTHER_HOLDER, other)
    await add_holder(sessionmaker, RESIDENT)
    async with sessionmaker() as session:
        for user_id in FOLLOWERS:
            session.add(User(id=user_id, notify_news=user_id != 603, language_code="fr"))
        await session.flush()
        session.add_all(Follow(user_id=u, campaign_id=exp3d, created_at=now) for u in FOLLOWERS)
        await session.commit()
    return exp3d


def register_photo(harness: Harness, file_id: str) -> None:
    """A photo Telegram knows by this file_id (as if a user had sent it), so the bot may send
    it again by id."""
    harness.fake.files[file_id] = UploadedFile("photo.jpg", b"\xff\xd8", "image/jpeg", file_id)


async def send_raw(chat: Chat, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The user sends a message with this content (entities, photo, caption...); returns the
    bot's new messages."""
    fake = chat.h.fake
    user = fake.add_user(chat.user_id, language_code=chat.lang)
    message = {
        "message_id": next(_message_ids),
        "from": user,
        "chat": {"id": chat.user_id, "type": "private", "first_name": user["first_name"]},
        "date": int(time.time()),
        **content,
    }
    before = len(chat.messages)
    update = fake.send_update({"message": message})
    await chat.h.processed(update["update_id"])
    return chat.messages[before:]


async def send_photo(
    chat: Chat, file_id: str, caption: str | None = None, **extra: Any
) -> list[dict[str, Any]]:
    register_photo(chat.h, file_id)
    sizes = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": file_id, "file_unique_id": "b", "width": 1280, "height": 960},
    ]
    content: dict[str, Any] = {"photo": sizes, **extra}
    if caption is not None:
        content["caption"] = caption
    return await send_raw(chat, content)


async def press_menu(chat: Chat, action: str, campaign_id: int) -> list[dict[str, Any]]:
    """Press a /myprojects button (HolderMenu), or forge one: any message of the chat carries
    it."""
    if not chat.messages:
        await chat.send("/help")
    data = HolderMenu(action=action, id=campaign_id).pack()
    return await chat.press_data(chat.messages[-1]["message_id"], data, strict=False)


def last_alert(chat: Chat) -> str | None:
    answers = chat.callback_answers()
    return answers[-1].get("text") if answers else None


async def broadcasts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Broadcast]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))


async def outbox_rows(sessionmaker: async_sessionmaker[AsyncSession], kind: str) -> list[Outbox]:
    async with sessionmaker() as session:
        query = select(Outbox).where(Outbox.kind == kind).order_by(Outbox.user_id)
        return list(await session.scalars(query))


async def points(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> list[ProgressPoint]:
    async with sessionmaker() as session:
        query = select(ProgressPoint).where(ProgressPoint.campaign_id == campaign_id)
        return list(await session.scalars(query.order_by(ProgressPoint.id)))


async def load(sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int) -> Campaign:
    async with sessionmaker() as session:
        found = await session.get(Campaign, campaign_id)
        assert found is not None
        await session.refresh(found, ["rewards"])
        return found


async def add_news(
    sessionmaker: async_sessionmaker[AsyncSession],
    campaign_id: int,
    at: datetime,
    text: str = "Nouvelle",
    **fields: Any,
) -> None:
    """A news already posted at `at` (as another holder's Send leaves it)."""
    async with sessionmaker() as session:
        session.add(
            Broadcast(
                kind="news", campaign_id=campaign_id, author_id=HOLDER, text=text,
                created_at=at, queued_at=at, **fields,
            )
        )  # fmt: skip
        await session.commit()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
