"""The scheduler's jobs for operations and residents' "new near you", each in its own
transaction (bot.delivery.scheduler wakes them; the database holds every state):

- "announcements" (every minute): the scheduled announcements whose time has come
  (bot.delivery.announcements.queue_due), then the reminders due (bot.delivery.reminders.scan);
- "new_nearby" (every `alert_scan_minutes`): the campaigns that started, to the residents
  around them who want to know (bot.delivery.new_nearby.scan).

Both wake the delivery worker when they queued something.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import announcements, new_nearby, reminders
from bot.domain.clock import Clock
from bot.domain.territory import Divisions
from bot.settings import Settings
from storage.models import utcnow

log = logging.getLogger(__name__)

ANNOUNCEMENTS_EVERY = timedelta(minutes=1)


async def announcements_tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    divisions: Divisions,
    clock: Clock = utcnow,
    wake: Callable[[], None] | None = None,
) -> int:
    """Queue the announcements and reminders due; how many broadcasts went to the outbox."""
    tz = settings.timezone
    async with sessionmaker() as session:
        due = await announcements.queue_due(session, clock(), tz, divisions)
        await session.commit()
    async with sessionmaker() as session:
        due += await reminders.scan(session, clock(), tz, divisions)
        await session.commit()
    if due and wake is not None:
        wake()
    return len(due)


async def new_nearby_tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock = utcnow,
    wake: Callable[[], None] | None = None,
) -> int:
    """Queue "new near you" for the campaigns that started; rows queued."""
    async with sessionmaker() as session:
        queued = await new_nearby.scan(session, now=clock(), settings=settings)
        await session.commit()
    if queued and wake is not None:
        wake()
    return queued
