"""Test data: campaigns written straight to the database."""

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import normalise
from storage.models import Campaign, Reward

_ids = count(1)

SAINT_LO = (49.1166, -1.0833)
TOURS = (47.3936, 0.6892)


def campaign(now: datetime, **overrides: Any) -> Campaign:
    number = next(_ids)
    values: dict[str, Any] = {
        "source": "test",
        "external_id": str(number),
        "title": f"Projet {number}",
        "holder": "Porteuse",
        "description": "",
        "category": "business",
        "commune_insee": "50502",
        "lat": SAINT_LO[0],
        "lon": SAINT_LO[1],
        "goal_cents": 200_000,
        "raised_cents": 50_000,
        "backers": 10,
        "starts_at": now - timedelta(days=10),
        "ends_at": now + timedelta(days=20),
        "url": None,
    }
    values.update(overrides)
    rewards = values.pop("rewards", [])
    item = Campaign(**values)
    item.search_text = normalise(f"{item.title} {item.holder} {item.description}")
    item.rewards = [
        Reward(title=title, price_cents=price, position=index)
        for index, (title, price) in enumerate(rewards)
    ]
    return item


async def add_campaigns(
    sessionmaker: async_sessionmaker[AsyncSession], *items: Campaign
) -> list[int]:
    async with sessionmaker() as session:
        session.add_all(items)
        await session.commit()
        return [item.id for item in items]


async def add_holder(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    *campaign_ids: int,
    located: bool = True,
    **user: Any,
) -> None:
    """A project holder of these campaigns (holders rows, users.holder set), as an invitation
    leaves them; living in Saint-Lô unless `located` is False."""
    from storage.models import Holder, User

    place = {"lat": SAINT_LO[0], "lon": SAINT_LO[1], "commune_insee": "50502"} if located else {}
    async with sessionmaker() as session:
        session.add(User(id=user_id, holder=bool(campaign_ids), **place, **user))
        await session.flush()
        session.add_all(Holder(user_id=user_id, campaign_id=c) for c in campaign_ids)
        await session.commit()
