"""New platform projects: placed in a commune of the operation's territory and written as its
campaigns, or listed in `unplaced_projects` for its coordinators to place by hand.

A project's city is looked up by name in the gazetteer ("Tours", "Tours, France", "37000 Tours"),
among the communes of the operation's territory (all of France when it has none). One commune
found: placed there, at its town hall's point. None, several (homonyms), a commune without a
point, or a country other than France: unplaced.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import record_progress
from bot.domain.gazetteer import Commune, Gazetteer, normalise
from bot.domain.territory import Area, contains
from bot.imports.ulule import SOURCE, Project
from storage.models import Campaign, Category, UnplacedProject
from storage.repo import platform, progress
from storage.repo.progress import SYNC

log = logging.getLogger(__name__)

# Where Ulule may say a French commune lies (overseas départements have their own codes).
FRANCE = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT"})


@dataclass
class NewProjects:
    """What became of a page's new projects."""

    created: int = 0
    unplaced: int = 0
    skipped: int = 0  # not campaigns yet: no title, dates or figures, or cancelled


def figures_of(project: Project, goal_before: int | None) -> tuple[int, int, int] | None:
    """(goal, raised, backers) to record, or None to keep the last good ones. A presale without
    a pre-order yet has no goal in money: it keeps the one it had (`goal_before`)."""
    if project.raised_cents is None or project.backers is None:
        return None
    goal = project.goal_cents
    readable = not {"goal", "nb_products_sold"} & set(project.problems)
    if goal is None and project.presale and readable:
        goal = goal_before
    return None if goal is None else (goal, project.raised_cents, project.backers)


async def create_new(
    session: AsyncSession,
    operation_id: int,
    areas: Sequence[Area],
    projects: Sequence[Project],
    now: datetime,
    gazetteer: Gazetteer,
    tz: str,
) -> NewProjects:
    """Campaigns of the operation for the new projects that can be placed; the others listed as
    unplaced. No commit."""
    outcome = NewProjects()
    created: list[Campaign] = []
    unplaced: list[Project] = []
    for project in projects:
        figures = figures_of(project, _provisional_goal(project))
        if figures is None or not _creatable(project):
            log.warning(
                "ulule project %s not created (cancelled: %s; missing or odd: %s)",
                *(project.external_id, project.cancelled, project.problems),
            )
            outcome.skipped += 1
            continue
        commune = place(project.city, project.country, areas, gazetteer)
        point = gazetteer.point_for(commune) if commune is not None else None
        if commune is None or point is None:
            unplaced.append(project)
            continue
        campaign = _campaign(project, operation_id, commune, point, now)
        await _first_figures(session, campaign, figures, now, tz)
        created.append(campaign)
    await _store(session, created, now)
    await _list_unplaced(session, operation_id, unplaced, now)
    outcome.created, outcome.unplaced = len(created), len(unplaced)
    return outcome


async def place_by_hand(
    session: AsyncSession,
    operation_id: int,
    project: Project,
    commune: Commune,
    point: tuple[float, float],
    now: datetime,
    tz: str,
) -> Campaign | None:
    """A coordinator placed this project (read again from the platform) in `commune`: its
    campaign of the operation, which leaves the unplaced list; None when it cannot be a campaign
    (no title, dates or figures; cancelled). No commit."""
    figures = figures_of(project, _provisional_goal(project))
    if figures is None or not _creatable(project):
        return None
    campaign = _campaign(project, operation_id, commune, point, now)
    await _first_figures(session, campaign, figures, now, tz)
    await _store(session, [campaign], now)
    return campaign


async def _first_figures(
    session: AsyncSession,
    campaign: Campaign,
    figures: tuple[int, int, int],
    now: datetime,
    tz: str,
) -> None:
    campaign.goal_cents = figures[0]
    # No id yet, so no follower to alert: this records the milestones already crossed.
    await record_progress(session, campaign, figures[1], figures[2], now, tz, source=SYNC)


