"""What no handler expected: logged with its real cause; the user told in their language."""

import logging

from aiogram import Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)

# The database was out of reach or busy: nothing of the update was kept and no reply was sent
# (bot.middlewares.CommitBeforeSending), so the update is left unacknowledged for Telegram to
# send again rather than answered.
TRANSIENT = (OperationalError, InterfaceError)


async def is_not_transient(event: ErrorEvent) -> bool:
    return not isinstance(event.exception, TRANSIENT)


async def on_error(event: ErrorEvent) -> None:
    """A handler failed → the real exception is logged with the update's id (no text, no
    personal data), and the user is told once that something went wrong."""
    update = event.update
    log.error(
        "update %s failed: %s", update.update_id, type(event.exception).__name__,
        exc_info=event.exception,
    )  # fmt: skip
    if update.callback_query is not None:
        await update.callback_query.answer(_("error.generic"), show_alert=True)
    elif update.message is not None and update.message.chat.type == "private":
        await update.message.answer(_("error.generic"))


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error, is_not_transient)
    return router
