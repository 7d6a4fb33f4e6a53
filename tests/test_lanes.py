"""The worker's ready units (bot.delivery.lanes): urgent before bulk whatever the claim order,
claim order within a lane, and a unit whose chat had a message within the second waits without
holding back the others."""

from bot.delivery.lanes import Ready
from bot.delivery.pacing import ChatSlots
from bot.delivery.units import Unit
from storage.models import Outbox, Priority


def unit(user_id: int, priority: int) -> Unit:
    row = Outbox(id=user_id, user_id=user_id, priority=priority, attempts=0)
    return Unit(user_id, [row], f"to {user_id}")


def test_urgent_units_go_first_then_claim_order() -> None:
    ready = Ready(ChatSlots(1.0))
    ready.add([unit(1, Priority.BULK), unit(2, Priority.BULK)])
    ready.add([unit(3, Priority.URGENT), unit(4, Priority.BULK), unit(5, Priority.URGENT)])
    order = [ready.pop(0.0) for _ in range(5)]
    assert [u.user_id for u in order if u is not None] == [3, 5, 1, 2, 4]
    assert ready.pop(0.0) is None and len(ready) == 0


async def test_a_unit_whose_chat_is_busy_waits_without_holding_back_others() -> None:
    chats = ChatSlots(1.0)
    ready = Ready(chats)
    await chats.turn(7)  # chat 7 just had a message: its next slot is a second away
    busy_until = chats.free_at(7)
    ready.add([unit(7, Priority.URGENT), unit(8, Priority.BULK)])
    now = busy_until - 0.5
    assert ready.free(now)
    first = ready.pop(now)
    assert first is not None and first.user_id == 8
    assert not ready.free(now) and ready.pop(now) is None
    assert ready.next_free() == busy_until
    later = ready.pop(busy_until)
    assert later is not None and later.user_id == 7


def test_drain_gives_back_every_unit() -> None:
    ready = Ready(ChatSlots(1.0))
    ready.add([unit(1, Priority.BULK), unit(2, Priority.URGENT)])
    assert sorted(u.user_id for u in ready.drain()) == [1, 2]
    assert len(ready) == 0
