"""Campaign rows from an import file, validated one by one: CampaignInput or a Rejection.

Pure: no file, no database. `parse_rows` turns numbered raw rows (see
`bot.imports.importer.read_records`)
into inputs ready to upsert and rejections with the reason key and values the operator reads.
"""

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain.gazetteer import Commune, Gazetteer, normalise
from storage.models import Category

REQUIRED = ("external_id", "title", "holder", "goal_eur", "starts_at", "ends_at")
COLUMNS = (
    *REQUIRED,
    *("category", "commune", "postcode", "lat", "lon", "raised_eur", "backers"),
    *("url", "description", "rewards", "source"),
)
# Column widths of storage.models.Campaign / Reward. Numbers are bounded by their patterns below:
# amounts below 10^12 euros fit BIGINT cents, whole numbers below 10^9 fit INTEGER.
MAX_LENGTHS = {"external_id": 100, "title": 200, "holder": 200, "url": 500}
MAX_REWARD_TITLE = 200
MAX_SOURCE = 100
# What no text column may hold: NUL (PostgreSQL refuses it, and the whole transaction with it),
# the other C0/C1 control characters but tab and line breaks (invisible in a message), and lone
# surrogates (not encodable in UTF-8, which both databases need).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CATEGORIES = {
    "business": Category.BUSINESS,
    "entreprise": Category.BUSINESS,
    "citizen": Category.CITIZEN,
    "citoyen": Category.CITIZEN,
    "citoyenne": Category.CITIZEN,
    "solidarity": Category.SOLIDARITY,
    "solidaire": Category.SOLIDARITY,
    "solidarite": Category.SOLIDARITY,
    "culture": Category.CULTURE,
    "environment": Category.ENVIRONMENT,
    "environnement": Category.ENVIRONMENT,
    "other": Category.OTHER,
    "autre": Category.OTHER,
}
_AMOUNT = re.compile(r"\d{1,12}(?:[.,]\d{1,2})?")
_WHOLE = re.compile(r"\d{1,9}")
_INSEE = re.compile(r"\d{5}|2[AB]\d{3}", re.IGNORECASE)
_SPACES = str.maketrans("", "", " \u00a0\u202f")


@dataclass(frozen=True, slots=True)
class RewardInput:
    title: str
    price_cents: int
    stock: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignInput:
    line: int
    external_id: str
    title: str
    holder: str
    description: str
    category: str
    commune_insee: str | None
    lat: float
    lon: float
    goal_cents: int
    raised_cents: int
    backers: int
    starts_at: datetime
    ends_at: datetime
    url: str | None
    search_text: str
    rewards: tuple[RewardInput, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason_key: str
    values: dict[str, object] = field(default_factory=dict)


class _Invalid(Exception):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


Record = tuple[int, object]  # (line number or 1-based JSON index, the raw row)


def parse_rows(
    records: Iterable[Record], gazetteer: Gazetteer, tz: str, source: str | None = None
) -> tuple[list[CampaignInput], list[Rejection]]:
    """Valid rows as CampaignInput, the others as one Rejection each (the first problem found)."""
    inputs: list[CampaignInput] = []
    rejections: list[Rejection] = []
    for result in iter_rows(records, gazetteer, tz, source):
        if isinstance(result, Rejection):
            rejections.append(result)
        else:
            inputs.append(result)
    return inputs, rejections


def iter_rows(
    records: Iterable[Record], gazetteer: Gazetteer, tz: str, source: str | None = None
) -> Iterator[CampaignInput | Rejection]:
    """Each row as a CampaignInput or a Rejection, one at a time. `source` (the command's
    `--source`) applies to every row; without it, each row needs its `source` column."""
    zone = ZoneInfo(tz)
    first_line: dict[tuple[str, str], int] = {}
    for line, raw in records:
        try:
            item = _parse_row(line, raw, gazetteer, zone, source)
            key = (item.source, item.external_id)
            if key in first_line:
                raise _Invalid(
                    "import.reason.duplicate", value=item.external_id, first=first_line[key]
                )
        except _Invalid as invalid:
            yield Rejection(line, invalid.key, invalid.values)
            continue
        first_line[key] = line
        yield item


def _parse_row(
    line: int, raw: object, gazetteer: Gazetteer, zone: ZoneInfo, source: str | None
) -> CampaignInput:
    if not isinstance(raw, Mapping):
        raise _Invalid("import.reason.not_object")
    row = dict.fromkeys(COLUMNS, "")
    row.update((str(key).strip().lower(), _text(value)) for key, value in raw.items())
    _check_storable(row)
    row["source"] = source or row["source"]
    if len(row["source"]) > MAX_SOURCE:
        raise _Invalid("import.reason.too_long", field="source", max=MAX_SOURCE)
    for name in (*REQUIRED, "source"):
        if not row[name]:
            raise _Invalid("import.reason.missing", field=name)
    for name, limit in MAX_LENGTHS.items():
        if len(row[name]) > limit:
            raise _Invalid("import.reason.too_long", field=name, max=limit)
    goal = _cents("goal_eur", row["goal_eur"])
    if goal <= 0:
        raise _Invalid("import.reason.goal_zero")
    starts_at = _moment("starts_at", row["starts_at"], zone, end_of_day=False)
    ends_at = _moment("ends_at", row["ends_at"], zone, end_of_day=True)
    if ends_at <= starts_at:
        raise _Invalid(
            "import.reason.ends_before_starts", starts=row["starts_at"], ends=row["ends_at"]
        )
    commune, (lat, lon) = _place(row["commune"], row["postcode"], row["lat"], row["lon"], gazetteer)
    words = (row["title"], row["holder"], commune.name if commune else "", row["description"])
    return CampaignInput(
        line=line,
        external_id=row["external_id"],
        title=row["title"],
        holder=row["holder"],
        description=row["description"],
        category=_category(row["category"]),
        commune_insee=commune.insee if commune else None,
        lat=lat,
        lon=lon,
        goal_cents=goal,
        raised_cents=_cents("raised_eur", row["raised_eur"] or "0"),
        backers=_whole("backers", row["backers"] or "0"),
        starts_at=starts_at,
        ends_at=ends_at,
        url=_url(row["url"]),
        search_text=normalise(" ".join(words)),
        rewards=_rewards(row["rewards"]),
        source=row["source"],
    )


def _check_storable(row: Mapping[str, str]) -> None:
    if not _UNSTORABLE.search("".join(row[name] for name in COLUMNS)):
        return
    for name in COLUMNS:
        found = _UNSTORABLE.search(row[name])
        if found:
            char = f"U+{ord(found.group()):04X}"
            raise _Invalid(
                "import.reason.control_characters",
                field=name,
                char=char,
                position=found.start() + 1,
            )


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _cents(name: str, value: str) -> int:
    """Euros with up to two decimals ("1234.5", "1 234,50") as integer cents."""
    compact = value.translate(_SPACES).removesuffix("€")
    if compact.startswith("-") and _AMOUNT.fullmatch(compact[1:]):
        raise _Invalid("import.reason.negative", field=name)
    if not _AMOUNT.fullmatch(compact):
        raise _Invalid("import.reason.amount", field=name, value=value)
    return int(Decimal(compact.replace(",", ".")) * 100)


def _whole(name: str, value: str) -> int:
    compact = value.translate(_SPACES)
    if compact.startswith("-") and _WHOLE.fullmatch(compact[1:]):
        raise _Invalid("import.reason.negative", field=name)
    if not _WHOLE.fullmatch(compact):
        raise _Invalid("import.reason.whole", field=name, value=value)
    return int(compact)


def _moment(name: str, value: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    """ISO 8601 as aware UTC; local `zone` time when no offset; a bare date spans its whole day."""
    try:
        if len(value) <= 10 and ":" not in value:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), zone)
        else:
            moment = datetime.fromisoformat(value)
        if not 1900 <= moment.year <= 2200:
            raise ValueError(value)
    except ValueError as error:
        raise _Invalid("import.reason.date", field=name, value=value) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _category(value: str) -> str:
    if not value:
        return Category.OTHER.value
    category = CATEGORIES.get(normalise(value))
    if category is None:
        raise _Invalid("import.reason.category", value=value)
    return category.value


