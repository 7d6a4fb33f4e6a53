"""Operations' automatic reminders into the outbox (when each is due: bot.domain.reminders).

The scheduler's "announcements" job calls scan() every minute. A reminder due now, turned on
and not void becomes a broadcast of kind "reminder" whose dedup key ("call_7d:12") makes it
exist once ever, written with INSERT ... ON CONFLICT DO NOTHING: two processes never both queue
it, a second scan finds it done. Its outbox rows go, like an announcement's, to the consenting
residents of the operation's territory (bot.delivery.announcements.queue_rows), bulk, quiet
hours kept; they carry their data and are alerts like the others (bot.ui.reminder_texts renders
them in each reader's language); the broadcast keeps how many were queued. The launch-day one
counts, for each reader, the operation's live and upcoming projects within their radius of
their point (a few campaigns against each reader, in Python, as the rows are written).
"""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.announcements import queue_rows
from bot.domain import reminders
from bot.domain.territory import Divisions
from storage.models import Broadcast, Operation
from storage.repo import announcements as repo

log = logging.getLogger(__name__)


async def scan(
    session: AsyncSession, now: datetime, tz: str, divisions: Divisions
) -> list[Broadcast]:
    """Queue the reminders due now that were never sent; no commit."""
    queued = []
    for operation in await repo.with_reminders(session, now):
        off = reminders.turned_off(operation)
        for reminder in reminders.due(operation, tz, now, off):
            broadcast = await repo.start_reminder(
                session, operation.id, reminder.key(operation.id), reminder.due_at, now
            )
            if broadcast is None:
                continue  # sent already
            content = await _content(session, operation, reminder.which, now)
            await queue_rows(session, broadcast, now, tz, divisions, content)
            log.info(
                "reminder %s of operation %s queued for %d residents",
                reminder.which,
                operation.id,
                broadcast.recipients,
            )
            queued.append(broadcast)
    return queued


async def _content(
    session: AsyncSession, operation: Operation, which: str, now: datetime
) -> dict[str, Any] | Callable[[Any], dict[str, Any]]:
    """The rows' content: one for all, or, on launch day, one per number of the operation's live
    and upcoming projects near the reader ("near"; "projects": all of them)."""
    closes = operation.call_closes_at
    content: dict[str, Any] = {
        "which": which,
        "operation": operation.id,
        "name": operation.name,
        "closes_at": closes.isoformat() if closes is not None else None,
        "link": operation.link,
    }
    if which != reminders.LAUNCH:
        return content
    points = await repo.live_points(session, operation.id, now)
    content["projects"] = len(points)
    by_count: dict[int, dict[str, Any]] = {}  # readers with the same count share one content

    def per_reader(resident: Any) -> dict[str, Any]:
        count = reminders.near(resident.lat, resident.lon, resident.radius_km, points)
        if count not in by_count:
            by_count[count] = content | {"near": count}
        return by_count[count]

    return per_reader
