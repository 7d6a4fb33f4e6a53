"""An operation's fields checked without a bot: days on the local calendar, their order, texts,
links, and the YAML/JSON file read into them (the sample in docs/ included)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain import operations as fields
from bot.domain.gazetteer import Gazetteer
from bot.domain.operations import FieldProblem, check_text, from_mapping, parse_day, stored_date
from bot.domain.territory import Area
from bot.imports.operation_file import OperationFileError, is_operation_file, read_operation_file

TZ = "Europe/Paris"
SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "operation.sample.yaml"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31/01/2027", date(2027, 1, 31)),
        ("1/2/2027", date(2027, 2, 1)),
        ("31.01.2027", date(2027, 1, 31)),
        (" 2027-01-31 ", date(2027, 1, 31)),
        ("31/02/2027", None),  # no such day
        ("2027/01/31", None),
        ("31 janvier 2027", None),
        ("", None),
    ],
)
def test_parse_day(text: str, day: date | None) -> None:
    assert parse_day(text) == day


def test_days_are_stored_as_local_starts_and_ends() -> None:
    winter, summer = date(2027, 1, 31), date(2027, 7, 14)
    assert stored_date(fields.CALL_OPENS, winter, TZ) == datetime(2027, 1, 30, 23, 0, tzinfo=UTC)
    assert stored_date(fields.LAUNCH, summer, TZ) == datetime(2027, 7, 13, 22, 0, tzinfo=UTC)
    assert stored_date(fields.CALL_CLOSES, winter, TZ) == datetime(2027, 1, 31, 22, 59, tzinfo=UTC)
    assert stored_date(fields.ENDS, summer, TZ) == datetime(2027, 7, 14, 21, 59, tzinfo=UTC)


def dates(opens: date, closes: date, launch: date, ends: date) -> dict[str, datetime | None]:
    days = dict(zip(fields.DATES, (opens, closes, launch, ends), strict=True))
    return {name: stored_date(name, day, TZ) for name, day in days.items()}


def test_order_on_days() -> None:
    day = date(2027, 2, 5)
    # The call may open and close the same day, and the campaigns start and end the same day.
    assert fields.order_problems(dates(day, day, date(2027, 2, 6), date(2027, 2, 6))) == []
    # The call must close before launch day.
    assert fields.order_problems(dates(day, day, day, date(2027, 3, 1))) == [
        FieldProblem(fields.LAUNCH, fields.ORDER_PROBLEM, {"other": fields.CALL_CLOSES})
    ]
    wrong = dates(date(2027, 2, 1), date(2027, 1, 1), date(2027, 3, 1), date(2027, 2, 1))
    assert [p.name for p in fields.order_problems(wrong)] == [fields.CALL_CLOSES, fields.ENDS]
    assert fields.order_problems({fields.LAUNCH: None, fields.ENDS: wrong[fields.ENDS]}) == []


@pytest.mark.parametrize(
    ("name", "value", "result"),
    [
        ("name", "  Ozé  ", ("Ozé", None)),
        ("name", "", (None, FieldProblem("name", fields.MISSING))),
        ("description", "  ", (None, None)),  # optional
        ("name", "x" * 201, (None, FieldProblem("name", fields.TOO_LONG, {"max": "200"}))),
        ("name", "a\x00b", (None, FieldProblem("name", fields.NOT_TEXT))),
        ("link", "https://oze.example", ("https://oze.example", None)),
        ("link", "javascript:alert(1)", (None, FieldProblem("link", fields.BAD_LINK))),
        ("link", "https://a b", (None, FieldProblem("link", fields.BAD_LINK))),
    ],
)
def test_check_text(name: str, value: str, result: tuple) -> None:
    assert check_text(name, value) == result


def test_the_sample_file_is_an_operation(gazetteer: Gazetteer) -> None:
    data = read_operation_file(SAMPLE.name, SAMPLE.read_bytes())
    draft, problems = from_mapping(data, gazetteer, TZ)
    assert problems == []
    assert draft is not None
    assert draft.name == "Make in Loire Valley"
    assert draft.areas == (Area("region", "24"),)
    assert draft.dates[fields.CALL_CLOSES] == datetime(2027, 1, 31, 22, 59, tzinfo=UTC)
    assert draft.link == "https://fr.ulule.com/make-in-loire-valley/"
    assert draft.description.startswith("Entrepreneurs of the Centre-Val de Loire")


def test_yaml_values_stay_text(gazetteer: Gazetteer) -> None:
    """ "01" stays the Ain (not 1), a date stays text for the French reading of it."""
    data = read_operation_file(
        "op.yml", b"territory: [01, 2A]\ncall_opens: 2027-01-05\nname: 2027\n"
    )
    assert data == {"territory": ["01", "2A"], "call_opens": "2027-01-05", "name": "2027"}
    draft, problems = from_mapping(data, gazetteer, TZ)
    assert draft is None
    assert {p.name for p in problems} == {"call_closes", "launch", "ends", "platform"}


def test_every_problem_of_a_mapping(gazetteer: Gazetteer) -> None:
    draft, problems = from_mapping(
        {"name": ["a", "list"], "territory": 3.5, "launch": "tomorrow"}, gazetteer, TZ
    )
    assert draft is None
    reasons = {(p.name, p.reason) for p in problems}
    assert ("name", fields.NOT_TEXT) in reasons
    assert ("launch", fields.BAD_DATE) in reasons
    assert ("call_opens", fields.MISSING) in reasons
    assert ("territory", fields.NOT_TEXT) in reasons


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        ("op.json", b"[1, 2]", "operation.file.not_mapping"),
        ("op.yaml", b"just a sentence", "operation.file.not_mapping"),
        ("op.yaml", b"a: [", "operation.file.syntax"),
        ("op.json", b"{", "operation.file.syntax"),
        ("op.yaml", b"\xff\xfe", "operation.file.encoding"),
        ("op.yaml", b"#" * (64 * 1024 + 1), "operation.file.too_big"),
    ],
)
def test_unreadable_files(name: str, content: bytes, key: str) -> None:
    with pytest.raises(OperationFileError) as raised:
        read_operation_file(name, content)
    assert raised.value.key == key


def test_operation_file_names() -> None:
    assert is_operation_file("Make.YAML") and is_operation_file("a.yml")
    assert is_operation_file("op.json")
    assert not is_operation_file("campaigns.csv") and not is_operation_file(None)
