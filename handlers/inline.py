"""Inline mode: `@bot words` typed in any chat offers the matching campaigns, each to post there
as a short card with a Follow button (a deep link tagged `inline`).

An inline query comes from another chat: no user row is created or read for it
(bot.middlewares.UserMiddleware), and it is answered in the language of the asker's Telegram app.
"""

from aiogram import Bot, Router
from aiogram.types import InlineQuery, InlineQueryResultUnion
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.campaigns import Status, status_at
from bot.domain.clock import Clock
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from bot.ui.browse import query_words
from bot.ui.inline import Shown, inline_result
from storage.repo import campaigns, holders

RESULTS = 10  # a page of results; Telegram asks for the next with `offset`
MAX_OFFSET = 1000
CACHE_SECONDS = 30
FOLLOWABLE = frozenset({Status.LIVE, Status.UPCOMING})


def offset_of(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and int(text) < MAX_OFFSET else 0


async def suggestions(session: AsyncSession, user_id: int, clock: Clock) -> list[Shown]:
    """For an empty query: the asker's own campaigns first (holders spreading the word), then
    the live campaigns closest to their end (the ones that need followers soonest)."""
    now = clock()
    held = await holders.campaigns_held(session, user_id)
    own: list[Shown] = [c for c in held if status_at(c.starts_at, c.ends_at, now) in FOLLOWABLE]
    page = await campaigns.search(session, words=[], now=now, statuses={Status.LIVE}, limit=RESULTS)
    seen = {item.id for item in own}
    return (own + [item for item in page.items if item.id not in seen])[:RESULTS]


async def on_inline_query(
    query: InlineQuery,
    session: AsyncSession,
    settings: Settings,
    gazetteer: Gazetteer,
    clock: Clock,
    bot: Bot,
) -> None:
    """Someone types `@bot exp3d` → bot offers the live and upcoming campaigns matching it."""
    words = query_words(query.query)
    offset = offset_of(query.offset)
    next_offset = ""
    if words:
        page = await campaigns.search(
            session, words=words, now=clock(), statuses=FOLLOWABLE, offset=offset, limit=RESULTS
        )
        items: list[Shown] = list(page.items)
        next_offset = str(offset + RESULTS) if page.has_next else ""
    else:
        items = await suggestions(session, query.from_user.id, clock)
    me = await bot.me()
    now = clock()
    results: list[InlineQueryResultUnion] = [
        inline_result(item, gazetteer, now, settings.timezone, me.username or "") for item in items
    ]
    # Personal: the texts are in the asker's language, and an empty query shows their campaigns.
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True, next_offset=next_offset)


def create_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(on_inline_query)
    return router
