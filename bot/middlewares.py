"""Update middlewares: the update's database session, committed before the bot talks to
Telegram; and the current user."""

import logging
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import USER_LOCALE, telegram_language
from bot.readmodels.sync import ReadModels
from storage.db import CONNECTED, QUEUED, WROTE, changed_behind
from storage.models import User
from storage.repo import users

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
FROM_CACHE = "user_from_cache"
PRIVATE = ChatType.PRIVATE
SEEN_RESOLUTION = timedelta(days=7)
# The roles a user's flags give (users.holder, users.coordinator), computed once.
ROLES = {
    (holder, coordinator): frozenset(
        {"resident"}
        | ({"holder"} if holder else set())
        | ({"coordinator"} if coordinator else set())
    )
    for holder in (False, True)
    for coordinator in (False, True)
}
# Admins (ADMIN_IDS) may do what holders and coordinators do, on any campaign.
ADMIN = frozenset({"resident", "holder", "coordinator", "admin"})

# The session of the update being handled, for CommitBeforeSending (unset outside updates: the
# delivery worker and scheduled jobs own their transactions).
_update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


def has_pending(session: AsyncSession) -> bool:
    """Anything to commit: an open transaction, or changes not flushed yet."""
    return bool(session.in_transaction() or session.dirty or session.new or session.deleted)


class KeepAnswerTypes(BaseRequestMiddleware):
    """Keeps the model of each kind of Bot API answer (`Response[Message]`, ...) alive.

    aiogram parametrizes `Response[...]` for every answer it reads; pydantic caches such
    models weakly, and under load they were dropped and rebuilt again and again (building one
    takes milliseconds): 12 % of the bot's time in bench/webhook.py. One strong reference per
    kind of answer (a dozen) keeps them built.
    """

    def __init__(self) -> None:
        self._kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class CommitBeforeSending(BaseRequestMiddleware):
    """Commits the current update's session before any Bot API call it makes.

    So no transaction stays open while the bot waits on Telegram (no user's write waits on
    another's round trip, and the connection goes back to the pool), and no reply announces
    what the database did not keep: if the commit fails, the call is not made and the error
    goes up to the update's handling. A handler that writes again after replying opens a new
    transaction, committed at its next call or by DbSessionMiddleware at the end.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = _update_session.get()
        if session is not None and has_pending(session):
            await session.commit()
        return await make_request(bot, method)


EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption, EditMessageMedia)
NOT_MODIFIED = "message is not modified"


class UnchangedEditIsDone(BaseRequestMiddleware):
    """An edit that changes nothing (the page already shown, a double tap) is done, not an
    error: Telegram's "message is not modified" answer is taken as success."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not isinstance(method, EDITS) or NOT_MODIFIED not in error.message:
                raise
            return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session per update; commits before each Bot API call the update makes
    (CommitBeforeSending) and when the handler returns; rolls back if it raises.

    An update that touched no connection (a list served from memory) has nothing to commit.
    After the commit, the user cache keeps the user as committed, or forgets them if a statement
    changed users' rows behind the session's objects (storage.db.changed_behind).
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], read_models: ReadModels
    ) -> None:
        self.sessionmaker = sessionmaker
        self.read_models = read_models

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session = self.sessionmaker()
        current = _update_session.set(session)
        try:
            data["session"] = session
            await self.read_models.refresh_if_due(session)
            result = await handler(event, data)
            if has_pending(session):
                await session.commit()
            if session.info.get(QUEUED) and (wake := data.get("wake_delivery")) is not None:
                wake()  # what the update queued (news, alerts, notices) goes out now
        finally:
            _update_session.reset(current)
            if session.in_transaction() and session.info.get(CONNECTED):
                await session.close()  # an error: roll back and give the connection back
        user = data.get("user")
        if user is not None:
            if changed_behind(session, User.__tablename__):
                self.read_models.users.forget([user.id])
            elif not data.get(FROM_CACHE) or session.info.get(WROTE):
                # As committed: what the update wrote of the user went through this object.
                self.read_models.users.remember(user)
        return result


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the user behind the update, as `user`, and their `roles`."""

    def __init__(
        self,
        read_models: ReadModels,
        default_radius_km: int,
        default_locale: str,
        admin_ids: Iterable[int] = (),
    ) -> None:
        self.read_models = read_models
        self.default_radius_km = default_radius_km
        self.default_locale = default_locale
        self.admin_ids = frozenset(admin_ids)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        # Only private chats have a user: in a group, nobody's data is read or written
        # (handlers.groups answers there). Nor for an inline query, typed in any chat: it has
        # no chat, and answering it (handlers.inline) needs nobody's row.
        inline = isinstance(event, Update) and event.inline_query is not None
        if (
            tg_user is not None
            and not tg_user.is_bot
            and not inline
            and (chat is None or chat.type == PRIVATE)
        ):
            # A block or unblock (my_chat_member) is not someone coming to the bot: it never
            # creates a user, so nothing is written again about someone who erased their data.
            creates = not (isinstance(event, Update) and event.my_chat_member is not None)
            user = await self._user(data["session"], tg_user, data, creates)
            if user is not None:
                if user.blocked_at is not None:
                    # Any update from someone who blocked the bot means they are back.
                    user.blocked_at = None
                    log.info("user %s is back: notifications resume", user.id)
                self._seen(user, data["clock"]())
                telegram = telegram_language(tg_user)
                if telegram is not None and user.language_code != telegram:
                    user.language_code = telegram  # written only when Telegram's changed
                data["user"] = user
                data["roles"] = self._roles(user)
                # The choice as a plain value: the error path reads it after the session ends.
                data[USER_LOCALE] = user.locale
        return await handler(event, data)

    @staticmethod
    def _seen(user: User, now: datetime) -> None:
        """Retention's last visit: written at most once a week, and at once after a warning
        (coming back cancels it)."""
        seen = user.last_seen_at
        if seen is None or now - seen > SEEN_RESOLUTION or user.retention_warned_at is not None:
            user.last_seen_at = now
            user.retention_warned_at = None

    def _roles(self, user: User) -> frozenset[str]:
        if user.id in self.admin_ids:
            return ADMIN
        return ROLES[bool(user.holder), bool(user.coordinator)]

    async def _user(
        self, session: AsyncSession, tg_user: TgUser, data: dict[str, Any], creates: bool
    ) -> User | None:
        cache = self.read_models.users
        user, absent = cache.attach(session, tg_user.id), False
        if user is None:
            user, read = cache.read(session, tg_user.id)
            absent = read and user is None
        data[FROM_CACHE] = user is not None
        if user is None and creates:
            # Their Telegram language is kept (when we speak it), so that what is sent to them
            # later, outside any update (alerts), is in that language too.
            return await users.get_or_create(
                session,
                tg_user.id,
                self.default_radius_km,
                telegram_language(tg_user),
                seen_at=data["clock"](),  # so that retention needs no second write
                absent=absent,
            )
        if user is None:
            user = await users.get(session, tg_user.id)
        return user
