"""Project holders: their campaigns, news to followers, progress. Every action is checked again
on the campaign it touches: the role only opens the door."""

from aiogram import Router

from bot.filters import HasRole


def create_router() -> Router:
    router = Router(name="holder")
    router.message.filter(HasRole("holder"))
    router.callback_query.filter(HasRole("holder"))
    return router
