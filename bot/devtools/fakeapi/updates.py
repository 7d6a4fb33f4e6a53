"""The update queue: injected updates, getUpdates long polling and the webhook settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any

from bot.devtools.fakeapi.errors import ApiError
from bot.devtools.fakeapi.records import Params
from bot.devtools.fakeapi.state import FakeState

# Update types Telegram leaves out when allowed_updates was never given.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue(FakeState):
    """send_update, getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

    def send_update(self, update: Params) -> Params:
        """Queue any raw update for getUpdates; update_id is added when missing."""
        update = dict(update)
        self._update_id = max(self._update_id + 1, update.get("update_id", 0))
        update["update_id"] = self._update_id
        self._updates.append(update)
        self._queued.notify()
        return update

    async def _get_updates(self, params: Params) -> list[Params]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if params.get("allowed_updates"):
            self._allowed_updates = frozenset(params["allowed_updates"])
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(float(params.get("timeout", 0)), 0.0)):
                while not self._pending() and not self._closing.is_set():
                    await self._queued.wait()
        return list(self._updates)[:limit]

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int):
            return
        if offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._called.notify()
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _pending(self) -> bool:
        """Drop the updates the bot did not subscribe to; tell whether any remain."""
        allowed = self._allowed_updates
        if self._updates and any(not self._wanted(u, allowed) for u in self._updates):
            self._updates = deque(u for u in self._updates if self._wanted(u, allowed))
        return bool(self._updates)

    @staticmethod
    def _wanted(update: Params, allowed: frozenset[str] | None) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        return kind in allowed if allowed is not None else kind not in _OPT_IN_UPDATES

    def _set_webhook(self, params: Params) -> bool:
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: Params) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _webhook_info(self, params: Params) -> Params:
        info: Params = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info
