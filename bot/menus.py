"""Command menus: everyone's default menu, and a user's own menu once a role gives them more
commands (holders, coordinators, admins).

A role menu is set on the user's chat (BotCommandScopeChat) at their first update after the
role came or went: the process remembers which roles each chat's menu shows, so an update
whose user's roles are unchanged costs a dictionary lookup. After a restart a holder's or a
coordinator's menu is set again at their next update (one call each)."""

import logging
from collections.abc import Iterable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, TelegramObject
from aiogram.utils.i18n import I18n

from bot.i18n import USER_LOCALE, pick_locale
from bot.settings import LOCALES

log = logging.getLogger(__name__)

COMMANDS = (
    "nearby", "search", "following", "apply", "myapplications", "scoreboard",
    "settings", "help", "privacy", "mydata", "forget",
)  # fmt: skip
# What each role adds to the menu, in this order.
ROLE_COMMANDS = (
    ("holder", ("myprojects", "news", "progress")),
    ("coordinator", ("operations", "announce", "moderation", "import")),
    ("admin", ("newoperation", "coordinators")),
)
PLAIN = frozenset({"resident"})


def commands_for(roles: Iterable[str]) -> list[str]:
    """The menu's commands for these roles: the roles' own first, then everyone's."""
    held = set(roles)
    own = [name for role, names in ROLE_COMMANDS if role in held for name in names]
    return list(dict.fromkeys([*own, *COMMANDS]))


def menu(names: Iterable[str], i18n: I18n, locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(f"command.{name}", locale=locale))
        for name in names
    ]


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """Register the default menu in each language, and the default language for the rest."""
    for code in (None, *LOCALES):
        commands = menu(COMMANDS, i18n, code or i18n.default_locale)
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)


class RoleMenus(BaseMiddleware):
    """Sets a user's own menu when their roles differ from what their chat's menu shows."""

    def __init__(self, i18n: I18n, default_locale: str) -> None:
        self.i18n, self.default_locale = i18n, default_locale
        self.shown: dict[int, frozenset[str]] = {}

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        result = await handler(event, data)
        roles: frozenset[str] | None = data.get("roles")
        user = data.get("user")
        if roles is not None and user is not None and self.shown.get(user.id, PLAIN) != roles:
            await self._show(data["bot"], user, roles, data)
        return result

    async def _show(self, bot: Bot, user: Any, roles: frozenset[str], data: dict[str, Any]) -> None:
        scope = BotCommandScopeChat(chat_id=user.id)
        try:
            if roles == PLAIN:  # the role went: back to the default menu
                await bot.delete_my_commands(scope=scope)
            else:
                locale = pick_locale(data.get(USER_LOCALE), user.language_code, self.default_locale)
                await bot.set_my_commands(menu(commands_for(roles), self.i18n, locale), scope=scope)
        except TelegramAPIError as error:  # a convenience: the commands work without it
            log.warning("menu of user %s not set: %s", user.id, error)
            return
        self.shown[user.id] = roles
