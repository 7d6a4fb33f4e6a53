"""The campaigns' list fields in memory, on a grid of cells, for /nearby without a database trip.

Columns are kept in arrays (one slot per campaign) rather than one object per campaign: 50,000
campaigns take about 17 MB. A page reads the cells nearest the point first and stops at the
first cell farther than enough campaigns already found. The order and the distances are those
of the SQL query (storage.repo.campaigns.nearby), computed with the same arithmetic; a test
holds them equal.
Kept in step with the database by bot.readmodels.sync.
"""

from array import array
from collections.abc import Iterable
from datetime import UTC, datetime
from sys import intern
from typing import Any

from bot.domain.campaigns import Status
from storage.geo import (
    CELL_COLUMNS,
    CELL_DEGREES,
    KM_PER_DEGREE,
    cell_of,
    cell_span,
    haversine_km,
    lon_scale,
)
from storage.repo.campaigns import ListItem, Page

EDGE_SLACK = 1e-6  # degrees, about 0.1 m


def _gap(value: float, low: float) -> float:
    """How far `value` lies outside [low, low + CELL_DEGREES] (widened by EDGE_SLACK)."""
    if value < low - EDGE_SLACK:
        return low - EDGE_SLACK - value
    high = low + CELL_DEGREES + EDGE_SLACK
    return value - high if value > high else 0.0


