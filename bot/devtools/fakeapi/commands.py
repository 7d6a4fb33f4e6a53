"""Bot API methods on the bot's commands (per scope and language) and the chat menu button."""

from __future__ import annotations

import json
import re

from bot.devtools.fakeapi.errors import bad
from bot.devtools.fakeapi.records import Params
from bot.devtools.fakeapi.state import FakeState


class CommandMethods(FakeState):
    """setMyCommands, getMyCommands, deleteMyCommands, setChatMenuButton."""

    def commands_for(self, scope: Params | None = None, language_code: str = "") -> list[Params]:
        return self.commands.get((_scope_key(scope), language_code), [])

    def _set_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for command in commands:
            name, text = command.get("command", ""), command.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(text) <= 256:
                raise bad("BOT_COMMAND_INVALID")
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = commands
        return True

    def _get_commands(self, params: Params) -> list[Params]:
        return self.commands_for(params.get("scope"), params.get("language_code", ""))

    def _delete_commands(self, params: Params) -> bool:
        self.commands.pop((_scope_key(params.get("scope")), params.get("language_code", "")), None)
        return True

    def _set_menu_button(self, params: Params) -> bool:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button", {"type": "default"})
        return True


def _scope_key(scope: Params | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
