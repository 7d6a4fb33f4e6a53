"""An operation's territory: regions, départements and communes named by their INSEE codes.

Pure functions over the gazetteer, no I/O. A territory is a set of `Area`s; a commune is in it
when its region, its département or itself is one of them.

Typed codes are read as follows (separated by spaces, commas or semicolons):
- five characters ("37261", "2A004"): a commune;
- two or three ("37", "2A", "971"): a département;
- a region needs its prefix ("R24", "r:24", "region:24", "région:24"), since every region's
  code is also a département's ("24" is Centre-Val de Loire and Dordogne); "D37" and "C37261"
  (or "dep:37", "commune:37261") say the other levels explicitly.
The names shown back ("Centre-Val de Loire", "Dordogne (24)") let the author check the reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.domain.communes import Commune, normalise

REGION = "region"
DEPARTMENT = "department"
COMMUNE = "commune"
LEVELS = (REGION, DEPARTMENT, COMMUNE)

# Why a code was refused (the UI words each one).
MALFORMED = "malformed"
UNKNOWN_REGION = "unknown_region"
UNKNOWN_DEPARTMENT = "unknown_department"
UNKNOWN_COMMUNE = "unknown_commune"
EMPTY = "empty"

_GLUED = re.compile(r"([a-z]+)([0-9][0-9a-z]*)")  # "r24", "d2a"
_PREFIXES = {
    "r": REGION,
    "reg": REGION,
    "region": REGION,
    "regions": REGION,
    "d": DEPARTMENT,
    "dep": DEPARTMENT,
    "dept": DEPARTMENT,
    "departement": DEPARTMENT,
    "departements": DEPARTMENT,
    "department": DEPARTMENT,
    "departments": DEPARTMENT,
    "c": COMMUNE,
    "com": COMMUNE,
    "commune": COMMUNE,
    "communes": COMMUNE,
}
_CODE = re.compile(r"[0-9](?:[0-9ab][0-9]{0,3})?", re.IGNORECASE)


class Divisions(Protocol):
    """What the territory needs of the gazetteer (bot.domain.gazetteer.Gazetteer)."""

    def by_insee(self, code: str) -> Commune | None: ...

    def department_name(self, code: str) -> str | None: ...

    def region_name(self, code: str) -> str | None: ...

    def __iter__(self) -> Iterator[Commune]: ...


@dataclass(frozen=True, slots=True, order=True)
class Area:
    """One piece of a territory (stored as storage.models.OperationArea)."""

    level: str
    code: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A code that could not be read: what was typed and why (one of the reasons above)."""

    token: str
    reason: str


@dataclass(frozen=True, slots=True)
class Parsed:
    areas: tuple[Area, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return bool(self.areas) and not self.problems


def parse(text: str, divisions: Divisions) -> Parsed:
    """Read typed codes ("R24 37 37261") into areas, checked against the gazetteer."""
    return _checked(_typed(text), divisions)


def from_levels(entries: Mapping[str, Iterable[object]], divisions: Divisions) -> Parsed:
    """Read a file's territory: {"regions": ["24"], "departments": [...], "communes": [...]}
    (singular keys and French ones too); an unknown key is a problem."""
    items: list[tuple[str | None, str, str]] = []
    problems: list[Problem] = []
    for key, codes in entries.items():
        level = _PREFIXES.get(normalise(str(key)).replace(" ", ""))
        if level is None:
            problems.append(Problem(str(key), MALFORMED))
            continue
        items.extend((level, str(code), str(code)) for code in codes)
    parsed = _checked(items, divisions)
    return Parsed(parsed.areas, tuple(problems) + parsed.problems)


def _typed(text: str) -> list[tuple[str | None, str, str]]:
    """(level or None, code, as typed) for each code: "région 24" and "R24" are one region."""
    words = normalise(text).split()
    found: list[tuple[str | None, str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        glued = _GLUED.fullmatch(word)
        if word in _PREFIXES and _CODE.fullmatch(following):
            found.append((_PREFIXES[word], following, f"{word} {following}"))
            index += 1
        elif glued and glued.group(1) in _PREFIXES:
            found.append((_PREFIXES[glued.group(1)], glued.group(2), word))
        else:
            found.append((None, word, word))
        index += 1
    return found


def _checked(items: Iterable[tuple[str | None, str, str]], divisions: Divisions) -> Parsed:
    areas: dict[Area, None] = {}
    problems: list[Problem] = []
    for level, code, token in items:
        found = _read(level, code, token, divisions)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            areas.setdefault(found)
    if not areas and not problems:
        problems.append(Problem("", EMPTY))
    return Parsed(tuple(areas), tuple(problems))


def _read(level: str | None, code: str, token: str, divisions: Divisions) -> Area | Problem:
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        return Problem(token.upper(), MALFORMED)
    if level is None:
        level = COMMUNE if len(code) == 5 else DEPARTMENT
    return _known(level, _padded(level, code), token.upper(), divisions)


def _padded(level: str, code: str) -> str:
    """ "1" is the Ain's (01), as a spreadsheet drops the zero; a commune's code is never short."""
    return code.zfill(2) if level != COMMUNE and len(code) == 1 else code


def _known(level: str, code: str, token: str, divisions: Divisions) -> Area | Problem:
    if level == REGION:
        known, reason = divisions.region_name(code) is not None, UNKNOWN_REGION
    elif level == DEPARTMENT:
        known, reason = divisions.department_name(code) is not None, UNKNOWN_DEPARTMENT
    else:
        known, reason = len(code) == 5 and divisions.by_insee(code) is not None, UNKNOWN_COMMUNE
    return Area(level, code) if known else Problem(token, reason)


def contains(areas: Iterable[Area], commune: Commune) -> bool:
    """Whether the commune lies in the territory."""
    return any(_holds(area, commune) for area in areas)


def _holds(area: Area, commune: Commune) -> bool:
    if area.level == REGION:
        return commune.region == area.code
    if area.level == DEPARTMENT:
        return commune.department == area.code
    return commune.insee == area.code


def communes_in(areas: Iterable[Area], divisions: Divisions) -> set[str]:
    """The INSEE codes of every commune of the territory."""
    areas = tuple(areas)
    if all(area.level == COMMUNE for area in areas):
        return {a.code for a in areas if divisions.by_insee(a.code) is not None}
    return {commune.insee for commune in divisions if contains(areas, commune)}


def describe(areas: Iterable[Area], divisions: Divisions) -> str:
    """The territory in names, regions first: "Centre-Val de Loire, Manche (50), Tours (37261)"."""
    return ", ".join(name(area, divisions) for area in sorted(areas, key=_display_order))


def _display_order(area: Area) -> tuple[int, str]:
    return LEVELS.index(area.level) if area.level in LEVELS else len(LEVELS), area.code


def name(area: Area, divisions: Divisions) -> str:
    """One area's name: a region's alone, a département's or a commune's with its code."""
    if area.level == REGION:
        return divisions.region_name(area.code) or area.code
    if area.level == DEPARTMENT:
        found = divisions.department_name(area.code)
    else:
        commune = divisions.by_insee(area.code)
        found = commune.name if commune else None
    return f"{found} ({area.code})" if found else area.code


def as_text(areas: Iterable[Area]) -> str:
    """The codes as they are typed back into `parse` ("R24 37 37261"): for editing."""
    prefix = {REGION: "R", DEPARTMENT: "", COMMUNE: ""}
    return " ".join(f"{prefix.get(a.level, '')}{a.code}" for a in sorted(areas, key=_display_order))
