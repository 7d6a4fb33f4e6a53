"""Bot API methods on messages: send, copy, edit, delete, and the chats they are stored in."""

from __future__ import annotations

import time
from typing import Any

from bot.devtools.fakeapi.entities import stored_text
from bot.devtools.fakeapi.errors import ApiError, bad
from bot.devtools.fakeapi.records import Params, UploadedFile
from bot.devtools.fakeapi.state import FakeState

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class MessageMethods(FakeState):
    """sendMessage, sendPhoto, sendDocument, copyMessage, edit*, deleteMessage, sendChatAction."""

    def _chat(self, chat_id: int) -> Params:
        if chat_id < 0:
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
        user = self.users.get(chat_id, {"first_name": f"User {chat_id}"})
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _store(self, chat_id: int, message: Params) -> None:
        self.messages.setdefault(chat_id, []).append(message)
        self._index[(chat_id, message["message_id"])] = message

    def _bot_message(self, chat_id: int, content: Params) -> Params:
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._store(chat_id, message)
        text = message.get("text", message.get("caption", ""))
        self.delivered.setdefault(chat_id, []).append(text)
        return message

    def _send_message(self, params: Params) -> Params:
        chat_id = _require_chat(params)
        content = stored_text(params, "text")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return self._bot_message(chat_id, content)

    def _send_file(self, params: Params, kind: str) -> Params:
        chat_id = _require_chat(params)
        upload = self._resolve_file(params.get(kind), kind)
        if kind == "photo":
            size = {"file_id": upload.file_id, "file_unique_id": upload.file_id + "u"}
            content: Params = {"photo": [{**size, "width": 800, "height": 600,
                                          "file_size": len(upload.content)}]}  # fmt: skip
        else:
            content = {"document": {"file_id": upload.file_id,
                                    "file_unique_id": upload.file_id + "u",
                                    "file_name": upload.filename,
                                    "mime_type": upload.content_type or "application/octet-stream",
                                    "file_size": len(upload.content)}}  # fmt: skip
        content |= stored_text(params, "caption")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return self._bot_message(chat_id, content)

    def _resolve_file(self, value: Any, kind: str) -> UploadedFile:
        if isinstance(value, UploadedFile):
            value.file_id = f"F{kind[:3]}{len(self.files) + 1:06d}"
            self.files[value.file_id] = value
            return value
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._resolve_file(UploadedFile(value.rsplit("/", 1)[-1], b""), kind)
        if value is None:
            raise bad(f"there is no {kind} in the request")
        raise bad("wrong file identifier/HTTP URL specified")

    def _copy_message(self, params: Params) -> Params:
        chat_id = _require_chat(params)
        source = self._index.get((params.get("from_chat_id"), params.get("message_id")))
        if source is None:
            raise bad("message to copy not found")
        keys = ("text", "entities", "caption", "caption_entities", "photo", "document", "location")
        content = {key: source[key] for key in keys if key in source}
        if "caption" in params:
            content.pop("caption_entities", None)
            content |= stored_text(params, "caption")
        self._apply_markup(chat_id, content, params.get("reply_markup"))
        return {"message_id": self._bot_message(chat_id, content)["message_id"]}

    def _apply_markup(self, chat_id: int, content: Params, markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup)
            content["reply_markup"] = markup
        elif "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat_id, None)

    def _editable(self, params: Params) -> Params:
        message = self._index.get((_require_chat(params), params.get("message_id")))
        if message is None:
            raise bad("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad("message can't be edited")
        return message

    def _edit(self, params: Params, changes: Params, needs: str | None) -> Params | bool:
        markup = params.get("reply_markup")
        if markup is not None:
            _check_inline_keyboard(markup)
        changes["reply_markup"] = markup
        if "inline_message_id" in params:
            return True
        message = self._editable(params)
        if needs is not None and needs not in message:
            raise bad(f"there is no {needs} in the message to edit")
        if all(message.get(key) == (value or None) for key, value in changes.items()):
            raise ApiError(400, _NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        return message

    def _edit_text(self, params: Params) -> Params | bool:
        return self._edit(params, {"entities": None} | stored_text(params, "text"), "text")

    def _edit_caption(self, params: Params) -> Params | bool:
        changes = {"caption": None, "caption_entities": None} | stored_text(params, "caption")
        return self._edit(params, changes, None)

    def _edit_markup(self, params: Params) -> Params | bool:
        return self._edit(params, {}, None)

    def _delete_message(self, params: Params) -> bool:
        chat_id = _require_chat(params)
        message = self._index.pop((chat_id, params.get("message_id")), None)
        if message is None:
            raise bad("message to delete not found")
        self.messages[chat_id].remove(message)
        return True

    def _send_chat_action(self, params: Params) -> bool:
        _require_chat(params)
        if not params.get("action"):
            raise bad("action is empty")
        return True


def _require_chat(params: Params) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad("chat_id is empty")
    if not isinstance(chat_id, int):
        raise bad("chat not found")
    return chat_id


def _check_inline_keyboard(markup: Params) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
    for button in (button for row in rows for button in row):
        if not button.get("text"):
            raise bad("can't parse inline keyboard button: Text must be non-empty")
        if len(button) < 2:
            raise bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise bad("BUTTON_DATA_INVALID")
