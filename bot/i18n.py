"""Gettext catalogues (aiogram's I18n) and the per-user locale middleware.

Message ids are stable keys ("nearby.empty"); every key has a French and an English text in
`locales/<lang>/LC_MESSAGES/messages.po`. Catalogues are compiled to `.mo` on start-up when the
`.po` is newer, so a fresh clone runs without a separate build step.
"""

from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import LOCALES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
# The language the user chose, as a plain value in the update's data (bot.middlewares sets it).
USER_LOCALE = "user_locale"
DOMAIN = "messages"


def compile_catalogues(path: Path = LOCALES_DIR) -> None:
    for po_path in path.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def create_i18n(default_locale: str) -> I18n:
    compile_catalogues()
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def telegram_language(user: TgUser) -> str | None:
    """The language of the user's Telegram app when the bot speaks it, else None."""
    code = (user.language_code or "").split("-")[0].lower()
    return code if code in LOCALES else None


def pick_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's chosen language, else their Telegram language when we speak it, else default."""
    if stored in LOCALES:
        return stored
    if telegram_code:
        short = telegram_code.split("-")[0].lower()
        if short in LOCALES:
            return short
    return default


class UserLocaleMiddleware(I18nMiddleware):
    """Locale from the stored user (set by UserMiddleware), else from Telegram's language_code."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        tg_user: TgUser | None = data.get("event_from_user")
        return pick_locale(
            data.get(USER_LOCALE),
            tg_user.language_code if tg_user else None,
            self.i18n.default_locale,
        )
