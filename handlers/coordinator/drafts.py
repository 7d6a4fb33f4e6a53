"""An operation's values as the dialogues keep them in FSM data (JSON: dates as ISO strings,
the territory as [level, code] pairs), read back, shown and checked."""

from datetime import datetime
from typing import Any

from bot.domain import operations as fields
from bot.domain import territory
from bot.domain.operations import FieldProblem
from bot.domain.territory import Area, Divisions
from bot.ui.operations import OperationView, day

Draft = dict[str, Any]


def areas_of(draft: Draft, key: str = fields.TERRITORY) -> tuple[Area, ...]:
    return tuple(Area(level, code) for level, code in draft.get(key) or ())


def stored_areas(areas: tuple[Area, ...]) -> list[list[str]]:
    return [[a.level, a.code] for a in areas]


def date_of(draft: Draft, name: str) -> datetime | None:
    value = draft.get(name)
    return datetime.fromisoformat(value) if value else None


def dates_of(draft: Draft) -> dict[str, datetime | None]:
    return {name: date_of(draft, name) for name in fields.DATES}


def shown(draft: Draft, name: str, divisions: Divisions, tz: str) -> str | None:
    """The value of a field as the user reads it, None when there is none yet."""
    if draft.get(name) in (None, ""):
        return None
    if name == fields.TERRITORY:
        return territory.describe(areas_of(draft), divisions)
    if name in fields.DATES:
        return day(date_of(draft, name), tz)
    return str(draft[name])


def view(draft: Draft, divisions: Divisions) -> OperationView:
    return OperationView(
        name=draft.get(fields.NAME) or "",
        territory=territory.describe(areas_of(draft), divisions),
        dates=dates_of(draft),
        platform=draft.get(fields.PLATFORM) or "",
        link=draft.get(fields.LINK) or None,
        description=draft.get(fields.DESCRIPTION) or "",
        sync_source=draft.get(fields.SYNC_SOURCE) or None,
    )


def problems(draft: Draft) -> list[FieldProblem]:
    """What keeps the draft from being created: a missing value, dates out of order."""
    missing = [
        FieldProblem(name, fields.MISSING)
        for name in fields.FIELDS
        if name not in fields.OPTIONAL and not draft.get(name)
    ]
    return missing + fields.order_problems(dates_of(draft))


def columns(draft: Draft) -> dict[str, object]:
    """The Operation columns of a complete draft."""
    values: dict[str, object] = {
        fields.COLUMNS[name]: value for name, value in dates_of(draft).items()
    }
    values |= {
        "name": draft[fields.NAME],
        "platform": draft[fields.PLATFORM],
        "link": draft.get(fields.LINK) or None,
        "description": draft.get(fields.DESCRIPTION) or "",
        "sync_source": draft.get(fields.SYNC_SOURCE) or None,
    }
    return values


def from_checked(checked: fields.Draft) -> Draft:
    """A file's checked operation as a draft."""
    return {
        fields.NAME: checked.name,
        fields.TERRITORY: stored_areas(checked.areas),
        **{name: value.isoformat() for name, value in checked.dates.items()},
        fields.PLATFORM: checked.platform,
        fields.LINK: checked.link or "",
        fields.DESCRIPTION: checked.description,
        fields.SYNC_SOURCE: checked.sync_source or "",
    }


def read_value(
    name: str, text: str, divisions: Divisions, tz: str, dates: dict[str, datetime | None]
) -> tuple[Any, list[FieldProblem]]:
    """A typed value checked: (JSON-ready value, []) or (None, problems). A date is checked
    against `dates` (the others kept); a territory comes back as [level, code] pairs."""
    if name == fields.TERRITORY:
        parsed = territory.parse(text, divisions)
        found = fields.territory_problems(parsed)
        return (None, found) if found else (stored_areas(parsed.areas), [])
    if name in fields.DATES:
        value, problem = fields.check_date(name, text, tz)
        if problem or value is None:
            return None, [problem] if problem else []
        order = [p for p in fields.order_problems(dates | {name: value}) if _about(p, name)]
        return (None, order) if order else (value.isoformat(), [])
    value_text, problem = fields.check_text(name, text)
    return (None, [problem]) if problem else (value_text or "", [])


def _about(problem: FieldProblem, name: str) -> bool:
    return name in (problem.name, problem.values.get("other"))