def _url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        raise _Invalid("import.reason.url", value=value)
    return value


def _rewards(value: str) -> tuple[RewardInput, ...]:
    """`title|price_eur[|stock]` items separated by `;`."""
    rewards = []
    for item in filter(None, (part.strip() for part in value.split(";"))):
        parts = [part.strip() for part in item.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise _Invalid("import.reason.reward", value=item)
        if len(parts[0]) > MAX_REWARD_TITLE:
            raise _Invalid("import.reason.too_long", field="rewards", max=MAX_REWARD_TITLE)
        stock = _whole("rewards", parts[2]) if len(parts) == 3 and parts[2] else None
        rewards.append(RewardInput(parts[0], _cents("rewards", parts[1]), stock))
    return tuple(rewards)


def _place(
    commune_text: str, postcode: str, lat_text: str, lon_text: str, gazetteer: Gazetteer
) -> tuple[Commune | None, tuple[float, float]]:
    """The campaign's commune and point: given lat/lon first, else the commune's or postcode's."""
    postcode = postcode.zfill(5) if postcode.isdigit() else postcode
    commune = _commune(commune_text, postcode, gazetteer) if commune_text else None
    if lat_text or lon_text:
        given = _coordinates(lat_text, lon_text)
        if not gazetteer.in_france(*given):
            raise _Invalid("import.reason.outside_france", lat=lat_text, lon=lon_text)
        return commune or gazetteer.nearest(*given), given
    if commune is not None:
        point = gazetteer.point_for(commune)
        if point is None:
            raise _Invalid("import.reason.no_position", commune=commune.name)
        return commune, point
    if postcode:
        point = gazetteer.point_for_postcode(postcode)
        if point is None:
            raise _Invalid("import.reason.unknown_postcode", value=postcode)
        return gazetteer.nearest(*point), point
    raise _Invalid("import.reason.no_place")


def _coordinates(lat_text: str, lon_text: str) -> tuple[float, float]:
    try:
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Invalid("import.reason.coordinates", lat=lat_text, lon=lon_text)
    return lat, lon


def _commune(value: str, postcode: str, gazetteer: Gazetteer) -> Commune:
    """By INSEE code, else by name; a name shared by several communes needs the postcode."""
    code = value.zfill(5) if value.isdigit() else value
    if _INSEE.fullmatch(code):
        commune = gazetteer.by_insee(code)
        if commune is None:
            raise _Invalid("import.reason.unknown_commune", value=value)
        return commune
    matches = gazetteer.by_name(value)
    if not matches:
        suggestions = gazetteer.search(value, limit=3).suggestions
        if suggestions:
            names = ", ".join(f"{c.name} ({c.insee})" for c in suggestions)
            raise _Invalid("import.reason.unknown_commune_suggest", value=value, names=names)
        raise _Invalid("import.reason.unknown_commune", value=value)
    narrowed = [c for c in matches if postcode in c.postcodes] if len(matches) > 1 else matches
    if len(narrowed) != 1:
        raise _Invalid("import.reason.ambiguous_commune", value=value, count=len(matches))
    return narrowed[0]
