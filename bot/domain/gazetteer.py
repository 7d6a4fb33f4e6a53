"""French communes gazetteer: lookups by INSEE code, postcode, name and position.

Loaded once at start-up from `storage/data/fr_communes.csv` (read by bot.domain.communes) and kept
in memory.
"""

from __future__ import annotations

import difflib
import gc
import heapq
import json
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.domain.communes import (
    COMMUNES_PATH,
    DIVISIONS_PATH,
    Commune,
    normalise,
    read_communes,
    withdraw_doubtful_points,
)
from storage.geo import KM_PER_DEGREE, haversine_km, lon_scale

__all__ = ["Commune", "Gazetteer", "LookupResult", "normalise"]

SUGGESTION_CUTOFF = 0.75
# Names sharing the most trigrams with the query are the only ones difflib scores: scoring all
# 33,000 distinct names would take tens of milliseconds per search.
FUZZY_CANDIDATES = 80
GRID_DEGREES = 0.1  # cell of the nearest-commune index: about 11 km by 7 km in France
MAX_GRID_RINGS = 30  # beyond this (about 300 km of sea), fall back to a full scan
# How far from the nearest town hall a point may lie and still be in France. Measured on the
# data: no point of metropolitan France, Corsica, Guadeloupe, Martinique, La Réunion or Mayotte
# is more than about 10 km from a town hall (Mont Blanc's summit: 8 km from Les Houches'); 25 km
# also takes in the coastal waters. Guyane's communes are huge: the southern tip is 182 km from
# Maripasoula's town hall, so there the nearest town hall may be 200 km away.
FRANCE_MAX_KM = 25.0
FRANCE_MAX_KM_BY_DEPARTMENT = {"973": 200.0}

_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"2[ab]\d{3}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LookupResult:
    matches: list[Commune] = field(default_factory=list)
    suggestions: list[Commune] = field(default_factory=list)


def _by_population(communes: list[Commune]) -> tuple[Commune, ...]:
    if len(communes) == 1:
        return (communes[0],)
    return tuple(sorted(communes, key=lambda c: (-c.population, c.insee)))


# Most names belong to one commune: the name index holds that commune itself rather than a tuple
# of one (33,000 tuples, 1.5 MB of the bot's 150).
_NameEntry = Commune | tuple[Commune, ...]


def _name_entry(communes: list[Commune]) -> _NameEntry:
    return communes[0] if len(communes) == 1 else _by_population(communes)


def _named(entry: _NameEntry | None) -> tuple[Commune, ...]:
    if entry is None:
        return ()
    return (entry,) if isinstance(entry, Commune) else entry


def _trigrams(name: str) -> set[str]:
    padded = f"  {name} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _grid_cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)


def _ring_bound_km(lat: float, ring: int) -> float:
    """Lower bound of the distance from a point to anything outside the `ring` rings around it.

    The narrowest side of a cell is its width in longitude at the latitude furthest from the
    equator that the rings reach; 0.99 covers the gap between a parallel and a great circle.
    """
    edge_lat = min(89.9, abs(lat) + (ring + 1) * GRID_DEGREES)
    return 0.99 * ring * GRID_DEGREES * KM_PER_DEGREE * lon_scale(edge_lat)


