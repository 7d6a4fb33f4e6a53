"""The units a worker claimed and has not started sending, in the order they go out.

The urgent lane first (a deadline, a result, a milestone), then bulk (holders' news), each in
the order claimed; a unit whose chat had a message less than a second ago (ChatSlots) waits
without holding back the others. The worker takes a send's pacer token before it takes a unit
from here, so an urgent unit claimed now goes out at the next token, ahead of any bulk one.
"""

import heapq
from collections.abc import Iterable
from itertools import count

from bot.delivery.pacing import ChatSlots
from bot.delivery.units import Unit


class Ready:
    def __init__(self, chats: ChatSlots) -> None:
        self.chats = chats
        self._heap: list[tuple[int, int, Unit]] = []
        self._order = count()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, units: Iterable[Unit]) -> None:
        for unit in units:
            heapq.heappush(self._heap, (unit.priority, next(self._order), unit))

    def free(self, now: float) -> bool:
        """Is there a unit whose chat may have a message at `now` (time.monotonic)?"""
        return any(self.chats.free_at(unit.user_id) <= now for _, _, unit in self._heap)

    def pop(self, now: float) -> Unit | None:
        """The first unit in lane order whose chat is free at `now`, if any."""
        waiting = []
        found = None
        while self._heap:
            entry = heapq.heappop(self._heap)
            if self.chats.free_at(entry[2].user_id) <= now:
                found = entry[2]
                break
            waiting.append(entry)
        for entry in waiting:
            heapq.heappush(self._heap, entry)
        return found

    def next_free(self) -> float:
        """When the first of their chats becomes free (time.monotonic)."""
        return min(self.chats.free_at(unit.user_id) for _, _, unit in self._heap)

    def drain(self) -> list[Unit]:
        """All of them, taken out (the worker is stopping)."""
        units = [unit for _, _, unit in self._heap]
        self._heap.clear()
        return units
