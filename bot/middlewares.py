"""Update middlewares: one database transaction per update, and the current user."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_locale
from bot.read_models import ReadModels
from storage.db import CONNECTED, WROTE
from storage.repo import users

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
FROM_CACHE = "user_from_cache"


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session per update; commits when the handler returns, rolls back if it raises.

    An update that touched no connection (a list served from memory) has nothing to commit.
    After the commit, the user cache learns the user, or forgets them if anything was written.
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], read_models: ReadModels
    ) -> None:
        self.sessionmaker = sessionmaker
        self.read_models = read_models

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session = self.sessionmaker()
        try:
            data["session"] = session
            await self.read_models.refresh_if_due(session)
            result = await handler(event, data)
            if session.info.get(CONNECTED) or session.dirty or session.new or session.deleted:
                await session.commit()
        finally:
            if session.in_transaction() and session.info.get(CONNECTED):
                await session.close()  # an error: roll back and give the connection back
        user = data.get("user")
        if user is not None:
            if session.info.get(WROTE):
                self.read_models.users.forget([user.id])
            elif not data.get(FROM_CACHE):
                self.read_models.users.remember(user)
        return result


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the user behind the update, as `user`."""

    def __init__(
        self, read_models: ReadModels, default_radius_km: int, default_locale: str
    ) -> None:
        self.read_models = read_models
        self.default_radius_km = default_radius_km
        self.default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            session = data["session"]
            cache = self.read_models.users
            user = cache.attach(session, tg_user.id) or cache.read(session, tg_user.id)
            data[FROM_CACHE] = user is not None
            if user is None:
                # A new user's language is their Telegram one (when we speak it), so that what
                # is sent to them later, outside any update (alerts), is in that language too.
                locale = pick_locale(None, tg_user.language_code, self.default_locale)
                user = await users.get_or_create(
                    session, tg_user.id, self.default_radius_km, locale
                )
            if user.blocked_at is not None:
                # Any update from someone who blocked the bot means they are back.
                user.blocked_at = None
                log.info("user %s is back: notifications resume", user.id)
            data["user"] = user
        return await handler(event, data)
