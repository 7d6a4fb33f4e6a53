"""The communes gazetteer on the real data file shipped in storage/data."""

import random

import pytest

from bot.domain.gazetteer import Gazetteer, normalise
from storage.geo import haversine_km

SAINT_LO = "50502"
TOURS = "37261"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ST-LÔ", "saint lo"),
        ("Saint-Lô", "saint lo"),
        ("Ste-Mère-Église", "sainte mere eglise"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("L'Abergement-Clémenciat", "l abergement clemenciat"),
        ("Œuilly", "oeuilly"),
        ("  Le   Mans ", "le mans"),
        ("st._etienne", "saint etienne"),
        ("Bors (Canton de Tude-et-Lavalette)", "bors canton de tude et lavalette"),
        ("Pierrefitte-Nestalas", "pierrefitte nestalas"),  # "st" inside a word stays
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("query", ["saint lo", "ST-LÔ", "Saint-Lô", "50000", "50502"])
def test_search_finds_saint_lo(gazetteer: Gazetteer, query: str) -> None:
    result = gazetteer.search(query)
    assert result.matches[0].insee == SAINT_LO
    assert result.suggestions == []


def test_saint_lo_record(gazetteer: Gazetteer) -> None:
    commune = gazetteer.by_insee(SAINT_LO)
    assert commune is not None
    assert (commune.name, commune.postcodes, commune.department) == ("Saint-Lô", ("50000",), "50")
    assert commune.has_point
    assert gazetteer.point_for(commune) == (49.11519, -1.09187)


def test_postcode_lists_every_commune_most_populous_first(gazetteer: Gazetteer) -> None:
    communes = gazetteer.by_postcode("50000")
    assert [c.insee for c in communes][:2] == [SAINT_LO, "50475"]
    assert len(communes) == 5
    populations = [c.population for c in communes]
    assert populations == sorted(populations, reverse=True)


def test_postcode_37000_is_tours(gazetteer: Gazetteer) -> None:
    assert [c.insee for c in gazetteer.by_postcode("37000")] == [TOURS]
    assert [c.name for c in gazetteer.search("37000").matches] == ["Tours"]


def test_corsican_insee_code(gazetteer: Gazetteer) -> None:
    assert [c.name for c in gazetteer.search("2A004").matches] == ["Ajaccio"]
    assert [c.name for c in gazetteer.search("2a004").matches] == ["Ajaccio"]


def test_homonyms_all_returned_most_populous_first_capped(gazetteer: Gazetteer) -> None:
    all_of_them = gazetteer.search("Sainte-Marie", limit=20).matches
    assert len(all_of_them) == 9
    assert len({c.department for c in all_of_them}) == 9
    assert [c.population for c in all_of_them][:3] == [37093, 14756, 2247]
    assert gazetteer.search("sainte marie", limit=3).matches == all_of_them[:3]


def test_disambiguated_names_found_by_their_plain_name(gazetteer: Gazetteer) -> None:
    assert {c.name for c in gazetteer.search("Château-Chinon").matches} == {
        "Château-Chinon (Ville)",
        "Château-Chinon (Campagne)",
    }
    assert len(gazetteer.search("bors").matches) == 2
    assert [c.insee for c in gazetteer.search("Château-Chinon (Ville)").matches] == ["58062"]


def test_typo_suggests_the_town(gazetteer: Gazetteer) -> None:
    result = gazetteer.search("Toursz")
    assert result.matches == []
    assert result.suggestions[0].insee == TOURS
    assert "Strasbourg" in [c.name for c in gazetteer.search("Strasbourgg").suggestions]
    assert gazetteer.search("marseile").suggestions[0].name == "Marseille"


def test_prefix_suggestions_are_the_most_populous(gazetteer: Gazetteer) -> None:
    result = gazetteer.search("tou", limit=3)
    assert result.matches == []
    assert [c.name for c in result.suggestions] == ["Toulouse", "Toulon", "Tours"]


def test_nonsense_finds_nothing(gazetteer: Gazetteer) -> None:
    result = gazetteer.search("zzzzqqq")
    assert (result.matches, result.suggestions) == ([], [])
    assert gazetteer.search("   ").matches == []
    assert gazetteer.search("99999").matches == []


def test_commune_without_point(gazetteer: Gazetteer) -> None:
    # Merged into Neussargues en Pinatelle since: the file has no town hall for it.
    commune = gazetteer.by_insee("15035")
    assert commune is not None
    assert not commune.has_point
    assert gazetteer.point_for(commune) is None
    assert gazetteer.point_for_postcode("00000") is None


@pytest.mark.parametrize(
    ("name", "postcode", "insee", "department"),
    [
        ("Vire Normandie", "14500", "14762", "14"),
        ("Évry-Courcouronnes", "91000", "91228", "91"),
        ("Saint-Denis", "97400", "97411", "974"),
        ("Mamoudzou", "97600", "97611", "976"),
    ],
)
def test_found_by_name_and_postcode_with_a_point(
    gazetteer: Gazetteer, name: str, postcode: str, insee: str, department: str
) -> None:
    by_name = gazetteer.search(name).matches[0]
    by_postcode = gazetteer.search(postcode).matches[0]
    assert by_name == by_postcode
    assert (by_name.insee, by_name.department) == (insee, department)
    point = gazetteer.point_for(by_name)
    assert point is not None and gazetteer.point_for_postcode(postcode) == point
    assert gazetteer.nearest(*point) == by_name


@pytest.mark.parametrize(
    ("insee", "why"),
    [
        ("42084", "nan"),
        ("57073", "the latitude twice"),
        ("97102", "longitude sign flipped"),
        ("76720", "a town hall in the Gers"),
        ("01173", "Gex given Vénissieux's point"),
    ],
)
def test_doubtful_points_are_withdrawn(gazetteer: Gazetteer, insee: str, why: str) -> None:
    commune = gazetteer.by_insee(insee)
    assert commune is not None and not commune.has_point, why


def test_a_shared_point_stays_with_the_commune_it_belongs_to(gazetteer: Gazetteer) -> None:
    trevoux, villette = gazetteer.by_insee("01427"), gazetteer.by_insee("01449")
    assert trevoux is not None and trevoux.has_point
    assert villette is not None and not villette.has_point
    venissieux = gazetteer.by_insee("69259")
    assert venissieux is not None and venissieux.has_point


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (49.116, -1.090),  # Saint-Lô
        (45.8326, 6.8652),  # Mont Blanc
        (42.35, 9.15),  # Corsica's mountains
        (3.6444, -54.0338),  # Maripasoula
        (2.15, -54.55),  # Guyane's southern tip
        (-21.10, 55.48),  # La Réunion: Piton des Neiges
        (-12.78, 45.23),  # Mayotte
        (16.25, -61.55),  # Guadeloupe
        (14.64, -61.02),  # Martinique
    ],
)
def test_points_of_france(gazetteer: Gazetteer, lat: float, lon: float) -> None:
    assert gazetteer.in_france(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(0.0, 0.0), (-33.87, 151.21), (51.5, -0.13), (40.42, -3.70), (46.0, -8.0), (90.0, 0.0)],
)
def test_points_outside_france(gazetteer: Gazetteer, lat: float, lon: float) -> None:
    assert not gazetteer.in_france(lat, lon)


