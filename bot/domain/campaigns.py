"""Campaign rules with no Telegram and no SQL in them: status from dates, list filters."""

from datetime import datetime

from storage.models import Category, Status

__all__ = ["Status", "status_at", "wider_radius"]


def status_at(starts_at: datetime, ends_at: datetime, now: datetime) -> Status:
    if now < starts_at:
        return Status.UPCOMING
    if now < ends_at:
        return Status.LIVE
    return Status.ENDED


# Status filters offered in lists, by their short code in callback data.
STATUS_FILTERS: dict[str, frozenset[Status]] = {
    "lu": frozenset({Status.LIVE, Status.UPCOMING}),
    "l": frozenset({Status.LIVE}),
    "u": frozenset({Status.UPCOMING}),
    "e": frozenset({Status.ENDED}),
    "a": frozenset(Status),
}
DEFAULT_STATUS_FILTER = "lu"

# Category filters by their code in callback data; "*" means every category.
CATEGORY_FILTERS: tuple[str, ...] = ("*", *(category.value for category in Category))
RADII_KM: tuple[int, ...] = (5, 10, 25, 50)


def wider_radius(radius_km: int) -> int | None:
    """The next radius offered when nothing was found, or None at the widest."""
    wider = [radius for radius in RADII_KM if radius > radius_km]
    return wider[0] if wider else None