class CampaignIndex:
    def __init__(self) -> None:
        self._slot_of: dict[int, int] = {}
        self._free: list[int] = []
        self._cells: dict[int, list[int]] = {}
        self._id = array("q")
        self._lat = array("d")
        self._lon = array("d")
        self._starts = array("d")  # POSIX timestamps
        self._ends = array("d")
        self._goal = array("q")
        self._raised = array("q")
        self._title: list[bytes] = []  # UTF-8: half the memory of accented str
        self._insee: list[str | None] = []
        self._category: list[str] = []
        self.version = 0  # moves at every change: what was computed before may be stale

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, campaign_id: object) -> bool:
        return campaign_id in self._slot_of

    def put(self, row: Iterable[Any]) -> None:
        """Add or replace a campaign, from a row of storage.repo.revisions.INDEX_COLUMNS."""
        campaign_id, title, insee, lat, lon, goal, raised, starts, ends, category = row
        self.version += 1
        slot = self._slot_of.get(campaign_id)
        if slot is None:
            slot = self._new_slot()
            self._slot_of[campaign_id] = slot
        else:
            self._leave_cell(slot)
        self._id[slot] = campaign_id
        self._lat[slot], self._lon[slot] = lat, lon
        self._starts[slot], self._ends[slot] = starts.timestamp(), ends.timestamp()
        self._goal[slot], self._raised[slot] = goal, raised
        self._title[slot] = title.encode()
        self._insee[slot] = intern(insee) if insee else None
        self._category[slot] = intern(category)
        self._cells.setdefault(cell_of(lat, lon), []).append(slot)

    def remove(self, campaign_id: int) -> None:
        slot = self._slot_of.pop(campaign_id, None)
        if slot is not None:
            self.version += 1
            self._leave_cell(slot)
            self._title[slot] = b""
            self._free.append(slot)

    def keep_only(self, campaign_ids: set[int]) -> None:
        """Drop the campaigns that are no longer in the database."""
        for campaign_id in [cid for cid in self._slot_of if cid not in campaign_ids]:
            self.remove(campaign_id)

    def nearby_until(
        self,
        *,
        lat: float,
        lon: float,
        radius_km: float,
        now: datetime,
        statuses: Iterable[Status],
        category: str | None = None,
        offset: int = 0,
        limit: int = 5,
    ) -> tuple[Page, float]:
        """The page, and until when it holds if no campaign changes (`version`): the first
        start or end to come among the campaigns near enough to be on it."""
        wanted = frozenset(statuses)
        upcoming, live, ended = (s in wanted for s in (Status.UPCOMING, Status.LIVE, Status.ENDED))
        now_ts = now.timestamp()
        scale = lon_scale(lat)
        max_sq = (radius_km / KM_PER_DEGREE) ** 2
        lats, lons, starts, ends = self._lat, self._lon, self._starts, self._ends
        categories, ids = self._category, self._id
        wanted_count = offset + limit + 1
        hits: list[tuple[float, int, int]] = []
        until = float("inf")
        worst = max_sq  # the farthest a hit may be: the radius, then the k-th nearest so far
        for cell_sq, cell in self._cells_by_distance(lat, lon, radius_km, scale, max_sq):
            if cell_sq > worst:
                break  # this cell and the ones after it are farther than enough hits
            for slot in self._cells[cell]:
                dlat = lats[slot] - lat
                dlon = (lons[slot] - lon) * scale
                sq_distance = dlat * dlat + dlon * dlon
                if sq_distance > worst:
                    continue
                if category is not None and categories[slot] != category:
                    continue
                ends_at = ends[slot]
                if ends_at <= now_ts:
                    if not ended:
                        continue
                else:
                    starts_at = starts[slot]
                    change = starts_at if starts_at > now_ts else ends_at
                    if change < until:
                        until = change  # it starts or ends: the page may change then
                    if not (live if starts_at <= now_ts else upcoming):
                        continue
                hits.append((sq_distance, ids[slot], slot))
            if len(hits) >= wanted_count:
                hits.sort()
                del hits[wanted_count:]
                worst = hits[-1][0]
        hits.sort()
        page = hits[offset : offset + limit + 1]
        items = [self._item(slot, lat, lon) for _, _, slot in page[:limit]]
        return Page(items, len(page) > limit), until

    def _cells_by_distance(
        self, lat: float, lon: float, radius_km: float, scale: float, max_sq: float
    ) -> list[tuple[float, int]]:
        """The non-empty cells that reach into the circle, nearest first, with the squared
        distance (in the query's scaled degrees) from the point to the nearest edge of each."""
        rows, columns = cell_span(lat, lon, radius_km)
        # A hair wider than a cell, so that rounding never leaves a campaign outside its cell.
        row_sq = [(row, _gap(lat, row * CELL_DEGREES - 90.0) ** 2) for row in rows]
        column_sq = [
            (column, (_gap(lon, column * CELL_DEGREES - 180.0) * scale) ** 2) for column in columns
        ]
        cells = self._cells
        found = [
            (dlat_sq + dlon_sq, cell)
            for row, dlat_sq in row_sq
            for column, dlon_sq in column_sq
            if dlat_sq + dlon_sq <= max_sq and (cell := row * CELL_COLUMNS + column) in cells
        ]
        found.sort()
        return found

    def _item(self, slot: int, lat: float, lon: float) -> ListItem:
        item_lat, item_lon = self._lat[slot], self._lon[slot]
        return ListItem(  # positional: the fields' order
            self._id[slot],
            self._title[slot].decode(),
            self._insee[slot],
            item_lat,
            item_lon,
            self._goal[slot],
            self._raised[slot],
            datetime.fromtimestamp(self._starts[slot], UTC),
            datetime.fromtimestamp(self._ends[slot], UTC),
            haversine_km(lat, lon, item_lat, item_lon),
        )

    def _new_slot(self) -> int:
        if self._free:
            return self._free.pop()
        for ints in (self._id, self._goal, self._raised):
            ints.append(0)
        for floats in (self._lat, self._lon, self._starts, self._ends):
            floats.append(0.0)
        self._title.append(b"")
        self._insee.append(None)
        self._category.append("")
        return len(self._id) - 1

    def _leave_cell(self, slot: int) -> None:
        cell = cell_of(self._lat[slot], self._lon[slot])
        slots = self._cells[cell]
        slots.remove(slot)
        if not slots:
            del self._cells[cell]
