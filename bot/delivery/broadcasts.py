"""Broadcasts (a holder's news) into the outbox: one small row per follower, in the bulk lane.

A row holds no text: the worker loads the broadcast by `broadcast_id` when it claims the row and
renders it for each reader (bot.ui.broadcasts), so 10,000 followers cost 10,000 short rows. The
dedup key `news:<broadcast>:<user>` makes a second queueing (a double tap, two workers) a no-op.
Quiet hours and the digest hour hold a row as they hold alerts (bot.delivery.alerts.Deliveries).
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.alerts import Deliveries
from storage.models import Broadcast, OutboxStatus, Priority
from storage.repo import broadcasts as repo
from storage.repo import outbox


async def queue_news(session: AsyncSession, broadcast: Broadcast, now: datetime, tz: str) -> int:
    """Queue the news for every follower who wants news and has not blocked the bot; returns
    how many rows were new. Sets queued_at and recipients. No commit (the caller's update)."""
    if broadcast.campaign_id is None:
        raise ValueError("a news broadcast needs its campaign")
    await session.flush()  # the broadcast's id
    recipients = await repo.news_recipients(session, broadcast.campaign_id)
    rows = news_rows(broadcast, recipients, now, Deliveries(tz))
    inserted = await outbox.enqueue_many(session, rows)
    broadcast.queued_at = broadcast.queued_at or now
    # Counted, not taken from `inserted`: a second queueing inserts nothing and must not say 0.
    broadcast.recipients = await repo.queued(session, broadcast.id)
    return inserted


def news_rows(
    broadcast: Broadcast, recipients: Any, now: datetime, deliveries: Deliveries
) -> list[dict[str, Any]]:
    """One pending bulk row per recipient, content empty (the broadcast holds the text)."""
    content: dict[str, Any] = {}
    status = OutboxStatus.PENDING.value
    return [
        {
            "user_id": follower.user_id,
            "kind": broadcast.kind,
            "campaign_id": broadcast.campaign_id,
            "dedup_key": f"{broadcast.kind}:{broadcast.id}:{follower.user_id}",
            "content": content,
            "status": status,
            "due_at": now,
            "not_before": deliveries(now, follower),
            "created_at": now,
            "priority": Priority.BULK,
            "broadcast_id": broadcast.id,
        }
        for follower in recipients
    ]
