"""Applications to an operation's call for projects: their states, their fields' rules, and the
call's window. Pure: no Telegram, no SQL.

An application is `submitted`, then a coordinator approves it (`approved`: it becomes an
upcoming campaign), refuses it (`refused`, with a reason), or asks for changes (`changes`, with
a reason: the applicant edits it and submits it again, back to `submitted`). Only people decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from storage.models import Category

SUBMITTED = "submitted"
CHANGES = "changes"
APPROVED = "approved"
REFUSED = "refused"
STATUSES = (SUBMITTED, CHANGES, APPROVED, REFUSED)

HOLDER_TYPES = ("individual", "association", "company")
CATEGORIES = tuple(category.value for category in Category)

# The form's fields, in the order they are asked.
NAME, HOLDER, TYPE, CATEGORY, COMMUNE, GOAL, DESCRIPTION, CONTACT = FIELDS = (
    "name",
    "holder",
    "type",
    "category",
    "commune",
    "goal",
    "description",
    "contact",
)
# Typed answers' lengths (within storage.models.Application's and Campaign's columns).
MAX_LENGTHS = {NAME: 120, HOLDER: 120, DESCRIPTION: 1000, CONTACT: 200}
MAX_REASON = 1000
MIN_GOAL_CENTS = 100_00  # 100 €
MAX_GOAL_CENTS = 1_000_000_00  # 1,000,000 €

# Tab and line breaks are kept in a description; no other control character is stored.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
_CURRENCY = re.compile(r"(€|eur|euros?)$", re.IGNORECASE)
# "2000", "2000,5", "2000.50"; "2.000,50" (French groups); "2,000.50" (English groups).
_PLAIN = re.compile(r"\d{1,10}(?:[.,]\d{1,2})?")
_FRENCH_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?")
_ENGLISH_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?")


class Window(Protocol):
    call_opens_at: datetime | None
    call_closes_at: datetime | None


def call_open(operation: Window, now: datetime) -> bool:
    """The call for projects takes applications now: opened, not closed yet."""
    opens, closes = operation.call_opens_at, operation.call_closes_at
    return opens is not None and closes is not None and opens <= now < closes


@dataclass(frozen=True, slots=True)
class TextProblem:
    """Why a typed answer was refused: `empty`, `too_long` (with the limit) or `control`."""

    reason: str
    limit: int = 0


def clean_text(text: str, limit: int, *, multiline: bool = False) -> str | TextProblem:
    """The answer, trimmed, or why it cannot be kept."""
    value = text.strip()
    if not multiline:
        value = " ".join(value.split())
    if not value:
        return TextProblem("empty")
    if len(value) > limit:
        return TextProblem("too_long", limit)
    if _CONTROL.search(value):
        return TextProblem("control")
    return value


def parse_euros(text: str) -> int | None:
    """Euros as typed ("2 000", "2000,50 €", "2.000", "€2,000.50") in integer cents; None
    when it is not an amount."""
    compact = text.strip().translate(_SPACES).lstrip("€")
    compact = _CURRENCY.sub("", compact)
    if _PLAIN.fullmatch(compact):
        number = compact.replace(",", ".")
    elif _FRENCH_GROUPS.fullmatch(compact):
        number = compact.replace(".", "").replace(",", ".")
    elif _ENGLISH_GROUPS.fullmatch(compact):
        number = compact.replace(",", "")
    else:
        return None
    return int(Decimal(number) * 100)


def goal_in_bounds(cents: int) -> bool:
    return MIN_GOAL_CENTS <= cents <= MAX_GOAL_CENTS


def next_field(answers: dict[str, object]) -> str | None:
    """The first field not answered yet (None: the form is complete, show the summary)."""
    return next((name for name in FIELDS if answers.get(name) in (None, "")), None)


# Each field's column in storage.models.Application.
COLUMN_OF = {
    NAME: "project_name",
    HOLDER: "holder_name",
    TYPE: "holder_type",
    CATEGORY: "category",
    COMMUNE: "commune_insee",
    GOAL: "goal_cents",
    DESCRIPTION: "description",
    CONTACT: "contact",
}
COLUMNS = tuple(COLUMN_OF.values())


def columns(answers: Mapping[str, Any]) -> dict[str, object]:
    """The form's answers (by field) as Application's columns."""
    return {column: answers[name] for name, column in COLUMN_OF.items()}


def answers_of(columns: Mapping[str, Any]) -> dict[str, object]:
    """An application's columns as the form's answers (to edit it)."""
    return {name: columns[column] for name, column in COLUMN_OF.items()}
