"""Recently seen users' rows in memory, so that an update needs no SELECT to know its user.

After an update, the entry is what the update committed through its `User` object; it is dropped
when a statement changed users' rows behind the objects (an UPDATE or DELETE), and when the
database's revisions say another process wrote the user (bot.readmodels.sync). What is handed to a
handler is a fresh `User` attached to the update's session: changes to it are saved as usual.
On SQLite, a user not in memory is read by key on the event loop (storage.sqlite_reads).
"""

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.models import User
from storage.sqlite_reads import RowReader, Unavailable, open_reader

# The revision is the database's to set (migrations 0005, 0006): no copy of it is kept.
KEYS = tuple(attr.key for attr in inspect(User).column_attrs if attr.key != "revision")

_new_user = inspect(User).class_manager.new_instance


def sqlite_reader(engine: AsyncEngine) -> RowReader | None:
    """Reads a user's row (KEYS) by id on the event loop, when the database is a SQLite file."""
    connection = open_reader(engine)
    if connection is None:
        return None
    return RowReader(connection, engine.dialect, [User.__table__.c[key] for key in KEYS])


class UserCache:
    def __init__(self, size: int, reader: RowReader | None = None) -> None:
        self.size = size
        self.reader = reader
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
        # As the ORM's loading builds an instance: no constructor, the values in place, then
        # marked loaded and unchanged (a quarter of the cost of User(**values)).
        user = _new_user()
        user.__dict__.update(zip(KEYS, values, strict=True))
        make_transient_to_detached(user)
        session.add(user)
        return user

    def read(self, session: AsyncSession, user_id: int) -> tuple[User | None, bool]:
        """The user read from the database at once (SQLite), kept, and attached to `session`,
        and whether the database answered: (None, True) says there is no such user, (None,
        False) that it could not be read at once."""
        if self.reader is None:
            return None, False
        try:
            values = self.reader(user_id)
        except Unavailable:
            return None, False
        if values is None:
            return None, True
        self._keep(user_id, values)
        return self.attach(session, user_id), True

    def remember(self, user: User) -> None:
        """Keep the user's values as the object holds them (forgotten if some are not loaded:
        reading them here would query the database)."""
        if inspect(user).unloaded.intersection(KEYS):
            self.forget([user.id])
            return
        self._keep(user.id, tuple([getattr(user, key) for key in KEYS]))

    def _keep(self, user_id: int, values: tuple[Any, ...]) -> None:
        self._rows[user_id] = values
        self._rows.move_to_end(user_id)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def forget(self, user_ids: Iterable[int]) -> None:
        for user_id in user_ids:
            self._rows.pop(user_id, None)

    def clear(self) -> None:
        self._rows.clear()
