"""my_chat_member in private chats: the user blocked the bot, or came back."""

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.domain.clock import Clock
from bot.filters import Inline
from storage.models import User

log = logging.getLogger(__name__)


async def on_blocked(event: ChatMemberUpdated, clock: Clock, user: User | None = None) -> None:
    """User blocks the bot → notifications stop (queued ones are closed `blocked` when due).
    Someone the bot does not know (never came, or erased their data) stays unknown."""
    if user is None:
        return
    user.blocked_at = clock()
    log.info("user %s blocked the bot", user.id)


async def on_unblocked(event: ChatMemberUpdated, user: User | None = None) -> None:
    """User unblocks the bot → notifications resume (UserMiddleware already cleared blocked_at)."""
    if user is None:
        return
    user.blocked_at = None
    log.info("user %s unblocked the bot", user.id)


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(Inline(F.chat.type == ChatType.PRIVATE))
    router.my_chat_member.register(
        on_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER)
    )
    return router
