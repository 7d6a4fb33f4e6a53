"""Who hears an operation's announcements: the residents who said yes and live in its territory.

Consent first: `users.announcements_consent` is None until the resident answers the question
(onboarding, or their next visit for those who came before it), then True or False; nobody is
targeted without a yes. `consent_at` is when they answered; while they have not, it is when the
question was put to them, so that it is put once (a column of its own would say it better: see
the note in handlers.resident.places).

A resident lives where the commune they gave lies; one who shared a point has the commune
nearest to it (handlers.resident.places.on_location), so one column serves both. The territory's
communes go to the database as one value: an array on PostgreSQL (`= ANY`), a JSON list read by
`json_each` on SQLite, so a region's 2,000 communes are one bound parameter, not 2,000.
"""

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from storage.models import Campaign, Follow, OperationArea, User
from storage.repo.broadcasts import RECIPIENT_COLUMNS

# Bound parameters per IN list: far below SQLite's and asyncpg's limits.
CHUNK = 1000

# Said yes, still wants them (the /settings switch keeps both in step), has not blocked the bot.
CONSENTING = (
    User.announcements_consent.is_(True),
    User.notify_announcements.is_(True),
    User.blocked_at.is_(None),
)


def should_ask(user: User) -> bool:
    """The consent question has never been put to this resident (nor answered)."""
    return user.announcements_consent is None and user.consent_at is None


def mark_asked(user: User, now: datetime) -> None:
    """The question was put: it is not put again (the answer stays None until they give one)."""
    if user.announcements_consent is None:
        user.consent_at = now


def set_consent(user: User, yes: bool, now: datetime) -> None:
    """The resident's answer, and when; the notification switch follows it."""
    user.announcements_consent = yes
    user.consent_at = now
    user.notify_announcements = yes


async def areas(session: AsyncSession, operation_id: int) -> list[tuple[str, str]]:
    """The operation's territory as (level, code) pairs."""
    rows = await session.execute(
        select(OperationArea.level, OperationArea.code).where(
            OperationArea.operation_id == operation_id
        )
    )
    return [(level, code) for level, code in rows]


def in_communes(session: AsyncSession, codes: Collection[str]) -> ColumnElement[bool]:
    """users.commune_insee is one of `codes`, with the list bound as one parameter."""
    ordered = sorted(codes)
    if session.get_bind().dialect.name == "postgresql":
        return User.commune_insee == any_(bindparam("codes", ordered, type_=ARRAY(String)))
    listed = func.json_each(bindparam("codes", json.dumps(ordered))).table_valued("value")
    return User.commune_insee.in_(select(listed.c.value))


async def recipients(
    session: AsyncSession, codes: Collection[str], placed: bool = False
) -> Sequence[Any]:
    """The consenting residents living in one of these communes, with what queueing needs
    (storage.repo.broadcasts.RECIPIENT_COLUMNS: quiet hours, digest) and, when `placed`, their
    point and radius (lat, lon, radius_km: the launch reminder counts the projects near them)."""
    if not codes:
        return []
    place = (User.lat, User.lon, User.radius_km) if placed else ()
    result = await session.execute(
        select(*RECIPIENT_COLUMNS, *place).where(*CONSENTING, in_communes(session, codes))
    )
    return result.all()


async def count(session: AsyncSession, codes: Collection[str]) -> int:
    """How many residents an announcement to these communes would reach now."""
    if not codes:
        return 0
    found = await session.scalar(
        select(func.count()).select_from(User).where(*CONSENTING, in_communes(session, codes))
    )
    return int(found or 0)


# --- new campaigns near me -----------------------------------------------------------------------


async def starting(session: AsyncSession, after: datetime, until: datetime) -> Sequence[Any]:
    """The campaigns that started in (after, until] and are still on (not ended, not cancelled)."""
    result = await session.execute(
        select(
            Campaign.id,
            Campaign.title,
            Campaign.lat,
            Campaign.lon,
            Campaign.goal_cents,
            Campaign.starts_at,
            Campaign.ends_at,
        ).where(
            Campaign.starts_at > after,
            Campaign.starts_at <= until,
            Campaign.ends_at > until,
            Campaign.cancelled_at.is_(None),
        )
    )
    return result.all()


async def wanting_new_nearby(
    session: AsyncSession, box: tuple[float, float, float, float]
) -> Sequence[Any]:
    """The residents who turned "new campaigns near me" on, have a place inside the box
    (min_lat, max_lat, min_lon, max_lon) and have not blocked the bot, with their radius and
    what queueing needs."""
    min_lat, max_lat, min_lon, max_lon = box
    result = await session.execute(
        select(*RECIPIENT_COLUMNS, User.lat, User.lon, User.radius_km).where(
            User.notify_new_nearby.is_(True),
            User.blocked_at.is_(None),
            User.lat.between(min_lat, max_lat),
            User.lon.between(min_lon, max_lon),
        )
    )
    return result.all()


async def follows(session: AsyncSession, campaign_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(user, campaign) for every follow of these campaigns."""
    found: set[tuple[int, int]] = set()
    for start in range(0, len(campaign_ids), CHUNK):
        rows = await session.execute(
            select(Follow.user_id, Follow.campaign_id).where(
                Follow.campaign_id.in_(campaign_ids[start : start + CHUNK])
            )
        )
        found.update((user_id, campaign_id) for user_id, campaign_id in rows)
    return found
