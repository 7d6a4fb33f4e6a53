"""Project holders: their campaigns, news to followers, progress, posters. Every action is
checked again on the campaign it touches (handlers.holder.access, handlers.holder.guard): the
role only opens the door.

Becoming a holder (an invitation link) is handled before this router, in handlers.invitations:
the one who opens the link is not a holder yet."""

from aiogram import Router

from bot.filters import HasRole
from handlers.holder import dashboard, edit, invitations, news, posters, progress


def create_router() -> Router:
    router = Router(name="holder")
    router.message.filter(HasRole("holder"))
    router.callback_query.filter(HasRole("holder"))
    router.include_routers(
        dashboard.create_router(),
        invitations.create_router(),
        posters.create_router(),
        news.create_router(),
        progress.create_router(),
        edit.create_router(),
    )
    return router