class Gazetteer:
    """In-memory indexes over the communes; build it with `Gazetteer.load()`."""

    def __init__(self, communes: list[Commune], divisions: dict[str, dict[str, str]]) -> None:
        self._by_insee = {c.insee: c for c in communes}
        postcode_lists: defaultdict[str, list[Commune]] = defaultdict(list)
        name_lists: defaultdict[str, list[Commune]] = defaultdict(list)
        # The grid holds the communes themselves (their lat and lon): no tuple per point.
        grid_lists: defaultdict[tuple[int, int], list[Commune]] = defaultdict(list)
        for commune in communes:
            for postcode in commune.postcodes:
                postcode_lists[postcode].append(commune)
            name_lists[normalise(commune.name)].append(commune)
            if "(" in commune.name:  # "Bors (Canton de Charente-Sud)" is found as "Bors" too
                name_lists[normalise(commune.name.partition("(")[0])].append(commune)
            if commune.lat is not None and commune.lon is not None:
                grid_lists[_grid_cell(commune.lat, commune.lon)].append(commune)
        self._by_postcode = {k: _by_population(v) for k, v in postcode_lists.items()}
        self._by_name = {k: _name_entry(v) for k, v in name_lists.items()}
        self._grid = {k: tuple(v) for k, v in grid_lists.items()}
        # Distinct normalised names, sorted for prefix search.
        self._names = sorted(self._by_name)
        self._name_population = [_named(self._by_name[n])[0].population for n in self._names]
        self._departments = divisions.get("departments", {})
        self._regions = divisions.get("regions", {})

    @classmethod
    def load(cls, path: Path | None = None, divisions_path: Path | None = None) -> Gazetteer:
        with (divisions_path or DIVISIONS_PATH).open(encoding="utf-8") as handle:
            divisions = json.load(handle)
        # Building a million small objects triggers repeated full collections that find no
        # garbage; pausing the collector during the build halves the load time.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            communes = withdraw_doubtful_points(read_communes(path or COMMUNES_PATH))
            return cls(communes, divisions)
        finally:
            if was_enabled:
                gc.enable()

    def __len__(self) -> int:
        return len(self._by_insee)

    def __iter__(self) -> Iterator[Commune]:
        return iter(self._by_insee.values())

    def by_insee(self, code: str) -> Commune | None:
        return self._by_insee.get(code.strip().upper())

    def by_postcode(self, code: str) -> list[Commune]:
        return list(self._by_postcode.get(code.strip(), ()))

    def by_name(self, name: str) -> list[Commune]:
        return list(_named(self._by_name.get(normalise(name))))

    def search(self, query: str, limit: int = 8) -> LookupResult:
        """Postcode, INSEE code or name; suggestions of close names when nothing matches exactly."""
        compact = query.replace(" ", "")
        if _POSTCODE.fullmatch(compact) or _INSEE.fullmatch(compact):
            matches = self.by_postcode(compact)[:limit]
            commune = None if matches else self.by_insee(compact)
            return LookupResult(matches=[commune] if commune else matches)
        key = normalise(query)
        if not key:
            return LookupResult()
        if key in self._by_name:
            return LookupResult(matches=list(_named(self._by_name[key])[:limit]))
        names = set(self._close_names(key, limit)) | set(self._prefixed_names(key, limit))
        communes = [c for name in names for c in _named(self._by_name[name])]
        return LookupResult(suggestions=list(_by_population(communes)[:limit]))

    @cached_property
    def _trigram_index(self) -> dict[str, list[int]]:
        """Trigram → indexes of the names holding it; built on the first typo, not at load."""
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index, name in enumerate(self._names):
            for gram in _trigrams(name):
                postings[gram].append(index)
        return dict(postings)

    def _close_names(self, key: str, limit: int) -> list[str]:
        shared: Counter[int] = Counter()
        for gram in _trigrams(key):
            shared.update(self._trigram_index.get(gram, ()))
        candidates = [self._names[index] for index, _ in shared.most_common(FUZZY_CANDIDATES)]
        return difflib.get_close_matches(key, candidates, n=limit, cutoff=SUGGESTION_CUTOFF)

    def _prefixed_names(self, key: str, limit: int) -> list[str]:
        if len(key) < 3:
            return []
        start = bisect_left(self._names, key)
        end = bisect_left(self._names, key + "\x7f", lo=start)
        return [
            self._names[i]
            for i in heapq.nlargest(limit, range(start, end), key=self._name_population.__getitem__)
        ]

    def point_for(self, commune: Commune) -> tuple[float, float] | None:
        """The commune's own point; never a neighbour's (ask for a shared location instead)."""
        if commune.lat is None or commune.lon is None:
            return None
        return commune.lat, commune.lon

    def point_for_postcode(self, code: str) -> tuple[float, float] | None:
        """The point of the most populous commune with this postcode that has one."""
        for commune in self._by_postcode.get(code.strip(), ()):
            point = self.point_for(commune)
            if point is not None:
                return point
        return None

    def nearest(self, lat: float, lon: float) -> Commune | None:
        """The nearest commune with a point, searched ring by ring in the grid index."""
        found = self._nearest(lat, lon)
        return found[1] if found else None

    def in_france(self, lat: float, lon: float) -> bool:
        """Whether a point lies in France (metropolitan or an overseas département): near
        enough to the nearest town hall (FRANCE_MAX_KM, more in Guyane)."""
        found = self._nearest(lat, lon)
        if found is None:
            return False
        km, commune = found
        return km <= FRANCE_MAX_KM_BY_DEPARTMENT.get(commune.department, FRANCE_MAX_KM)

    def _nearest(self, lat: float, lon: float) -> tuple[float, Commune] | None:
        row, col = _grid_cell(lat, lon)
        best: Commune | None = None
        best_km = math.inf
        for ring in range(MAX_GRID_RINGS + 1):
            if best is not None and _ring_bound_km(lat, ring - 1) >= best_km:
                return best_km, best
            for commune in self._ring(row, col, ring):
                km = haversine_km(lat, lon, commune.lat, commune.lon)  # type: ignore[arg-type]
                if km < best_km:
                    best, best_km = commune, km
        if best is not None and _ring_bound_km(lat, MAX_GRID_RINGS) >= best_km:
            return best_km, best
        # Far out at sea: scan everything.
        return min(
            (
                (haversine_km(lat, lon, c.lat, c.lon), c)  # type: ignore[arg-type]
                for cell in self._grid.values()
                for c in cell
            ),
            key=lambda pair: pair[0],
            default=None,
        )

    def _ring(self, row: int, col: int, ring: int) -> list[Commune]:
        if ring == 0:
            return list(self._grid.get((row, col), ()))
        found: list[Commune] = []
        for r in range(row - ring, row + ring + 1):
            step = 1 if r in (row - ring, row + ring) else 2 * ring
            for c in range(col - ring, col + ring + 1, step):
                found.extend(self._grid.get((r, c), ()))
        return found

    def department_name(self, code: str) -> str | None:
        return self._departments.get(code)

    def region_name(self, code: str) -> str | None:
        return self._regions.get(code)
