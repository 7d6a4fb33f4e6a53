"""Update middlewares: one database transaction per update, and the current user."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_locale
from storage.repo import users

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session per update; commits when the handler returns, rolls back if it raises."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            return result


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the user behind the update, as `user`."""

    def __init__(self, default_radius_km: int, default_locale: str) -> None:
        self.default_radius_km = default_radius_km
        self.default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            # A new user's language is their Telegram one (when we speak it), so that what is
            # sent to them later, outside any update (alerts), is in that language too.
            locale = pick_locale(None, tg_user.language_code, self.default_locale)
            user = await users.get_or_create(
                data["session"], tg_user.id, self.default_radius_km, locale
            )
            if user.blocked_at is not None:
                # Any update from someone who blocked the bot means they are back.
                user.blocked_at = None
                log.info("user %s is back: notifications resume", user.id)
            data["user"] = user
        return await handler(event, data)
