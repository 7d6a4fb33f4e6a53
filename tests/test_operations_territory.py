"""An operation's territory read from INSEE codes, on the real gazetteer."""

import pytest

from bot.domain import territory
from bot.domain.gazetteer import Gazetteer
from bot.domain.territory import COMMUNE, DEPARTMENT, REGION, Area, Problem

CENTRE_VAL_DE_LOIRE = Area(REGION, "24")
INDRE_ET_LOIRE = Area(DEPARTMENT, "37")
TOURS = Area(COMMUNE, "37261")
SAINT_LO = "50502"


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("R24 37 37261", (CENTRE_VAL_DE_LOIRE, INDRE_ET_LOIRE, TOURS)),
        ("région: 24, dep 37; c 37261", (CENTRE_VAL_DE_LOIRE, INDRE_ET_LOIRE, TOURS)),
        ("r:24 r24 Region 24", (CENTRE_VAL_DE_LOIRE,)),  # said thrice, kept once
        ("24", (Area(DEPARTMENT, "24"),)),  # a bare code is a département (Dordogne)
        ("2a 2B 971", (Area(DEPARTMENT, "2A"), Area(DEPARTMENT, "2B"), Area(DEPARTMENT, "971"))),
        ("2a004", (Area(COMMUNE, "2A004"),)),
        ("1", (Area(DEPARTMENT, "01"),)),  # a spreadsheet's "01"
        ("D50", (Area(DEPARTMENT, "50"),)),
    ],
)
def test_parse_reads_each_level(gazetteer: Gazetteer, text: str, areas: tuple[Area, ...]) -> None:
    parsed = territory.parse(text, gazetteer)
    assert parsed.areas == areas
    assert parsed.problems == ()
    assert parsed.ok


def test_parse_lists_every_problem(gazetteer: Gazetteer) -> None:
    parsed = territory.parse("XX 99 12345 R99 37", gazetteer)
    assert parsed.areas == (INDRE_ET_LOIRE,)
    assert parsed.problems == (
        Problem("XX", territory.MALFORMED),
        Problem("99", territory.UNKNOWN_DEPARTMENT),
        Problem("12345", territory.UNKNOWN_COMMUNE),
        Problem("R99", territory.UNKNOWN_REGION),
    )
    assert not parsed.ok


def test_nothing_typed_is_a_problem(gazetteer: Gazetteer) -> None:
    parsed = territory.parse(" , ; ", gazetteer)
    assert parsed.problems == (Problem("", territory.EMPTY),)
    assert not parsed.ok


def test_from_levels_reads_a_files_mapping(gazetteer: Gazetteer) -> None:
    parsed = territory.from_levels(
        {"régions": ["24"], "departments": ["37", 50], "commune": ["37261"]}, gazetteer
    )
    assert parsed.areas == (CENTRE_VAL_DE_LOIRE, INDRE_ET_LOIRE, Area(DEPARTMENT, "50"), TOURS)
    assert parsed.ok


def test_from_levels_refuses_an_unknown_level_and_code(gazetteer: Gazetteer) -> None:
    parsed = territory.from_levels({"cantons": ["3701"], "regions": ["37"]}, gazetteer)
    assert parsed.areas == ()
    assert parsed.problems == (
        Problem("cantons", territory.MALFORMED),
        Problem("37", territory.UNKNOWN_REGION),
    )


def test_contains_by_region_department_and_commune(gazetteer: Gazetteer) -> None:
    tours, saint_lo, ajaccio = (gazetteer.by_insee(c) for c in ("37261", SAINT_LO, "2A004"))
    assert tours and saint_lo and ajaccio
    assert territory.contains([CENTRE_VAL_DE_LOIRE], tours)
    assert not territory.contains([CENTRE_VAL_DE_LOIRE], saint_lo)
    assert territory.contains([Area(DEPARTMENT, "50")], saint_lo)
    assert territory.contains([Area(DEPARTMENT, "2A")], ajaccio)
    assert territory.contains([Area(COMMUNE, SAINT_LO), INDRE_ET_LOIRE], saint_lo)
    assert not territory.contains([TOURS], saint_lo)
    assert not territory.contains([], tours)


def test_communes_in_matches_contains(gazetteer: Gazetteer) -> None:
    areas = [INDRE_ET_LOIRE, Area(COMMUNE, SAINT_LO)]
    codes = territory.communes_in(areas, gazetteer)
    expected = {c.insee for c in gazetteer if c.department == "37"} | {SAINT_LO}
    assert codes == expected
    assert len(codes) > 200
    region = territory.communes_in([CENTRE_VAL_DE_LOIRE], gazetteer)
    assert codes - {SAINT_LO} < region
    assert territory.communes_in([TOURS, Area(COMMUNE, "99999")], gazetteer) == {"37261"}


def test_describe_names_regions_first(gazetteer: Gazetteer) -> None:
    areas = [TOURS, Area(DEPARTMENT, "50"), CENTRE_VAL_DE_LOIRE]
    assert territory.describe(areas, gazetteer) == (
        "Centre-Val de Loire, Manche (50), Tours (37261)"
    )
    assert territory.describe([Area(REGION, "24"), Area(DEPARTMENT, "24")], gazetteer) == (
        "Centre-Val de Loire, Dordogne (24)"
    )


def test_as_text_reads_back_the_same(gazetteer: Gazetteer) -> None:
    areas = (CENTRE_VAL_DE_LOIRE, Area(DEPARTMENT, "2A"), TOURS)
    text = territory.as_text(areas)
    assert text == "R24 2A 37261"
    assert territory.parse(text, gazetteer).areas == areas