def test_nearest_names_the_place(gazetteer: Gazetteer) -> None:
    commune = gazetteer.nearest(49.116, -1.090)
    assert commune is not None and commune.insee == SAINT_LO
    commune = gazetteer.nearest(47.3948, 0.7040)
    assert commune is not None and commune.insee == TOURS


def test_nearest_agrees_with_a_full_scan(gazetteer: Gazetteer) -> None:
    points = [(c.lat, c.lon) for c in gazetteer if c.lat is not None and c.lon is not None]
    rng = random.Random(7)
    queries = [(rng.uniform(42.0, 51.0), rng.uniform(-5.0, 8.0)) for _ in range(60)]
    queries += [(46.0, -8.0), (16.25, -61.55), (-21.1, 55.5)]  # Atlantic, Guadeloupe, Réunion
    for lat, lon in queries:
        best_km = min(haversine_km(lat, lon, *point) for point in points)
        found = gazetteer.nearest(lat, lon)
        assert found is not None and found.lat is not None and found.lon is not None
        assert haversine_km(lat, lon, found.lat, found.lon) == pytest.approx(best_km)


def test_division_names(gazetteer: Gazetteer) -> None:
    assert gazetteer.department_name("50") == "Manche"
    assert gazetteer.department_name("2A") == "Corse-du-Sud"
    assert gazetteer.region_name("28") == "Normandie"
    assert gazetteer.region_name("24") == "Centre-Val de Loire"
    assert gazetteer.department_name("00") is None


def test_size(gazetteer: Gazetteer) -> None:
    assert len(gazetteer) == 34969
    # All but the 94 overseas collectivities' rows, 3 merged communes and the withdrawn points.
    assert sum(1 for c in gazetteer if c.has_point) > 34_600
