"""Recently seen users' rows in memory, so that an update needs no SELECT to know its user.

An entry is dropped when an update writes anything (the user may have changed), and when the
database's revisions say another process wrote the user (bot.read_models). What is handed to a
handler is a fresh `User` attached to the update's session: changes to it are saved as usual.
"""

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.models import User

# The revision is the database's to set (migration 0005): no copy of it is kept.
KEYS = tuple(attr.key for attr in inspect(User).column_attrs if attr.key != "revision")


class UserCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._rows: OrderedDict[int, tuple[Any, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._rows

    def attach(self, session: AsyncSession, user_id: int) -> User | None:
        """The user as last seen, as a persistent object of `session`; None if not cached."""
        values = self._rows.get(user_id)
        if values is None:
            return None
        self._rows.move_to_end(user_id)
        user = User(**dict(zip(KEYS, values, strict=True)))
        make_transient_to_detached(user)  # loaded and unchanged, as if just read
        session.add(user)
        return user

    def remember(self, user: User) -> None:
        self._rows[user.id] = tuple([getattr(user, key) for key in KEYS])
        self._rows.move_to_end(user.id)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def forget(self, user_ids: Iterable[int]) -> None:
        for user_id in user_ids:
            self._rows.pop(user_id, None)

    def clear(self) -> None:
        self._rows.clear()
