"""The in-memory read models (campaign index, user cache), kept in step with the database.

At most once per `max_age` seconds, an update first reads the database's revision counters
(one small query, migration 0005) and takes in what changed since it last looked: campaigns
written or deleted, users written or deleted, by this process or any other (an import, the
delivery worker). A list may thus lag a write from elsewhere by up to `max_age`; cards, follows
and every write still go to the database.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaign_index import CampaignIndex
from bot.user_cache import UserCache
from storage.repo import revisions
from storage.sqlite_reads import RowReader

log = logging.getLogger(__name__)


class PageCache:
    """Pages computed from the campaign index, by what they depend on. An entry holds while the
    index is at the version it was computed from, from the time it was computed until a time
    given with it (a campaign on or near the page starts or ends)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[int, float, float, Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: Hashable, version: int, now: float) -> Any | None:
        entry = self._pages.get(key)
        if entry is None:
            return None
        entry_version, since, until, value = entry
        if entry_version != version or not since <= now < until:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return value

    def put(self, key: Hashable, version: int, since: float, until: float, value: Any) -> None:
        self._pages[key] = (version, since, until, value)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)


class ReadModels:
    def __init__(
        self,
        max_age: float,
        user_cache_size: int,
        clock: Callable[[], float] = time.monotonic,
        user_reader: RowReader | None = None,
        page_cache_size: int = 1024,
    ) -> None:
        self.max_age = max_age
        self.campaigns = CampaignIndex()
        self.users = UserCache(user_cache_size, user_reader)
        self.pages = PageCache(page_cache_size)
        self._clock = clock
        self._seen: dict[str, int] | None = None
        self._checked = -float("inf")
        self._lock = asyncio.Lock()

    def close(self) -> None:
        """Release the user reader's connection (SQLite), if there is one."""
        if self.users.reader is not None:
            self.users.reader.close()

    async def refresh_if_due(self, session: AsyncSession) -> None:
        if self._clock() - self._checked < self.max_age:
            return
        async with self._lock:
            if self._clock() - self._checked < self.max_age:
                return  # another update refreshed while this one waited
            await self.refresh(session)

    async def refresh(self, session: AsyncSession) -> None:
        checked = self._clock()
        now = await revisions.counters(session)
        seen = self._seen
        if seen is None:
            await self._load(session)
        else:
            await self._catch_up(session, seen, now)
        self._seen = now
        self._checked = checked

    async def _load(self, session: AsyncSession) -> None:
        started = time.perf_counter()
        async for row in revisions.campaign_rows(session):
            self.campaigns.put(row)
        self.users.clear()
        log.info(
            "campaign index: %d campaigns loaded in %.2f s",
            len(self.campaigns),
            time.perf_counter() - started,
        )

    async def _catch_up(self, session: AsyncSession, seen: dict[str, int], now: dict[str, int]):
        if now["campaigns_deleted"] != seen["campaigns_deleted"]:
            self.campaigns.keep_only(await revisions.campaign_ids(session))
        if now["campaigns"] != seen["campaigns"]:
            written = revisions.campaign_rows(session, seen["campaigns"], now["campaigns"])
            async for row in written:
                self.campaigns.put(row)
        if now["users_deleted"] != seen["users_deleted"]:
            self.users.clear()
        elif now["users"] != seen["users"]:
            self.users.forget(
                await revisions.user_ids_written(session, seen["users"], now["users"])
            )
