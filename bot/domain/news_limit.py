"""How often a campaign may post news: at most `per_day` posts in any rolling 24 hours."""

from collections.abc import Sequence
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)


def next_allowed(posted: Sequence[datetime], now: datetime, per_day: int) -> datetime | None:
    """When the next post becomes possible, given the times of the posts of the last 24 hours
    (oldest first); None when one is possible now."""
    recent = [at for at in posted if at > now - WINDOW]
    if len(recent) < per_day:
        return None
    # The post that must leave the window for the count to drop below the limit.
    return recent[len(recent) - per_day] + WINDOW
