"""Coordinators (ADMIN_IDS): operations, announcements, moderation. Every action is checked
again on the operation it touches: the role only opens the door."""

from aiogram import Router

from bot.filters import HasRole


def create_router() -> Router:
    router = Router(name="coordinator")
    router.message.filter(HasRole("coordinator"))
    router.callback_query.filter(HasRole("coordinator"))
    return router
