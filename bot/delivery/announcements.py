"""Coordinators' announcements into the outbox: one small bulk row per consenting resident of the
operation's territory, as holders' news go to followers (bot.delivery.broadcasts).

Sent now (the coordinator's Send button) or at a chosen time: a scheduled announcement is a
Broadcast row with `send_at`, so it survives a restart; the scheduler's "announcements" job
(queue_due, every minute) queues those whose time has come. Each is queued once: `queued_at` is
set by a guarded UPDATE (storage.repo.announcements.claim) in the same transaction as its outbox
rows, so two processes never both queue it, and a crash between the two leaves neither. The
dedup key `announcement:<broadcast>:<user>` holds anyway.

Rows are BULK (residents' own alerts go first), held by quiet hours and the digest hour as alerts
are (bot.delivery.alerts.Deliveries). The worker renders the broadcast for each reader when it
sends the row, and edits the coordinator's report message (report_chat_id) as delivery goes.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.alerts import Deliveries
from bot.delivery.broadcasts import news_rows
from bot.domain.territory import Area, Divisions, communes_in
from storage.models import Broadcast
from storage.repo import announcements, audience, outbox
from storage.repo import broadcasts as repo

log = logging.getLogger(__name__)


async def territory_communes(
    session: AsyncSession, operation_id: int, divisions: Divisions
) -> set[str]:
    """The INSEE codes of every commune of the operation's territory."""
    pairs = await audience.areas(session, operation_id)
    return communes_in([Area(level, code) for level, code in pairs], divisions)


async def reach(session: AsyncSession, operation_id: int, divisions: Divisions) -> int:
    """How many residents an announcement of this operation would reach now."""
    return await audience.count(session, await territory_communes(session, operation_id, divisions))


async def queue_rows(
    session: AsyncSession,
    broadcast: Broadcast,
    now: datetime,
    tz: str,
    divisions: Divisions,
    content: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None,
) -> int:
    """Write the broadcast's outbox rows (its kind) for its operation's consenting residents;
    sets recipients. Returns how many rows were new. No commit, no claim (the callers do both).

    An announcement's rows are empty and carry the broadcast's id: the worker renders the
    broadcast, as its own message. With `content` (reminders) they are alerts like the others,
    rendered from their content by the registry and grouped with the reader's alerts due with
    them, so they carry no broadcast id: the broadcast, written once, only keeps the count.
    `content` is one dict for all, or a function of the recipient (read with their point and
    radius) giving each row's: rows given the same object share one JSON text."""
    if broadcast.operation_id is None:
        raise ValueError("an announcement needs its operation")
    codes = await territory_communes(session, broadcast.operation_id, divisions)
    recipients = await audience.recipients(session, codes, placed=callable(content))
    rows = news_rows(broadcast, recipients, now, Deliveries(tz))
    if content is not None:
        for row, recipient in zip(rows, recipients, strict=True):
            # One object for many: written as JSON once per object (outbox._shared).
            row["content"] = content(recipient) if callable(content) else content
            row["broadcast_id"] = None
    inserted = await outbox.enqueue_many(session, rows)
    # Counted, not taken from `inserted`: queueing again inserts nothing and must not say 0.
    broadcast.recipients = await repo.queued(session, broadcast.id) if content is None else inserted
    return inserted


async def queue_now(
    session: AsyncSession, broadcast_id: int, now: datetime, tz: str, divisions: Divisions
) -> Broadcast | None:
    """Claim a waiting announcement and queue it; None if it went out or was cancelled."""
    if not await announcements.claim(session, broadcast_id, now):
        return None
    broadcast = await announcements.get(session, broadcast_id)
    assert broadcast is not None  # claimed in this transaction
    await queue_rows(session, broadcast, now, tz, divisions)
    log.info(
        "announcement %s of operation %s queued for %d residents",
        broadcast.id,
        broadcast.operation_id,
        broadcast.recipients,
    )
    return broadcast


async def queue_due(
    session: AsyncSession, now: datetime, tz: str, divisions: Divisions
) -> list[Broadcast]:
    """Queue every scheduled announcement whose time has come (the scheduler's job); no commit.

    One sent late (the bot was stopped at its time) goes out when the bot is back."""
    queued = []
    for broadcast_id in await announcements.due(session, now):
        broadcast = await queue_now(session, broadcast_id, now, tz, divisions)
        if broadcast is not None:
            queued.append(broadcast)
    return queued
