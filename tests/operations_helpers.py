"""Shared pieces of the operations' tests: a bot with an admin, operations and coordinators
written straight to the database, and a snapshot of what coordinators may change."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from storage.models import Campaign, Operation, OperationArea, OperationCoordinator, User
from storage.repo import operations, users
from tests.e2e import Chat, Harness, start_harness

ADMIN = 9001
SAMPLE_YAML = b"""\
name: Make in Loire Valley
territory: R24
call_opens: 01/12/2026
call_closes: 31/01/2027
launch: 05/02/2027
ends: 30/03/2027
platform: Ulule
link: https://fr.ulule.com/make-in-loire-valley/
description: Projects of the Centre-Val de Loire region.
"""
# 2026-11-30 23:00 UTC is 1 December 00:00 in Paris; closings and ends are at 23:59 local.
CALL_OPENS = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
CALL_CLOSES = datetime(2027, 1, 31, 22, 59, tzinfo=UTC)
LAUNCH = datetime(2027, 2, 4, 23, 0, tzinfo=UTC)
ENDS = datetime(2027, 3, 30, 21, 59, tzinfo=UTC)


async def admin_bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    """The bot with ADMIN as its admin (each test module makes it a fixture)."""
    harness, close = await start_harness(db_url, gazetteer, i18n, admin_ids=[ADMIN])
    yield harness
    await close()


async def known(chat: Chat) -> None:
    """The user has written to the bot (and gave a place, so plain text is not one)."""
    await chat.send("/help")


async def set_flags(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: int, **flags: bool
) -> None:
    async with sessionmaker() as session:
        await session.execute(update(User).where(User.id == user_id).values(**flags))
        await session.commit()


async def add_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    areas: list[tuple[str, str]],
    coordinators: list[int] = (),  # type: ignore[assignment]
) -> int:
    async with sessionmaker() as session:
        operation = await operations.create(
            session,
            {
                "name": name,
                "platform": "Ulule",
                "call_opens_at": CALL_OPENS,
                "call_closes_at": CALL_CLOSES,
                "launch_at": LAUNCH,
                "ends_at": ENDS,
            },
            areas,
            created_by=ADMIN,
        )
        for user_id in coordinators:
            await users.get_or_create(session, user_id, 25)
            await operations.appoint(session, user_id)
            await operations.assign(session, operation.id, user_id)
        await session.commit()
        return operation.id


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Everything a coordinator's action may change."""
    async with sessionmaker() as session:
        ops = (await session.execute(select(Operation).order_by(Operation.id))).scalars().all()
        return {
            "operations": [
                (o.id, o.name, o.platform, o.link, o.description, o.call_opens_at, o.ends_at)
                for o in ops
            ],
            "areas": sorted(
                (a.operation_id, a.level, a.code)
                for a in (await session.scalars(select(OperationArea))).all()
            ),
            "coordinators": sorted(
                (c.operation_id, c.user_id)
                for c in (await session.scalars(select(OperationCoordinator))).all()
            ),
            "flags": sorted(
                (u.id, u.coordinator)
                for u in (await session.scalars(select(User).order_by(User.id))).all()
            ),
            "campaigns": sorted(
                (c.id, c.operation_id) for c in (await session.scalars(select(Campaign))).all()
            ),
        }


async def tap(chat: Chat, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press a button; the bot's new message, or the pressed message as the press edited it."""
    new = await chat.press(message, label)
    return new[-1] if new else chat.message(message["message_id"])
