"""A composed message (a holder's news, a coordinator's announcement) as its composer keeps it.

The draft lives in the FSM data (server-side): text (HTML), photo, link, label and `editing` (a
step reached from the preview returns to it, keeping the rest), plus what each composer adds (the
campaign, or the operation and a schedule). Here: the draft, what a message gives it, and the one
check that it fits every reader's message."""

from collections.abc import Callable
from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.settings import LOCALES
from bot.ui.notifications import Reader

Draft = dict[str, Any]

# What Edit offers (each a callback action), and back to the preview.
EDIT_ACTIONS = frozenset({"text", "photo", "nophoto", "link", "nolink", "preview"})


def new_draft(**own: Any) -> Draft:
    """An empty draft, with what the composer adds (`own`)."""
    return {"text": None, "photo": None, "link": None, "label": None, "editing": False} | own


def photo_of(message: Message) -> str | None:
    """The largest size of the message's photo, if it has one."""
    return message.photo[-1].file_id if message.photo else None


def body_of(message: Message) -> str | None:
    """The message's text or caption as HTML (formatting kept), None when it has neither."""
    return message.html_text if (message.text or message.caption) else None


def for_every_reader(fits: Callable[[Reader], bool], i18n: I18n, tz: str) -> bool:
    """`fits` holds for a reader of each language (the header is in the reader's language)."""
    return all(fits(Reader(code, tz, i18n)) for code in LOCALES)
