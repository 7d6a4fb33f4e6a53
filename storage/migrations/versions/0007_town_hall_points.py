"""residents and campaigns placed from a commune move to its town hall's point

The communes file now gives each commune its town hall's point, where the earlier one gave a
GeoNames point matched by name (sometimes tens of kilometres off). A resident who typed their
commune was stored at the commune's point rounded to 0.01° (bot.domain.geo.round_location), with
its INSEE code; a campaign imported with a commune or a postcode but no lat/lon, at the
commune's point itself. Such a row, one whose point is still the old point of its commune (rounded
as stored), moves to the new point. A point of its own (a shared location, a row's lat/lon) is a
different value and stays; so does a row whose commune has no sound new point.

`storage/data/commune_points_0007.csv` holds, for each commune whose point changed, its old and
new points (generated once from the two files), so that this migration does not depend on the
gazetteer's current file or code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:30:00
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVES_PATH = Path(__file__).resolve().parents[2] / "data" / "commune_points_0007.csv"
USER_DECIMALS = 2  # bot.domain.geo.ROUNDING_DECIMALS when this migration was written

Point = tuple[float, float]


def _moves() -> dict[str, tuple[Point, Point]]:
    with MOVES_PATH.open(encoding="utf-8", newline="") as handle:
        return {
            row["insee"]: (
                (float(row["old_lat"]), float(row["old_lon"])),
                (float(row["lat"]), float(row["lon"])),
            )
            for row in csv.DictReader(handle)
        }


def _rounded(point: Point) -> Point:
    return round(point[0], USER_DECIMALS), round(point[1], USER_DECIMALS)


def _cell(lat: float, lon: float) -> int:
    # The same arithmetic as storage.geo.cell_of (and migration 0003).
    return int((lat + 90.0) / 0.1) * 4000 + int((lon + 180.0) / 0.1)


def _placed_rows(table: str) -> list[tuple[int, str, float, float]]:
    rows = op.get_bind().execute(
        sa.text(
            f"SELECT id, commune_insee, lat, lon FROM {table}"
            " WHERE commune_insee IS NOT NULL AND lat IS NOT NULL AND lon IS NOT NULL"
        )
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def upgrade() -> None:
    moves = _moves()
    users = []
    for user_id, insee, lat, lon in _placed_rows("users"):
        move = moves.get(insee)
        if move is not None and (lat, lon) == _rounded(move[0]):
            new_lat, new_lon = _rounded(move[1])
            users.append({"id": user_id, "lat": new_lat, "lon": new_lon})
    campaigns = []
    for campaign_id, insee, lat, lon in _placed_rows("campaigns"):
        move = moves.get(insee)
        if move is not None and (lat, lon) == move[0]:
            new_lat, new_lon = move[1]
            cell = _cell(new_lat, new_lon)
            campaigns.append({"id": campaign_id, "lat": new_lat, "lon": new_lon, "cell": cell})
    bind = op.get_bind()
    if users:
        bind.execute(sa.text("UPDATE users SET lat = :lat, lon = :lon WHERE id = :id"), users)
    if campaigns:
        bind.execute(
            sa.text("UPDATE campaigns SET lat = :lat, lon = :lon, cell = :cell WHERE id = :id"),
            campaigns,
        )


def downgrade() -> None:
    # The old points are not restored: they were the wrong ones.
    pass
