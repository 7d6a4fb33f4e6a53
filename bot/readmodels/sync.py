"""The in-memory read models (campaign index, user cache), kept in step with the database.

At most once per `max_age` seconds, an update first asks the database what changed since the
read models last looked (storage.repo.revisions: one small query on SQLite when nothing did, a
few indexed ones on PostgreSQL) and takes it in: campaigns written or deleted, users written or
deleted, by this process or any other (an import, the delivery worker). The update that finds
them due does this; updates arriving meanwhile are served from the models as they are and never
wait for it. A list may thus lag a write from elsewhere by up to `max_age` (plus the time one
catch-up takes: milliseconds, about a second after an import of 50,000 campaigns); cards,
follows and every write still go to the database.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.readmodels.campaign_index import CampaignIndex
from bot.readmodels.user_cache import UserCache
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
        self._mark: revisions.Mark | None = None
        self._checked = -float("inf")
        self._refreshing = asyncio.Lock()  # one refresh at a time; updates never wait on it

    def close(self) -> None:
        """Release the user reader's connection (SQLite), if there is one."""
        if self.users.reader is not None:
            self.users.reader.close()

    async def refresh_if_due(self, session: AsyncSession) -> None:
        """Refresh when `max_age` has passed, unless a refresh is under way: then this update
        is served from the models as they are, rather than wait for another update's work."""
        if self._clock() - self._checked < self.max_age or self._refreshing.locked():
            return
        await self.refresh(session)  # takes the free lock before any await: no update slips in

    async def refresh(self, session: AsyncSession) -> None:
        """Take in what changed; waits for a refresh under way (start-up, demo data)."""
        async with self._refreshing:
            checked = self._clock()
            if self._mark is None:
                self._mark = await self._load(session)
            else:
                self._mark = await self._catch_up(session, self._mark)
            self._checked = checked

    async def _load(self, session: AsyncSession) -> revisions.Mark:
        started = time.perf_counter()
        mark = await revisions.watermark(session)
        async for row in revisions.campaign_rows(session):
            self.campaigns.put(row)
        self.users.clear()
        log.info(
            "campaign index: %d campaigns loaded in %.2f s",
            len(self.campaigns),
            time.perf_counter() - started,
        )
        return mark

    async def _catch_up(self, session: AsyncSession, since: revisions.Mark) -> revisions.Mark:
        changes = await revisions.changes(session, since)
        if "campaigns" in changes.deleted:
            self.campaigns.keep_only(await revisions.campaign_ids(session))
        if "campaigns" in changes.written:
            async for row in revisions.campaign_rows(session, since):
                self.campaigns.put(row)
        if "users" in changes.deleted:
            self.users.clear()
        elif "users" in changes.written:
            self.users.forget(await revisions.user_ids_written(session, since))
        return changes.mark
