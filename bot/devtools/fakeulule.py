"""A local fake of Ulule's public API v1 (aiohttp), kept in memory, for tests and benchmarks.

It serves documents of the real API's shape: `users/{id}/projects` and `search/projects?q=...`
as pages (`{"projects": [...], "meta": {"limit", "next"}}`, `next` a query string as the real
API gives it, or a full URL with `full_next=True`), and `projects/{id or slug}`. A project holds
its texts as objects by language ({"fr": ..., "en": ...}); search results give them as `name_fr`,
`subtitle_fr`, `description_fr`. Listings need `Authorization: ApiKey <user>:<key>` when `auth`
is set; a single project is public.

Tests change the documents between syncs (`fake.update("12", amount_raised=1200)`), and make the
platform fail: `fake.fail(kind, times=None, after=0)` answers requests with a 500, a timeout (the
answer held for `delay` seconds) or a body that is not JSON, `times` times or until
`fake.recover()`, once `after` more requests were answered well. Every request is recorded
(`fake.requests`: path, query, headers).
"""

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from aiohttp import web

ERROR, TIMEOUT, BAD_JSON = "500", "timeout", "bad_json"
DEFAULT_PAGE = 20  # the real API's page size


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


def project_doc(
    id_: int,
    *,
    name: str | None = None,
    city: str | None = "Tours",
    country: str | None = "FR",
    goal: float = 2000,
    raised: float = 0,
    supporters: int = 0,
    type_: str = "project",
    sold: int = 0,
    start: datetime | None = None,
    end: datetime | None = None,
    cancelled: bool = False,
    lang: str = "fr",
    currency: str = "EUR",
) -> dict[str, Any]:
    """A project document as `projects/{id}` gives it (the fields the bot reads, and a few more)."""
    start = start or datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    end = end or start + timedelta(days=40)
    name = name or f"Projet {id_}"
    return {
        "id": id_,
        "slug": f"projet-{id_}",
        "absolute_url": f"https://fr.ulule.com/projet-{id_}/",
        "lang": lang,
        "name": {lang: name},
        "subtitle": {lang: f"Le sous-titre de {name}"},
        "description": {lang: f"<p>Tout sur <b>{name}</b>.</p>"},
        "type": type_,
        "goal": goal,
        "amount_raised": raised,
        "currency": currency,
        "supporters_count": supporters,
        "nb_products_sold": sold,
        "date_start": start.isoformat().replace("+00:00", "Z"),
        "date_end": end.isoformat().replace("+00:00", "Z"),
        "finished": False,
        "is_cancelled": cancelled,
        "location": {"city": city, "country": country, "lat": None, "lng": None},
        "owner": {"id": 1000 + id_, "name": f"Porteur {id_}", "username": f"porteur{id_}"},
    }


def search_doc(project: Mapping[str, Any]) -> dict[str, Any]:
    """A project as a search result gives it: texts flattened to `name_fr` and the like."""
    doc = dict(project)
    for name in ("name", "subtitle", "description"):
        texts = doc.pop(name, None)
        if isinstance(texts, Mapping):
            doc.update((f"{name}_{lang}", text) for lang, text in texts.items())
    return doc


@dataclass
class FakeUlule:
    """The fake platform: its projects, users' lists, faults and the requests it saw."""

    page_size: int = DEFAULT_PAGE
    auth: str | None = None  # "user:key": listings need it
    full_next: bool = False
    delay: float = 5.0  # seconds a TIMEOUT fault holds the answer
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    fault: str | None = None
    fault_times: int | None = None  # None: until recover()
    fault_after: int = 0  # requests answered well before the fault starts
    base_url: str = ""
    _runner: web.AppRunner | None = None

    # --- control

    def add(self, doc: dict[str, Any], user: int | str | None = None) -> None:
        """Publish a project, in a user's list when `user` is given."""
        self.projects[str(doc["id"])] = doc
        if user is not None:
            self.users.setdefault(str(user), []).append(str(doc["id"]))

    def update(self, id_: int | str, **fields: Any) -> None:
        self.projects[str(id_)].update(fields)

    def fail(self, kind: str, times: int | None = None, after: int = 0) -> None:
        """Answer the requests after the next `after` with this fault (`times` times)."""
        self.fault, self.fault_times, self.fault_after = kind, times, after

    def recover(self) -> None:
        self.fault, self.fault_times, self.fault_after = None, None, 0

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1/"

    # --- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/v1/users/{user}/projects", self._user_projects)
        app.router.add_get("/v1/search/projects", self._search)
        app.router.add_get("/v1/projects/{ref}", self._project)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- routes

    async def _user_projects(self, request: web.Request) -> web.StreamResponse:
        ids = self.users.get(request.match_info["user"])
        if ids is None:
            return await self._answer(request, 404, {"error": "not found"}, public=False)
        docs = [self.projects[i] for i in ids]
        return await self._page(request, docs)

    async def _search(self, request: web.Request) -> web.StreamResponse:
        words = request.query.get("q", "").lower().split()
        docs = [
            search_doc(doc)
            for doc in self.projects.values()
            if all(word in json.dumps(doc, ensure_ascii=False).lower() for word in words)
        ]
        return await self._page(request, docs)

    async def _project(self, request: web.Request) -> web.StreamResponse:
        ref = request.match_info["ref"]
        doc = self.projects.get(ref) or next(
            (d for d in self.projects.values() if d.get("slug") == ref), None
        )
        if doc is None:
            return await self._answer(request, 404, {"error": "not found"}, public=True)
        return await self._answer(request, 200, doc, public=True)

    async def _page(self, request: web.Request, docs: list[dict[str, Any]]) -> web.StreamResponse:
        start = int(request.query.get("since", "0") or 0)
        limit = min(int(request.query.get("limit", self.page_size)), self.page_size)
        items = docs[start : start + limit]
        following = start + limit if start + limit < len(docs) else None
        next_ = None
        if following is not None:
            next_ = f"?limit={limit}&since={following}"
            if self.full_next:
                next_ = f"{self.base_url}{request.path}{next_}"
        body = {"projects": items, "meta": {"limit": limit, "next": next_}}
        return await self._answer(request, 200, body, public=False)

    async def _answer(
        self, request: web.Request, status: int, body: object, *, public: bool
    ) -> web.StreamResponse:
        self.requests.append(Seen(request.path, dict(request.query), dict(request.headers)))
        fault = self._take_fault()
        if fault == TIMEOUT:
            await asyncio.sleep(self.delay)
        if fault == ERROR:
            return web.json_response({"error": "internal"}, status=500)
        if fault == BAD_JSON:
            return web.Response(text='{"projects": [', content_type="application/json")
        expected = f"ApiKey {self.auth}"
        if not public and self.auth and request.headers.get("Authorization") != expected:
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response(body, status=status)

    def _take_fault(self) -> str | None:
        if self.fault_after > 0:
            self.fault_after -= 1
            return None
        fault = self.fault
        if fault is not None and self.fault_times is not None:
            self.fault_times -= 1
            if self.fault_times <= 0:
                self.recover()
        return fault
