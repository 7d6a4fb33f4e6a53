"""Retention: a resident inactive for RETENTION_DAYS is told a week before, then erased as by
/forget; notifications done with are purged after NOTIFICATION_DAYS. A daily scheduler job.

"Seen" is any update from them (bot.middlewares.UserMiddleware keeps `last_seen_at` at most a
week old); coming back after the warning cancels it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.quiet_hours import deliver_at
from bot.settings import Settings
from storage.repo import outbox, retention, users

log = logging.getLogger(__name__)

WARNING_DAYS = 7
NOTIFICATION_DAYS = 90
KIND = "retention"


@dataclass
class RetentionReport:
    warned: int = 0
    erased: int = 0
    purged: int = 0


async def sweep(session: AsyncSession, *, now: datetime, settings: Settings) -> RetentionReport:
    """Warn, erase and purge what is due; the caller commits."""
    report = RetentionReport()
    limit = timedelta(days=settings.retention_days)
    erase_at = now + timedelta(days=WARNING_DAYS)
    warned = await retention.to_warn(session, now - limit + timedelta(days=WARNING_DAYS))
    content = {"erase_at": erase_at.isoformat()}
    await outbox.enqueue_many(
        session,
        [
            {
                "user_id": user.id,
                "kind": KIND,
                "dedup_key": f"{KIND}:{user.id}:{now.date().isoformat()}",
                "content": content,
                "due_at": now,
                "not_before": deliver_at(now, user, settings.timezone),  # quiet hours hold
            }
            for user in warned
        ],
    )
    await retention.mark_warned(session, [user.id for user in warned], now)
    report.warned = len(warned)
    erasing = await retention.to_erase(session, now - limit, now - timedelta(days=WARNING_DAYS))
    for user_id in erasing:
        await users.delete_user(session, user_id)
    report.erased = len(erasing)
    report.purged = await retention.purge_notifications(
        session, now - timedelta(days=NOTIFICATION_DAYS)
    )
    log.info("retention: %s", report)
    return report
