"""Ulule's project documents read into `Project`s (pure: no I/O).

Read: `id`, `slug`, `absolute_url`; the name, subtitle and description by language (an object
{"fr": ..., "en": ...} in a project, `name_fr` in search results: French, else the project's
`lang`); `type` ("project", or "presale" whose `goal` is a number of pre-orders); `goal` and
`amount_raised` in the project's `currency` units, read into integer cents (another currency
than the euro is kept as it is, and logged); `supporters_count`, `nb_products_sold`,
`date_start` and `date_end` (RFC 3339, read as aware UTC), `finished`, `is_cancelled`, and the
`location`'s city and country. A field that is missing or shaped otherwise is logged and left
None: the sync then keeps the campaign's last good value (bot.imports.sync).

A presale's percent is `nb_products_sold / goal`. Cards and milestones read a percent as
raised / goal in cents, so a presale's goal in cents is its number of pre-orders at the average
price paid so far (amount_raised / nb_products_sold): raised / goal_cents is then
nb_products_sold / goal (rounded so that it never falls short), and the card's "X € raised of
Y €" stays in money. Before the first pre-order that price is unknown (`goal_cents` None).
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SOURCE = "ulule"  # Campaign.source of the synced campaigns
LANG = "fr"
# What no stored text may hold (PostgreSQL refuses NUL; the other controls are invisible).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Project:
    """One Ulule project as read; None where the document had no usable value."""

    external_id: str
    slug: str | None
    url: str | None
    title: str | None
    summary: str | None  # the subtitle, else the description's text
    holder: str | None
    presale: bool
    preorders: int | None  # a presale's goal, in pre-orders
    currency: str | None
    goal_cents: int | None  # in money, a presale's included (see the module doc)
    raised_cents: int | None
    backers: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    finished: bool | None
    cancelled: bool
    city: str | None
    country: str | None
    problems: tuple[str, ...] = ()  # fields missing or odd (logged)

    @property
    def figures(self) -> tuple[int, int, int] | None:
        """(goal, raised, backers) in cents and people, when all three were read."""
        if self.goal_cents is None or self.raised_cents is None or self.backers is None:
            return None
        return self.goal_cents, self.raised_cents, self.backers


# --- mapping ---------------------------------------------------------------------------------


class _Reader:
    """Reads one document's fields, noting each one missing or shaped otherwise."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.problems: list[str] = []

    def odd(self, name: str) -> None:
        self.problems.append(name)

    def text(self, name: str) -> str | None:
        """A translated text: `name_fr`, an object by language, or a plain string."""
        lang = self.doc.get("lang") if isinstance(self.doc.get("lang"), str) else None
        for key in (f"{name}_{LANG}", f"{name}_{lang}" if lang else None):
            if key and isinstance(self.doc.get(key), str) and self.doc[key].strip():
                return clean(self.doc[key])
        value = self.doc.get(name)
        if isinstance(value, str):
            return clean(value) or None
        if isinstance(value, Mapping):
            for key in (LANG, lang, *value):
                if isinstance(value.get(key), str) and value[key].strip():
                    return clean(value[key])
        return None

    def money(self, name: str) -> int | None:
        """An amount in currency units as integer cents."""
        value = self.doc.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.odd(name)
            return None
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or amount >= 10**12:
            self.odd(name)
            return None
        return int((amount * 100).to_integral_value())

    def count(self, name: str) -> int | None:
        value = self.doc.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
            self.odd(name)
            return None
        return value

    def moment(self, name: str) -> datetime | None:
        value = self.doc.get(name)
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.odd(name)
            return None
        return moment.astimezone(UTC)

    def flag(self, name: str) -> bool | None:
        value = self.doc.get(name)
        if not isinstance(value, bool):
            self.odd(name)
            return None
        return value


def project_of(doc: object) -> Project | None:
    """A project document (of a listing, a search or `projects/{id}`) as a Project; None when
    it has no id at all. Odd fields are logged and left None."""
    if not isinstance(doc, Mapping) or not _identifier(doc.get("id")):
        log.warning("ulule: a project without an id was skipped: %.200r", doc)
        return None
    read = _Reader(doc)
    presale = doc.get("type") == "presale"
    if doc.get("type") not in ("project", "presale"):
        read.odd("type")
    raised = read.money("amount_raised")
    preorders = read.count("goal") if presale else None
    if presale:
        goal = presale_goal(preorders, read.count("nb_products_sold"), raised)
    else:
        goal = read.money("goal")
    currency = doc.get("currency") if isinstance(doc.get("currency"), str) else None
    if currency != "EUR":
        read.odd("currency")  # kept as it is: figures in another currency are shown as euros
    title = read.text("name")
    if title is None:
        read.odd("name")
    city, country = _location(read)
    project = Project(
        external_id=str(doc["id"]).strip(),
        slug=doc.get("slug") if isinstance(doc.get("slug"), str) else None,
        url=_url(doc.get("absolute_url")),
        title=title,
        summary=read.text("subtitle") or _plain(read.text("description")),
        holder=_holder(doc.get("owner")),
        presale=presale,
        preorders=preorders,
        currency=currency,
        goal_cents=goal,
        raised_cents=raised,
        backers=read.count("supporters_count"),
        starts_at=read.moment("date_start"),
        ends_at=read.moment("date_end"),
        finished=read.flag("finished"),
        cancelled=doc.get("is_cancelled") is True,
        city=city,
        country=country,
        problems=tuple(read.problems),
    )
    if project.problems:
        log.warning("ulule project %s: missing or odd %s", project.external_id, project.problems)
    return project


def _identifier(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and 0 < len(value.strip()) <= 100
    )


def presale_goal(preorders: int | None, sold: int | None, raised: int | None) -> int | None:
    """A presale's goal in cents: its pre-orders at the average price paid so far (rounded
    down, so that the percent never falls short); None before the first pre-order."""
    if not preorders or not sold or not raised:
        return None
    return max(1, raised * preorders // sold)


def _location(read: _Reader) -> tuple[str | None, str | None]:
    location = read.doc.get("location")
    if not isinstance(location, Mapping):
        read.odd("location")
        return None, None
    city, country = location.get("city"), location.get("country")
    return (
        clean(city)[:200] or None if isinstance(city, str) else None,
        country.strip().upper()[:10] or None if isinstance(country, str) else None,
    )


def _holder(owner: object) -> str | None:
    if isinstance(owner, Mapping):
        for key in ("name", "screenname", "username"):
            if isinstance(owner.get(key), str) and owner[key].strip():
                return clean(owner[key])[:200]
    return None


def _url(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 500:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def clean(text: str) -> str:
    """The text without what no column may store, trimmed."""
    return _UNSTORABLE.sub("", text).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(html: str | None) -> str | None:
    """The words of an HTML description (Ulule's are HTML), spaces collapsed."""
    if html is None:
        return None
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()) or None
