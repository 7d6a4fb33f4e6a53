"""The communes of France as read from `storage/data/fr_communes.csv`, and their names' folded form.

The file gives each commune its town hall's point. A few points in it are plainly wrong (a
longitude with its sign flipped, a latitude copied into the longitude, a homonym's town hall two
départements away, one point given to two communes): `withdraw_doubtful_points` takes those away,
as a wrong point would send residents to projects a hundred kilometres off; the resident of such a
commune is asked to share a location instead.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from storage.geo import haversine_km

DATA_DIR = Path(__file__).resolve().parents[2] / "storage" / "data"
COMMUNES_PATH = DATA_DIR / "fr_communes.csv"
DIVISIONS_PATH = DATA_DIR / "fr_divisions.json"

# A point with no other point of its département within this distance, and a point of another
# département less than half as far, lies in the wrong département (about 70 points of the file;
# the true town halls nearest a border all have one of their own département within 10 km).
OWN_DEPARTMENT_KM = 10.0
# No département spans this distance from its median point (Guyane, the largest, spans 400 km).
FAR_FROM_DEPARTMENT_KM = 1000.0
NEIGHBOURS = 6  # the points around a shared point whose postcodes say whose town hall it is
_CELL = 0.1  # degrees: the cells in which neighbours are looked for

# Letters NFKD does not decompose, and the combining marks (accents) it splits off.
_FOLD = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"}
    | {chr(mark): None for mark in range(0x300, 0x370)}
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_COLUMNS = ["insee", "name", "postcodes", "department", "region", "population", "lat", "lon"]
_SAINT_WORDS = {"st": "saint", "ste": "sainte"}


def normalise(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form of a place name ("ST-LÔ" → "saint lo")."""
    folded = text.lower()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).translate(_FOLD)
    words = _NON_ALNUM.sub(" ", folded).split()
    if "st" in words or "ste" in words:
        words = [_SAINT_WORDS.get(word, word) for word in words]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    department: str
    region: str
    population: int
    lat: float | None
    lon: float | None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


def _coordinate(text: str, limit: float) -> float | None:
    value = float(text) if text else math.nan
    return value if math.isfinite(value) and -limit <= value <= limit else None


def read_communes(path: Path = COMMUNES_PATH) -> list[Commune]:
    intern = sys.intern  # department, region and postcodes repeat: share one string each
    communes = []
    postcode_sets: dict[str, tuple[str, ...]] = {}  # one tuple per distinct list: 1.3 MB less
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        if header != _COLUMNS:
            raise ValueError(f"unexpected columns in {path}: {header}")
        for insee, name, postcodes, department, region, population, lat, lon in rows:
            point = (_coordinate(lat, 90.0), _coordinate(lon, 180.0))
            if None in point:  # "nan"
                point = (None, None)
            communes.append(
                Commune(
                    insee=intern(insee),  # shared with the campaign index
                    name=name,
                    postcodes=postcode_sets.setdefault(
                        postcodes, tuple(map(intern, postcodes.split()))
                    ),
                    department=intern(department),
                    region=intern(region),
                    population=int(population or 0),
                    lat=point[0],
                    lon=point[1],
                )
            )
    return communes


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL), math.floor(lon / _CELL)


class _Neighbourhood:
    """The placed communes on a grid of cells, to find those around a point."""

    def __init__(self, communes: list[Commune]) -> None:
        self.placed = [c for c in communes if c.lat is not None and c.lon is not None]
        self.cells: defaultdict[tuple[int, int], list[Commune]] = defaultdict(list)
        self.departments: defaultdict[str, list[Commune]] = defaultdict(list)
        for commune in self.placed:
            self.cells[_cell(commune.lat, commune.lon)].append(commune)  # type: ignore[arg-type]
            self.departments[commune.department].append(commune)
        self.middles: dict[str, tuple[float, float]] = {
            department: (
                statistics.median(c.lat for c in members if c.lat is not None),
                statistics.median(c.lon for c in members if c.lon is not None),
            )
            for department, members in self.departments.items()
        }

    def has_own_department_near(self, commune: Commune, lat: float, lon: float) -> bool:
        """Whether another point of the commune's département is within OWN_DEPARTMENT_KM
        (the cells within 2 of the point's reach at least 14 km); the common case, made quick."""
        row, col = _cell(lat, lon)
        for r, k in sorted(
            ((r, k) for r in range(row - 2, row + 3) for k in range(col - 2, col + 3)),
            key=lambda cell: abs(cell[0] - row) + abs(cell[1] - col),
        ):
            for c in self.cells.get((r, k), ()):
                if c.department == commune.department and c.insee != commune.insee:
                    km = haversine_km(lat, lon, c.lat, c.lon)  # type: ignore[arg-type]
                    if 0 < km <= OWN_DEPARTMENT_KM:
                        return True
        return False

    def around(self, lat: float, lon: float, rings: int) -> list[tuple[float, Commune]]:
        """The communes of the cells within `rings` of the point's, nearest first."""
        row, col = _cell(lat, lon)
        found = [
            (haversine_km(lat, lon, c.lat, c.lon), c)  # type: ignore[arg-type]
            for r in range(row - rings, row + rings + 1)
            for k in range(col - rings, col + rings + 1)
            for c in self.cells.get((r, k), ())
        ]
        found.sort(key=lambda pair: pair[0])
        return found


def _misplaced(commune: Commune, near: _Neighbourhood) -> bool:
    lat, lon = commune.lat, commune.lon
    assert lat is not None and lon is not None
    if near.has_own_department_near(commune, lat, lon):
        return False
    if haversine_km(lat, lon, *near.middles[commune.department]) > FAR_FROM_DEPARTMENT_KM:
        return True  # a longitude's sign flipped, the latitude copied into the longitude
    around = [(km, c) for km, c in near.around(lat, lon, 2) if km > 0]
    own = [
        haversine_km(lat, lon, c.lat, c.lon)  # type: ignore[arg-type]
        for c in near.departments[commune.department]
        if (c.lat, c.lon) != (lat, lon)
    ]
    if not own:  # Paris: the only commune of its département
        return False
    other = [km for km, c in around if c.department != commune.department]
    return bool(other) and min(own) > 2 * other[0]


def _losing_sharers(group: list[Commune], near: _Neighbourhood) -> set[str]:
    """Of communes given one point, those whose postcodes its surroundings share less."""
    lat, lon = group[0].lat, group[0].lon
    assert lat is not None and lon is not None
    insees = {c.insee for c in group}
    around = [c for _, c in near.around(lat, lon, 1) if c.insee not in insees][:NEIGHBOURS]
    scores = {c.insee: sum(1 for n in around if set(n.postcodes) & set(c.postcodes)) for c in group}
    best = max(scores.values())
    return {insee for insee, score in scores.items() if score < best}


def withdraw_doubtful_points(communes: list[Commune]) -> list[Commune]:
    """The communes, without the points that lie in another département or that a commune
    shares with a neighbour whose surroundings' postcodes match it better."""
    near = _Neighbourhood(communes)
    sharing: defaultdict[tuple[float | None, float | None], list[Commune]] = defaultdict(list)
    for commune in near.placed:
        sharing[commune.lat, commune.lon].append(commune)
    withdrawn = {c.insee for c in near.placed if _misplaced(c, near)}
    for group in sharing.values():
        if len(group) > 1:
            withdrawn |= _losing_sharers(group, near)
    return [replace(c, lat=None, lon=None) if c.insee in withdrawn else c for c in communes]