async def _store(session: AsyncSession, created: Sequence[Campaign], now: datetime) -> None:
    """Write new campaigns and their first progress point; they leave the unplaced list."""
    if not created:
        return
    session.add_all(created)
    await session.flush()
    await progress.add_points(session, [_first_point(c, now) for c in created])
    await platform.forget_unplaced(session, SOURCE, [c.external_id for c in created])


def _creatable(project: Project) -> bool:
    """A campaign needs a title, its dates and figures; a project cancelled before it was ever
    seen is nobody's news."""
    return (
        project.title is not None
        and project.starts_at is not None
        and project.ends_at is not None
        and project.starts_at < project.ends_at
        and not project.cancelled
    )


def _provisional_goal(project: Project) -> int:
    """A new presale before its first pre-order (no price yet): one currency unit a pre-order,
    until a sync knows a price (its percent, 0, is right meanwhile)."""
    return max(1, (project.preorders or 0) * 100)


def _campaign(
    project: Project,
    operation_id: int,
    commune: Commune,
    point: tuple[float, float],
    now: datetime,
) -> Campaign:
    title = (project.title or project.external_id)[:200]
    holder = project.holder or title
    summary = project.summary or ""
    return Campaign(
        source=SOURCE,
        external_id=project.external_id,
        title=title,
        holder=holder,
        description=summary,
        category=Category.OTHER.value,
        commune_insee=commune.insee,
        lat=point[0],
        lon=point[1],
        raised_cents=0,
        backers=0,
        last_milestone=0,
        starts_at=project.starts_at,
        ends_at=project.ends_at,
        url=project.url,
        operation_id=operation_id,
        figures_at=now,
        search_text=normalise(f"{title} {holder} {commune.name} {summary}"),
    )


def search_text(campaign: Campaign, gazetteer: Gazetteer) -> str:
    """The campaign's words as search reads them: title, holder, commune and description."""
    commune = gazetteer.by_insee(campaign.commune_insee) if campaign.commune_insee else None
    name = commune.name if commune else ""
    return normalise(f"{campaign.title} {campaign.holder} {name} {campaign.description}")


def _first_point(campaign: Campaign, now: datetime) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "at": now,
        "raised_cents": campaign.raised_cents,
        "backers": campaign.backers,
        "source": SYNC,
    }


def place(
    city: str | None, country: str | None, areas: Sequence[Area], gazetteer: Gazetteer
) -> Commune | None:
    """The one commune named `city` within the territory (anywhere in France when the operation
    has none); None when there is none, or several (a person decides)."""
    if not city or (country is not None and country not in FRANCE):
        return None
    for name in _names(city):
        found = [c for c in gazetteer.by_name(name) if not areas or contains(areas, c)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _names(city: str) -> list[str]:
    """The city as given, then without what often follows it ("Tours, France", "Tours (37)")."""
    bare = city.split(",")[0].split("(")[0].strip()
    words = bare.split()
    if words and words[0].isdigit():  # "37000 Tours"
        bare = " ".join(words[1:])
    return list(dict.fromkeys(n for n in (city.strip(), bare) if n))


async def _list_unplaced(
    session: AsyncSession, operation_id: int, projects: Sequence[Project], now: datetime
) -> None:
    """Add or refresh the operation's unplaced projects."""
    if not projects:
        return
    ids = [p.external_id for p in projects]
    known = await platform.unplaced_by_external_id(session, SOURCE, ids)
    for project in projects:
        row = known.get(project.external_id)
        if row is None:
            row = UnplacedProject(source=SOURCE, external_id=project.external_id)
            session.add(row)
        row.operation_id = operation_id
        row.title = (project.title or project.slug or project.external_id)[:200]
        row.city, row.country = project.city, project.country
        row.url, row.seen_at = project.url, now
    log.info("operation %d: %d projects could not be placed", operation_id, len(projects))
