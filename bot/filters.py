"""Filters evaluated inline on the event loop.

aiogram runs a plain (synchronous) filter, magic filters included, in a worker thread through
`asyncio.to_thread`: a thread hop for checks that take a microsecond. Every message passes
several of them on its way to its handler, so the project's filters are coroutines.
"""

from typing import Any

from aiogram.filters import Filter
from magic_filter import MagicFilter


class Inline(Filter):
    """A magic filter (`F.text`, `F.chat.type == ...`) checked without leaving the event loop."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: Any) -> bool:
        return bool(self.magic.resolve(event))


class HasRole(Filter):
    """The update's user has this role (bot.middlewares.UserMiddleware's `roles`): resident
    (anyone in a private chat), coordinator (ADMIN_IDS); holder comes with holders' campaigns."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: Any, roles: frozenset[str] = frozenset()) -> bool:
        return self.role in roles
