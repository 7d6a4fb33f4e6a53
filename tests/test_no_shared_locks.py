"""No lock shared by two users (CONVENTIONS, pattern 8): a transaction that wrote one user or one
campaign, through the project's own code, and is still open does not hold back a write to another
user or campaign made through the project's code from another session.

PostgreSQL only. SQLite has one writer at a time by design: there the second write always waits
for the first transaction, and the way to scale is more processes on PostgreSQL.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.progress import record_progress
from bot.imports.importer import import_campaigns
from bot.imports.rows import CampaignInput
from storage.repo import campaigns, claims, users
from tests.databases import postgresql_only
from tests.delivery_helpers import add_users, queue
from tests.factories import SAINT_LO, add_campaigns, campaign

pytestmark = pytest.mark.parametrize("db_url", postgresql_only(), indirect=True)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WITHIN = 1.0  # seconds: a write that waits on another's open transaction waits far longer

Write = Callable[[AsyncSession], Awaitable[object]]


# --- users: two residents, the delivery worker --------------------------------------------------


def edit_settings(user_id: int) -> Write:
    """A resident changes their radius (the ORM object the middleware hands to handlers)."""

    async def write(session: AsyncSession) -> None:
        user = await users.get_or_create(session, user_id, 25)
        user.radius_km = 10
        await session.flush()

    return write


def first_contact(user_id: int) -> Write:
    return lambda session: users.get_or_create(session, user_id, 25)


def blocked_by(user_id: int) -> Write:
    """The delivery worker met a 403 for this user."""
    return lambda session: claims.block_users(session, [user_id], NOW)


def forget(user_id: int) -> Write:
    return lambda session: users.delete_user(session, user_id)


def claim(users_in_line: int) -> Write:
    """The delivery worker claims the due notifications of the users first in line."""
    return lambda session: claims.claim_due(session, NOW, users_in_line)


# --- campaigns: imports, progress reports, follows ------------------------------------------------


def imported(external_id: str, raised_cents: int = 120_000) -> Write:
    """An import of the "test" source's campaign with this external id (created or updated)."""
    item = CampaignInput(
        line=1,
        external_id=external_id,
        title=f"Importé {external_id}",
        holder="Porteuse",
        description="",
        category="culture",
        commune_insee="50502",
        lat=SAINT_LO[0],
        lon=SAINT_LO[1],
        goal_cents=200_000,
        raised_cents=raised_cents,
        backers=30,
        starts_at=NOW - timedelta(days=3),
        ends_at=NOW + timedelta(days=30),
        url=None,
        search_text="importe",
    )
    return lambda session: import_campaigns(session, [item], "test", now=NOW, tz="Europe/Paris")


def progress(campaign_id: int) -> Write:
    async def write(session: AsyncSession) -> None:
        found = await campaigns.get(session, campaign_id)
        assert found is not None
        await record_progress(session, found, 150_000, 40, NOW, "Europe/Paris")

    return write


def follow(user_id: int, campaign_id: int) -> Write:
    return lambda session: campaigns.set_follow(session, user_id, campaign_id, True)


def delete_campaign(campaign_id: int) -> Write:
    return lambda session: campaigns.delete_campaign(session, campaign_id)


async def waits_for(sessionmaker: async_sessionmaker[AsyncSession], first: Write, second: Write):
    """Whether `second`, written and committed in its own session, waits (longer than WITHIN)
    for the transaction of `first`, kept open meanwhile. The first one is rolled back at the
    end, which lets a waiting second write through."""
    async with sessionmaker() as holder, sessionmaker() as other:
        await first(holder)
        await holder.flush()

        async def write_and_commit() -> None:
            await second(other)
            await other.commit()

        task = asyncio.create_task(write_and_commit())
        try:
            await asyncio.wait_for(asyncio.shield(task), WITHIN)
            waited = False
        except TimeoutError:
            waited = True
        await holder.rollback()
        await task
        return waited


USER_WRITES = {
    "settings-vs-settings": (edit_settings(1), edit_settings(2)),
    "settings-vs-delivery-worker": (edit_settings(1), blocked_by(2)),
    "delivery-worker-vs-settings": (blocked_by(1), edit_settings(2)),
    "settings-vs-first-contact": (edit_settings(1), first_contact(3)),
    "first-contact-vs-first-contact": (first_contact(3), first_contact(4)),
    "forget-vs-forget": (forget(1), forget(2)),
    "forget-vs-settings": (forget(1), edit_settings(2)),
    "forget-vs-delivery-claim": (forget(1), claim(2)),
    "delivery-claim-vs-forget": (claim(1), forget(2)),
}


@pytest.mark.parametrize("writes", USER_WRITES.values(), ids=USER_WRITES.keys())
async def test_a_users_open_write_does_not_hold_back_another_users(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], writes: tuple[Write, Write]
) -> None:
    async with sessionmaker() as session:
        await add_users(session, [1, 2])
    for user_id in (1, 2):  # one due notification each, user 1's first in line
        async with sessionmaker() as session:
            due = NOW - timedelta(hours=3 - user_id)
            await queue(session, user_id, f"hello:{user_id}", "Bonjour", due)
    assert not await waits_for(sessionmaker, *writes)


CAMPAIGN_WRITES = {
    "import-vs-progress": (imported("c1"), progress(2)),
    "progress-vs-import": (progress(1), imported("c2")),
    "import-vs-import-of-new-campaigns": (imported("new-1"), imported("new-2")),
    "import-vs-a-follow-of-that-campaign": (imported("c1"), follow(1, 1)),
    "delete-vs-delete": (delete_campaign(1), delete_campaign(2)),
    "delete-vs-import": (delete_campaign(1), imported("c2")),
}


@pytest.mark.parametrize("writes", CAMPAIGN_WRITES.values(), ids=CAMPAIGN_WRITES.keys())
async def test_an_open_campaign_write_does_not_hold_back_another(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], writes: tuple[Write, Write]
) -> None:
    ids = await add_campaigns(
        sessionmaker, campaign(NOW, external_id="c1"), campaign(NOW, external_id="c2")
    )
    assert ids == [1, 2]
    async with sessionmaker() as session:
        await add_users(session, [1])
    assert not await waits_for(sessionmaker, *writes)
