"""Shared pieces of the platform sync tests: an operation with a sync source, the fake Ulule API,
a sync run with a controlled clock."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.devtools.fakeulule import FakeUlule
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.imports.sync import SyncReport, sync_operation
from bot.imports.ulule import SOURCE, UluleClient
from bot.settings import Settings
from storage.models import Campaign, Follow, Operation, OperationArea


def sync_settings(fake: FakeUlule, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ulule_api_url": fake.api_url,
        "sync_timeout": 0.3,
        "sync_retries": 1,
        "sync_backoff_seconds": 0.01,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def add_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    sync_source: str | None = "users/42",
    areas: Sequence[tuple[str, str]] = (("department", "37"),),
    name: str = "Make in Loire Valley",
) -> int:
    async with sessionmaker() as session:
        operation = Operation(name=name, platform="Ulule", sync_source=sync_source)
        session.add(operation)
        await session.flush()
        for level, code in areas:
            session.add(OperationArea(operation_id=operation.id, level=level, code=code))
        await session.commit()
        return operation.id


async def run_sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    operation_id: int,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
) -> SyncReport:
    async with UluleClient(settings) as client:
        return await sync_operation(
            sessionmaker, operation_id, client, gazetteer, settings.timezone, clock
        )


async def synced(session: AsyncSession, external_id: str) -> Campaign:
    campaign = await session.scalar(
        select(Campaign).where(Campaign.source == SOURCE, Campaign.external_id == external_id)
    )
    assert campaign is not None, f"no campaign for Ulule project {external_id}"
    return campaign


async def follow(session: AsyncSession, campaign_id: int, user_ids: Sequence[int]) -> None:
    await session.execute(
        insert(Follow), [{"user_id": u, "campaign_id": campaign_id} for u in user_ids]
    )
    await session.commit()
