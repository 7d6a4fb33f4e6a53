"""Residents: lists near them, cards, follows, where they live."""

from aiogram import Router

from bot.filters import HasRole
from handlers.resident import applications, apply, card_more, cards, lists, places, scoreboard


def create_router() -> Router:
    router = Router(name="resident")
    router.message.filter(HasRole("resident"))
    router.callback_query.filter(HasRole("resident"))
    router.include_routers(lists.create_router(), cards.create_router())
    # The application form before places: it takes what is typed while it waits.
    router.include_routers(apply.create_router(), applications.create_router())
    router.include_routers(scoreboard.create_router(), places.create_router())
    router.include_router(card_more.create_router())
    return router
