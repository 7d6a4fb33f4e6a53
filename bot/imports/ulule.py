"""Ulule's public API v1: the HTTP client that reads an operation's listing and single projects
(their documents are read by bot.imports.ulule_projects).

GET with `lang=fr` and, when a user name and API key are configured,
`Authorization: ApiKey <username>:<api key>` (a single public project is read without them).
Listings (`users/{id}/projects`, `search/projects?q=...`) come in pages: the items under
`projects`, the next page in `meta.next` (a query string, or a URL). 5xx, 429, timeouts,
network errors and bodies that are not the expected JSON are retried with exponential backoff
(SYNC_RETRIES, SYNC_BACKOFF_SECONDS); then `UluleError`. Other 4xx fail at once.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import aiohttp

from bot.domain.sync_source import listing_path
from bot.imports.ulule_projects import LANG, SOURCE, Project, project_of
from bot.settings import Settings

__all__ = ["SOURCE", "Project", "UluleClient", "UluleError", "listing_path", "project_of"]

log = logging.getLogger(__name__)

MAX_PAGES = 1000  # a listing longer than this is cut (a `next` that loops, say)


class UluleError(Exception):
    """The platform could not be read, retries included (the message says why, briefly)."""


Sleep = Callable[[float], Awaitable[None]]


class UluleClient:
    """GETs against the API's base URL, retried with backoff; use as `async with`."""

    def __init__(self, settings: Settings, sleep: Sleep = asyncio.sleep) -> None:
        self.settings, self.sleep = settings, sleep
        self.base = settings.ulule_api_url.rstrip("/") + "/"
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        headers = {"Accept": "application/json"}
        s = self.settings
        if s.ulule_username and s.ulule_api_key:
            headers["Authorization"] = f"ApiKey {s.ulule_username}:{s.ulule_api_key}"
        timeout = aiohttp.ClientTimeout(total=s.sync_timeout)
        self._http = aiohttp.ClientSession(headers=headers, timeout=timeout)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def pages(self, sync_source: str) -> AsyncIterator[list[object]]:
        """The listing's items, a page at a time, following `meta.next` (a query string or a
        URL, relative to the page)."""
        try:
            url: str | None = urljoin(self.base, listing_path(sync_source))
        except ValueError as error:
            raise UluleError(str(error)) from error
        seen: set[str] = set()
        while url is not None and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            doc = await self.get(url)
            items = doc.get("projects")
            if not isinstance(items, list):
                raise UluleError(f"no project list at {url}")
            yield items
            meta = doc.get("meta")
            following = meta.get("next") if isinstance(meta, Mapping) else None
            url = urljoin(url, following) if isinstance(following, str) and following else None

    async def project(self, ref: str) -> Project | None:
        """One project by id or slug (public: read without the key too)."""
        return project_of(await self.get(urljoin(self.base, f"projects/{ref}")))

    async def get(self, url: str) -> dict[str, Any]:
        """The JSON object at `url` (with lang=fr), retried; UluleError once retries are spent."""
        url = with_lang(url)
        s = self.settings
        for attempt in range(s.sync_retries + 1):
            try:
                return await self._get_once(url)
            except _Transient as error:
                if attempt == s.sync_retries:
                    raise UluleError(str(error)) from error
                delay = min(s.sync_backoff_seconds * 2**attempt, s.sync_backoff_max)
                log.info("ulule: %s; trying again in %.1f s", error, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")

    async def _get_once(self, url: str) -> dict[str, Any]:
        assert self._http is not None, "use UluleClient as `async with`"
        try:
            async with self._http.get(url) as response:
                body = await response.read()
                status = response.status
        except TimeoutError as error:
            raise _Transient(f"timeout after {self.settings.sync_timeout:g} s") from error
        except aiohttp.ClientError as error:
            raise _Transient(f"network error: {type(error).__name__}") from error
        if status >= 500 or status == 429:
            raise _Transient(f"HTTP {status}")
        if status >= 400:
            raise UluleError(f"HTTP {status} for {urlsplit(url).path}")
        try:
            doc = json.loads(body)
        except ValueError as error:
            raise _Transient("bad JSON") from error
        if not isinstance(doc, dict):
            raise _Transient("a JSON document that is not an object")
        return doc


class _Transient(Exception):
    """A failure worth another try."""


def with_lang(url: str) -> str:
    """The URL with `lang=fr` in its query (once)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", LANG))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
