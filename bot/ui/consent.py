"""The consent question for operations' announcements: one tap, Yes or No thanks."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class ConsentPick(CallbackData, prefix="cs"):
    """The resident's answer to the consent question (storage.repo.audience.set_consent)."""

    yes: bool


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("consent.yes"), callback_data=ConsentPick(yes=True).pack()
                ),
                InlineKeyboardButton(
                    text=_("consent.no"), callback_data=ConsentPick(yes=False).pack()
                ),
            ]
        ]
    )


def consent_saved(yes: bool) -> str:
    """What the question becomes once answered."""
    return _("consent.saved_yes") if yes else _("consent.saved_no")
