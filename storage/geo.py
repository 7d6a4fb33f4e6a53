"""Geometry of the stored points: distances on the sphere, and the grid of cells that the
campaigns' `cell` column (migration 0003) and the in-memory index are laid on."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0  # of latitude: about 111.2 km


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def lon_scale(lat: float) -> float:
    """Shrink factor of a degree of longitude at `lat`, for the equirectangular approximation."""
    return math.cos(math.radians(lat))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box containing the circle of `radius_km`.

    The box is a cheap pre-filter (an index range in SQL); exact distances are checked after it.
    """
    dlat = radius_km / KM_PER_DEGREE
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # Use the latitude of the box edge nearest to a pole, where a degree of longitude is shortest,
    # so the box never cuts the circle off.
    scale = lon_scale(max(abs(min_lat), abs(max_lat)))
    if scale < 1e-9:
        return min_lat, max_lat, -180.0, 180.0
    dlon = min(180.0, radius_km / (KM_PER_DEGREE * scale))
    return min_lat, max_lat, lon - dlon, lon + dlon


# A grid of 0.1° cells (about 11 km × 7.5 km in France) lets a nearby query read only the few
# campaigns of the cells around a point, through an index, instead of a whole band of latitude.
CELL_DEGREES = 0.1
CELL_COLUMNS = 4000  # more than the 3,600 columns of 0.1° around the world


def cell_of(lat: float, lon: float) -> int:
    row = int((lat + 90.0) / CELL_DEGREES)
    column = int((lon + 180.0) / CELL_DEGREES)
    return row * CELL_COLUMNS + column


def cell_span(lat: float, lon: float, radius_km: float) -> tuple[range, range]:
    """The rows and the columns of the cells that the bounding box of a circle touches."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    first_row, first_column = divmod(cell_of(min_lat, min_lon), CELL_COLUMNS)
    last_row, last_column = divmod(cell_of(max_lat, max_lon), CELL_COLUMNS)
    return range(first_row, last_row + 1), range(first_column, last_column + 1)


def cells_around(lat: float, lon: float, radius_km: float) -> list[int]:
    """The cells that the bounding box of a circle touches."""
    rows, columns = cell_span(lat, lon, radius_km)
    return [row * CELL_COLUMNS + column for row in rows for column in columns]
