"""Distances, boxes and privacy rounding."""

import math

import pytest

from bot.domain.geo import round_location
from storage.geo import bounding_box, haversine_km, lon_scale

SAINT_LO = (49.11624, -1.09031)
TOURS = (47.39484, 0.70398)


def test_haversine_saint_lo_to_tours() -> None:
    assert haversine_km(*SAINT_LO, *TOURS) == pytest.approx(233.0, abs=1.0)
    assert haversine_km(*TOURS, *SAINT_LO) == pytest.approx(haversine_km(*SAINT_LO, *TOURS))


def test_haversine_paris_to_marseille() -> None:
    assert haversine_km(48.85341, 2.3488, 43.29695, 5.38107) == pytest.approx(660.5, abs=1.0)


def test_haversine_same_point_and_one_degree_of_latitude() -> None:
    assert haversine_km(*SAINT_LO, *SAINT_LO) == 0.0
    assert haversine_km(45.0, 3.0, 46.0, 3.0) == pytest.approx(111.2, abs=0.1)


def test_lon_scale() -> None:
    assert lon_scale(0.0) == 1.0
    assert lon_scale(60.0) == pytest.approx(0.5)
    assert lon_scale(-60.0) == pytest.approx(0.5)


@pytest.mark.parametrize("radius_km", [1.0, 10.0, 50.0])
def test_bounding_box_contains_the_circle(radius_km: float) -> None:
    lat, lon = SAINT_LO
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    assert min_lat < lat < max_lat and min_lon < lon < max_lon
    for bearing in range(0, 360, 15):
        # A point just inside the circle, moved along `bearing` on the local tangent plane.
        dlat = 0.999 * radius_km / 111.195 * math.cos(math.radians(bearing))
        dlon = 0.999 * radius_km / (111.195 * lon_scale(lat)) * math.sin(math.radians(bearing))
        if haversine_km(lat, lon, lat + dlat, lon + dlon) <= radius_km:
            assert min_lat <= lat + dlat <= max_lat
            assert min_lon <= lon + dlon <= max_lon
    # ... and is not much larger than it.
    assert haversine_km(min_lat, lon, max_lat, lon) == pytest.approx(2 * radius_km, rel=1e-3)
    assert haversine_km(lat, min_lon, lat, max_lon) < 2.1 * radius_km


def test_bounding_box_near_the_pole_covers_every_longitude() -> None:
    assert bounding_box(89.99, 0.0, 50.0)[2:] == (-180.0, 180.0)


def test_round_location_to_about_a_kilometre() -> None:
    assert round_location(49.116243, -1.090312) == (49.12, -1.09)
    lat, lon = round_location(*SAINT_LO)
    assert haversine_km(lat, lon, *SAINT_LO) < 1.0
