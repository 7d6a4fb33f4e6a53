"""Where residents are: a shared location is rounded before it is stored.

The geometry itself (distances, boxes, the grid of cells) is storage.geo's: the database and the
in-memory index are laid out by it.
"""

# Two decimals of a degree is 0.01° ≈ 1.1 km in latitude (and less in longitude, ≈ 0.73 km at
# Paris). That is coarse enough not to reveal a home address, and fine enough to find the nearest
# projects within a few kilometres, so it is what we store for shared locations.
ROUNDING_DECIMALS = 2


def round_location(lat: float, lon: float) -> tuple[float, float]:
    """Round a shared location to about 1 km (see ROUNDING_DECIMALS) before storing it."""
    return round(lat, ROUNDING_DECIMALS), round(lon, ROUNDING_DECIMALS)
