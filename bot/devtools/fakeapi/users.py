"""Injecting user input: profiles, texts, locations, button presses and their callback answers,
inline queries and their answers."""

from __future__ import annotations

import copy
import time

from bot.devtools.fakeapi.entities import command_entities
from bot.devtools.fakeapi.errors import bad
from bot.devtools.fakeapi.messages import MessageMethods, _check_inline_keyboard
from bot.devtools.fakeapi.records import Params
from bot.devtools.fakeapi.updates import UpdateQueue


class UserInput(MessageMethods, UpdateQueue):
    """What a user does to the bot, queued as updates; answerCallbackQuery closes a press."""

    def add_user(
        self,
        user_id: int,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """Remember or update a user's profile (unset fields keep their value, else fr/Alice)."""
        known = self.users.get(user_id, {})
        user: Params = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name", "Alice"),
        }
        if username or "username" in known:
            user["username"] = username or known["username"]
        user["language_code"] = language_code or known.get("language_code", "fr")
        self.users[user_id] = user
        return user

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """The user sends `text` to the bot; returns the Message queued in an update."""
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        content: Params = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        return self._user_message(user, content)

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """The user shares a location; returns the Message queued in an update."""
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, {"location": location})

    def press_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> str:
        """The user presses an inline button; returns the callback query id.

        With strict=True the button must exist on that bot message; pass strict=False (or use
        send_update) to forge callback data.
        """
        query = self.callback_query(
            user_id,
            message_id,
            callback_data,
            strict=strict,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )
        self.send_update({"callback_query": query})
        return str(query["id"])

    def callback_query(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
        language_code: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Params:
        """The CallbackQuery of a button press, open for answerCallbackQuery but not queued.

        press_button queues it for getUpdates; a webhook client (bench/webhook.py) posts it.
        """
        message = self._index.get((user_id, message_id))
        if message is None:
            raise LookupError(f"no message {message_id} in chat {user_id}")
        if strict and callback_data not in _callback_datas(message):
            raise LookupError(f"message {message_id} has no button with data {callback_data!r}")
        user = self.add_user(
            user_id, language_code=language_code, first_name=first_name, username=username
        )
        self._callback_id += 1
        query_id = str(4_000_000_000 + self._callback_id)
        self._open_callbacks.add(query_id)
        return {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(-(8_000_000_000 + user_id)),
            "data": callback_data,
        }

    def send_inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str = "sender",
        language_code: str | None = None,
    ) -> str:
        """The user types `@bot query` in a chat; returns the inline query's id, open for
        answerInlineQuery (its answer lands in `inline_answers`)."""
        user = self.add_user(user_id, language_code=language_code)
        self._inline_id += 1
        query_id = str(6_000_000_000 + self._inline_id)
        self._open_inline.add(query_id)
        inline = {"id": query_id, "from": user, "query": query, "offset": offset}
        self.send_update({"inline_query": inline | {"chat_type": chat_type}})
        return query_id

    def _answer_inline(self, params: Params) -> bool:
        query_id = params.get("inline_query_id")
        if query_id not in self._open_inline:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad("RESULTS_TOO_MUCH")
        ids = [result.get("id") for result in results]
        if any(not isinstance(i, str) or not 0 < len(i.encode()) <= 64 for i in ids):
            raise bad("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad("RESULT_ID_DUPLICATE")
        for result in results:
            if "reply_markup" in result:
                _check_inline_keyboard(result["reply_markup"])
        self._open_inline.discard(query_id)
        self.inline_answers[query_id] = params
        return True

    def _user_message(self, user: Params, content: Params) -> Params:
        chat_id = user["id"]
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._store(chat_id, message)
        self.send_update({"message": copy.deepcopy(message)})
        return message

    def _answer_callback(self, params: Params) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(query_id)
        return True


def _callback_datas(message: Params) -> set[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["callback_data"] for row in rows for b in row if "callback_data" in b}
