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
    assert gazetteer.point_for(commune) == (49.11624, -1.09031)


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
    commune = gazetteer.by_insee("01001")
    assert commune is not None
    assert commune.name == "L'Abergement-Clémenciat"
    assert not commune.has_point
    assert gazetteer.point_for(commune) is None


def test_postcode_point_borrowed_from_a_commune_sharing_it(gazetteer: Gazetteer) -> None:
    # 01200: Valserhône (the most populous) has no point; Éloise (74) shares the postcode.
    valserhone = gazetteer.by_postcode("01200")[0]
    assert (valserhone.name, valserhone.has_point) == ("Valserhône", False)
    assert gazetteer.point_for_postcode("01200") == (46.08032, 5.86061)
    assert gazetteer.point_for_postcode("50000") == (49.11624, -1.09031)
    assert gazetteer.point_for_postcode("00000") is None


def test_point_shared_by_homonyms_kept_only_where_it_lies(gazetteer: Gazetteer) -> None:
    # The data gave Mulhausen (67) the point of Mulhouse (68), and Ossun the one of Ossen.
    mulhouse, mulhausen = gazetteer.by_insee("68224"), gazetteer.by_insee("67307")
    assert mulhouse is not None and mulhouse.has_point
    assert mulhausen is not None and not mulhausen.has_point
    ossen, ossun = gazetteer.by_insee("65343"), gazetteer.by_insee("65344")
    assert ossen is not None and not ossen.has_point
    assert ossun is not None and not ossun.has_point


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
    assert sum(1 for c in gazetteer if c.has_point) > 13_000
