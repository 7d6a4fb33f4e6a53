"""Applications' rules without a bot: amounts typed in euros, typed answers, the call's window,
the form's order, and an application's columns."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.domain import applications as rules

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("2000", 200_000),
        ("2 000", 200_000),
        ("2\u202f000 €", 200_000),
        ("2000,50 €", 200_050),
        ("2000.5", 200_050),
        ("2.000", 200_000),
        ("2.000,50", 200_050),
        ("2,000.50", 200_050),
        ("€2,000", 200_000),
        ("1 500 euros", 150_000),
        ("12 EUR", 1_200),
    ],
)
def test_amounts_as_people_type_them(typed: str, cents: int) -> None:
    assert rules.parse_euros(typed) == cents


@pytest.mark.parametrize(
    "typed", ["", "abc", "-50", "2,000,5", "1e5", "20 000 000 000 000", "2..0"]
)
def test_what_is_not_an_amount(typed: str) -> None:
    assert rules.parse_euros(typed) is None


def test_goal_bounds() -> None:
    assert not rules.goal_in_bounds(rules.MIN_GOAL_CENTS - 1)
    assert rules.goal_in_bounds(rules.MIN_GOAL_CENTS)
    assert rules.goal_in_bounds(rules.MAX_GOAL_CENTS)
    assert not rules.goal_in_bounds(rules.MAX_GOAL_CENTS + 1)


def test_typed_answers_are_trimmed_and_checked() -> None:
    assert rules.clean_text("  Fromagerie   du  Lochois ", 120) == "Fromagerie du Lochois"
    assert rules.clean_text("Ligne 1\nLigne 2 ", 100, multiline=True) == "Ligne 1\nLigne 2"
    assert rules.clean_text("   ", 10) == rules.TextProblem("empty")
    assert rules.clean_text("x" * 11, 10) == rules.TextProblem("too_long", 10)
    assert rules.clean_text("bip\x07", 10) == rules.TextProblem("control")


def test_the_call_is_open_from_its_opening_until_its_closing() -> None:
    call = SimpleNamespace(call_opens_at=NOW, call_closes_at=NOW + timedelta(days=1))
    assert not rules.call_open(call, NOW - timedelta(seconds=1))
    assert rules.call_open(call, NOW)
    assert not rules.call_open(call, NOW + timedelta(days=1))
    assert not rules.call_open(SimpleNamespace(call_opens_at=None, call_closes_at=None), NOW)


def test_the_form_asks_the_first_missing_field() -> None:
    assert rules.next_field({}) == rules.NAME
    answers = dict.fromkeys(rules.FIELDS, "x")
    assert rules.next_field(answers) is None
    assert rules.next_field({**answers, rules.GOAL: None}) == rules.GOAL


def test_answers_and_columns_go_both_ways() -> None:
    answers = {name: f"value of {name}" for name in rules.FIELDS} | {rules.GOAL: 800_000}
    columns = rules.columns(answers)
    assert columns["project_name"] == "value of name" and columns["goal_cents"] == 800_000
    assert set(columns) == set(rules.COLUMNS)
    assert rules.answers_of(columns) == answers
