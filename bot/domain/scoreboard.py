"""An operation's results from its campaigns' figures: launched, live, funded, success rate,
totals, the top projects, the days left, and its total raised over time. Pure.

A project is launched once its campaign has started (a cancelled one is not counted); it is
funded when it raised at least its goal. The success rate is funded / launched, rounded.
Backers are summed over projects: someone who backed two projects counts twice, as platforms
count them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.clock import days_between

TOP = 5


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    title: str
    holder: str
    commune_insee: str | None
    category: str
    goal_cents: int
    raised_cents: int
    backers: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    url: str | None = None

    @property
    def funded(self) -> bool:
        return self.goal_cents > 0 and self.raised_cents >= self.goal_cents

    def status(self, now: datetime) -> str:
        if self.cancelled:
            return "cancelled"
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "ended"


def project_from(row: Any) -> Project:
    """A project from a row with the campaign's columns (storage.repo.scoreboard.FIGURES)."""
    return Project(
        id=row.id,
        title=row.title,
        holder=row.holder,
        commune_insee=row.commune_insee,
        category=row.category,
        goal_cents=row.goal_cents,
        raised_cents=row.raised_cents,
        backers=row.backers,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        cancelled=row.cancelled_at is not None,
        url=row.url,
    )


@dataclass(frozen=True, slots=True)
class Board:
    launched: tuple[Project, ...]  # the most raised first
    live: int
    upcoming: int
    funded: int
    raised_cents: int
    backers: int
    days_left: int | None  # None: the operation's end is not known
    ended: bool

    @property
    def success_rate(self) -> int:
        """Whole percent of the launched projects that were funded (0 with none launched)."""
        if not self.launched:
            return 0
        return (self.funded * 200 + len(self.launched)) // (2 * len(self.launched))

    @property
    def top(self) -> tuple[Project, ...]:
        return self.launched[:TOP]


def build(projects: Iterable[Project], now: datetime, ends_at: datetime | None, tz: str) -> Board:
    """The operation's figures at `now`; `ends_at` is its campaigns' common end."""
    counted = [p for p in projects if not p.cancelled]
    launched = sorted(
        (p for p in counted if p.starts_at <= now), key=lambda p: (-p.raised_cents, p.id)
    )
    end = ends_at or max((p.ends_at for p in counted), default=None)
    return Board(
        launched=tuple(launched),
        live=sum(1 for p in launched if now < p.ends_at),
        upcoming=len(counted) - len(launched),
        funded=sum(1 for p in launched if p.funded),
        raised_cents=sum(p.raised_cents for p in launched),
        backers=sum(p.backers for p in launched),
        days_left=days_between(now, end, tz) if end is not None else None,
        ended=end is not None and end <= now,
    )


def total_over_time(
    points: Iterable[tuple[datetime, int, int]], current: Sequence[Project], now: datetime
) -> list[tuple[datetime, int]]:
    """The operation's total raised after each change: `points` are (at, campaign id, raised)
    in time order (the progress history); the series ends at `now` on the current total."""
    latest: dict[int, int] = {}
    total = 0
    series: list[tuple[datetime, int]] = []
    for at, campaign_id, raised in points:
        total += raised - latest.get(campaign_id, 0)
        latest[campaign_id] = raised
        if series and series[-1][0] == at:
            series[-1] = (at, total)
        else:
            series.append((at, total))
    final = sum(p.raised_cents for p in current if not p.cancelled and p.starts_at <= now)
    if not series or series[-1][0] < now:
        series.append((now, final))
    return series
