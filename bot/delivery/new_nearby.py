"""New campaigns near me: each campaign that starts within a resident's radius is announced to
them once, if they turned it on in /settings (users.notify_new_nearby).

The scheduler's "new_nearby" job runs scan() every `alert_scan_minutes`, over the campaigns
that started since its watermark; after a downtime, over those of the last NEW_FOR only (a
campaign started days ago is no longer new). Followers are left out: the launch alert tells
them (bot.delivery.alerts). The residents who want it are read once for all the starting
campaigns (those inside the box that holds every campaign's widest circle), put on the grid of
storage.geo's cells, and each campaign looks only at the cells around it: a launch day of a
hundred campaigns is one query and a few thousand distance checks, not a hundred scans of the
users.

A row waits for the next NEW_NEARBY_HOUR (local) after the start, so the campaigns that start
on one day reach a resident as one message (the worker sends a user's rows due together as
one); quiet hours and the digest then apply as to alerts. Priority BULK: nothing is lost by
waiting, and a resident's deadline or milestone alerts must never wait behind a launch day's
hundreds of these. Dedup key `new_nearby:<campaign>:<user>`: once per resident and campaign.
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.alerts import Deliveries
from bot.domain.campaigns import RADII_KM
from bot.domain.quiet_hours import deliver_at
from bot.settings import Settings
from storage.geo import bounding_box, cell_of, cells_around, haversine_km
from storage.models import OutboxStatus, Priority
from storage.repo import alerts as marks
from storage.repo import audience, outbox

log = logging.getLogger(__name__)

JOB = "new_nearby"
KIND = "new_nearby"
NEW_NEARBY_HOUR = 10  # local
WIDEST_KM = max(RADII_KM)
NEW_FOR = timedelta(days=1)


@dataclass
class SendHour:
    """Preferences of a daily digest at NEW_NEARBY_HOUR: deliver_at() then gives the first such
    hour (local) at or after a start, and every campaign that starts before it waits for it."""

    quiet_hours: bool = False
    quiet_start: int = 0
    quiet_end: int = 0
    digest_hour: int | None = NEW_NEARBY_HOUR


def box_around(campaigns: Sequence[Any]) -> tuple[float, float, float, float]:
    """The box holding every campaign's widest circle."""
    boxes = [bounding_box(c.lat, c.lon, WIDEST_KM) for c in campaigns]
    return (
        min(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def on_grid(residents: Sequence[Any]) -> dict[int, list[Any]]:
    cells: dict[int, list[Any]] = defaultdict(list)
    for resident in residents:
        cells[cell_of(resident.lat, resident.lon)].append(resident)
    return cells


def rows_for(
    campaigns: Sequence[Any],
    residents: Sequence[Any],
    following: set[tuple[int, int]],
    now: datetime,
    tz: str,
) -> list[dict[str, Any]]:
    """One pending row per (resident, campaign) within the resident's radius, not followed."""
    cells, deliveries, slot = on_grid(residents), Deliveries(tz), SendHour()
    rows = []
    for campaign in campaigns:
        due = deliver_at(campaign.starts_at, slot, tz)
        for cell in cells_around(campaign.lat, campaign.lon, WIDEST_KM):
            for resident in cells.get(cell, ()):
                km = haversine_km(resident.lat, resident.lon, campaign.lat, campaign.lon)
                if km > resident.radius_km or (resident.user_id, campaign.id) in following:
                    continue
                rows.append(_row(campaign, resident, km, due, deliveries(due, resident), now))
    return rows


def _row(
    campaign: Any, resident: Any, km: float, due: datetime, not_before: datetime, now: datetime
) -> dict[str, Any]:
    content = {
        "campaign": campaign.id,
        "title": campaign.title,
        "goal_cents": campaign.goal_cents,
        "ends_at": campaign.ends_at.isoformat(),
        "km": round(km, 1),
    }
    return {
        "user_id": resident.user_id,
        "kind": KIND,
        "campaign_id": campaign.id,
        "dedup_key": f"{KIND}:{campaign.id}:{resident.user_id}",
        "content": content,
        "status": OutboxStatus.PENDING.value,
        "due_at": due,
        "not_before": not_before,
        "created_at": now,
        "priority": Priority.BULK,
    }


async def scan(session: AsyncSession, *, now: datetime, settings: Settings) -> int:
    """Queue "new near you" for the campaigns that started in (watermark, now]; rows inserted.
    No commit (the job's)."""
    start = max(await marks.watermark(session, JOB) or now - NEW_FOR, now - NEW_FOR)
    inserted = 0
    if now > start:
        campaigns = await audience.starting(session, start, now)
        if campaigns:
            residents = await audience.wanting_new_nearby(session, box_around(campaigns))
            following = await audience.follows(session, [c.id for c in campaigns])
            rows = rows_for(campaigns, residents, following, now, settings.timezone)
            inserted = await outbox.enqueue_many(session, rows)
            log.info("new near you: %d campaigns started, %d rows", len(campaigns), inserted)
        await marks.set_watermark(session, JOB, now)
    return inserted
