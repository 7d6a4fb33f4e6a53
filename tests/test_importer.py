"""`python -m bot import`: parsing, validation with line numbers, upserts, the command's output."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.__main__ import cli_text
from bot.domain.campaigns import Status
from bot.domain.gazetteer import Gazetteer, normalise
from bot.i18n import LOCALES_DIR
from bot.imports.importer import (
    ImportReport,
    import_records,
    parse_rows,
    read_records,
    run_import,
)
from bot.settings import Settings
from storage.models import Campaign, Reward
from storage.repo import campaigns as campaigns_repo

HEADER = [
    "external_id",
    "title",
    "holder",
    "category",
    "commune",
    "postcode",
    "lat",
    "lon",
    "goal_eur",
    "raised_eur",
    "backers",
    "starts_at",
    "ends_at",
    "url",
    "description",
    "rewards",
]
BASE = {
    "external_id": "exp3d",
    "title": "Exp3D",
    "holder": "Grégory Jamard",
    "category": "Entreprise",
    "commune": "Saint-Lô",
    "goal_eur": "2000",
    "raised_eur": "3850",
    "backers": "64",
    "starts_at": "2026-03-29T10:00",
    "ends_at": "2026-04-30",
    "url": "https://oze.manche.fr/projets/exp3d",
    "description": "Des imprimantes 3D",
    "rewards": "Porte-clés|10;Kit de montage|390,50|10",
}


def row(**changes: str) -> dict[str, str]:
    return BASE | changes


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def load(session: AsyncSession, source: str = "test.csv") -> dict[str, Campaign]:
    session.expire_all()
    query = (
        select(Campaign)
        .where(Campaign.source == source)
        .options(selectinload(Campaign.rewards))
        .execution_options(populate_existing=True)
    )
    return {c.external_id: c for c in await session.scalars(query)}


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def parse_one(gazetteer: Gazetteer, **changes: str):  # type: ignore[no-untyped-def]
    return parse_rows([(2, row(**changes))], gazetteer, "Europe/Paris", "test")


# --- a valid file ---------------------------------------------------------------------------------


async def test_valid_csv_creates_campaigns(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    rows = [
        row(),
        row(
            external_id="tours",
            commune="37261",
            category="ENVIRONNEMENT",
            goal_eur="1234,50",
            raised_eur="1234.5",
            starts_at="2026-03-01",
            ends_at="2026-04-01T18:30+02:00",
            rewards="",
        ),
        row(external_id="amboise", commune="", postcode="37400", category="", url=""),
    ]
    path = write(tmp_path, "test.csv", csv_text(rows))

    report, rejections = await import_records(
        session, read_records(path), "test.csv", gazetteer, tz="Europe/Paris"
    )
    await session.commit()

    assert (report, rejections) == (ImportReport(created=3, updated=0, rejected=0), [])
    found = await load(session)
    exp3d, tours, amboise = found["exp3d"], found["tours"], found["amboise"]
    saint_lo = gazetteer.by_insee("50502")
    assert saint_lo is not None
    assert (exp3d.commune_insee, exp3d.lat, exp3d.lon) == ("50502", saint_lo.lat, saint_lo.lon)
    assert (exp3d.goal_cents, exp3d.raised_cents, exp3d.backers) == (200_000, 385_000, 64)
    assert exp3d.category == "business"
    # Paris is on summer time from 29 March 2026, 02:00: 10:00 there is 08:00 UTC.
    assert exp3d.starts_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert exp3d.ends_at == datetime(2026, 4, 30, 21, 59, 59, tzinfo=UTC)
    assert exp3d.url == "https://oze.manche.fr/projets/exp3d"
    assert [(r.position, r.title, r.price_cents, r.stock) for r in exp3d.rewards] == [
        (0, "Porte-clés", 1000, None),
        (1, "Kit de montage", 39050, 10),
    ]
    assert exp3d.search_text == normalise("Exp3D Grégory Jamard Saint-Lô Des imprimantes 3D")

    assert (tours.commune_insee, tours.category) == ("37261", "environment")
    assert (tours.goal_cents, tours.raised_cents, tours.rewards) == (123_450, 123_450, [])
    assert tours.starts_at == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # winter time
    assert tours.ends_at == datetime(2026, 4, 1, 16, 30, tzinfo=UTC)

    assert amboise.commune_insee == "37003"
    assert (amboise.lat, amboise.lon) == gazetteer.point_for_postcode("37400")
    assert (amboise.category, amboise.url) == ("other", None)


async def test_search_finds_imported_text_without_accents(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    path = write(tmp_path, "test.csv", csv_text([row(commune="St-Lô")]))
    await import_records(session, read_records(path), "test.csv", gazetteer, tz="Europe/Paris")
    await session.commit()

    page = await campaigns_repo.search(
        session,
        words=normalise("GREGORY saint-lo").split(),
        now=datetime(2026, 4, 1, tzinfo=UTC),
        statuses=set(Status),
    )

    assert [item.title for item in page.items] == ["Exp3D"]
    assert page.items[0].commune_insee == "50502"


def test_st_lo_is_saint_lo(gazetteer: Gazetteer) -> None:
    inputs, rejections = parse_one(gazetteer, commune="St-Lô")
    assert rejections == []
    assert inputs[0].commune_insee == "50502"


def test_lat_lon_alone_take_the_nearest_commune(gazetteer: Gazetteer) -> None:
    inputs, rejections = parse_one(gazetteer, commune="", lat="47,4105", lon="0.7985")
    assert rejections == []
    nearest = gazetteer.nearest(47.4105, 0.7985)
    assert nearest is not None
    assert (inputs[0].commune_insee, inputs[0].lat, inputs[0].lon) == (
        nearest.insee,
        47.4105,
        0.7985,
    )
    assert nearest.name == "Vouvray"


def test_ambiguous_name_is_settled_by_the_postcode(gazetteer: Gazetteer) -> None:
    inputs, rejections = parse_one(gazetteer, commune="Saint-Denis", postcode="93200")
    assert rejections == []
    assert inputs[0].commune_insee == "93066"


@pytest.mark.parametrize(
    ("text", "cents"),
    [("2000", 200_000), ("1234.5", 123_450), ("1234,50", 123_450), ("1 234,50 €", 123_450)],
)
def test_amounts_become_cents(gazetteer: Gazetteer, text: str, cents: int) -> None:
    inputs, _ = parse_one(gazetteer, goal_eur=text)
    assert inputs[0].goal_cents == cents


@pytest.mark.parametrize(
    ("field", "value", "start"),
    [
        ("starts_at", "2026-03-28T10:00", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
        ("starts_at", "2026-03-29T10:00", datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),
        ("starts_at", "2026-03-29T10:00Z", datetime(2026, 3, 29, 10, 0, tzinfo=UTC)),
        ("starts_at", "2026-03-29 10:00+01:00", datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),
        ("starts_at", "2026-04-02", datetime(2026, 4, 1, 22, 0, tzinfo=UTC)),
        ("ends_at", "2026-04-02", datetime(2026, 4, 2, 21, 59, 59, tzinfo=UTC)),
    ],
)
def test_dates_are_paris_time_stored_as_utc(
    gazetteer: Gazetteer, field: str, value: str, start: datetime
) -> None:
    inputs, rejections = parse_one(gazetteer, **{field: value})
    assert rejections == []
    assert getattr(inputs[0], field) == start
    assert getattr(inputs[0], field).tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("", "other"),
        ("Solidaire", "solidarity"),
        ("citoyen", "citizen"),
        ("ENVIRONNEMENT", "environment"),
        ("Autre", "other"),
        ("culture", "culture"),
    ],
)
def test_categories_in_english_or_french(gazetteer: Gazetteer, text: str, category: str) -> None:
    inputs, _ = parse_one(gazetteer, category=text)
    assert inputs[0].category == category


# --- re-importing ---------------------------------------------------------------------------------


async def test_reimport_updates_and_replaces_rewards(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    first = write(tmp_path, "a.csv", csv_text([row(), row(external_id="other")]))
    await import_records(session, read_records(first), "test.csv", gazetteer, tz="Europe/Paris")
    await session.commit()
    before = (await load(session))["exp3d"]
    created_at, campaign_id = before.created_at, before.id

    second = write(
        tmp_path,
        "b.csv",
        csv_text(
            [row(title="Exp3D v2", raised_eur="4000", rewards="Atelier|30"), row(external_id="new")]
        ),
    )
    report, _ = await import_records(
        session, read_records(second), "test.csv", gazetteer, tz="Europe/Paris"
    )
    await session.commit()

    assert report == ImportReport(created=1, updated=1, rejected=0)
    found = await load(session)
    assert sorted(found) == ["exp3d", "new", "other"]
    exp3d = found["exp3d"]
    assert (exp3d.id, exp3d.created_at) == (campaign_id, created_at)
    assert (exp3d.title, exp3d.raised_cents) == ("Exp3D v2", 400_000)
    assert exp3d.search_text.startswith("exp3d v2 ")
    assert [(r.title, r.price_cents) for r in exp3d.rewards] == [("Atelier", 3000)]
    # 2 rewards for "other" and "new" each, 1 for exp3d: the old ones are gone.
    assert await count(session, Reward) == 5


async def test_same_external_id_from_another_source_is_another_campaign(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.csv", csv_text([row()]))
    await import_records(session, read_records(path), "ulule", gazetteer, tz="Europe/Paris")
    report, _ = await import_records(
        session, read_records(path), "oze", gazetteer, tz="Europe/Paris", allow_duplicates=True
    )
    await session.commit()

    assert report.created == 1
    assert await count(session, Campaign) == 2


async def test_thousands_of_rows_import_and_reimport(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    rows = [row(external_id=f"c{i}", title=f"Projet {i}") for i in range(1500)]
    path = write(tmp_path, "many.csv", csv_text(rows))
    first, _ = await import_records(
        session, read_records(path), "many", gazetteer, tz="Europe/Paris"
    )
    await session.commit()
    second, _ = await import_records(
        session, read_records(path), "many", gazetteer, tz="Europe/Paris"
    )
    await session.commit()

    assert (first.created, second.created, second.updated) == (1500, 0, 1500)
    assert await count(session, Campaign) == 1500
    assert await count(session, Reward) == 3000


# --- invalid rows ---------------------------------------------------------------------------------

# (row changes, expected reason key, expected values or None to skip checking them)
INVALID = [
    ({"title": ""}, "import.reason.missing", {"field": "title"}),
    (
        {"starts_at": "29/03/2026"},
        "import.reason.date",
        {"field": "starts_at", "value": "29/03/2026"},
    ),
    ({"commune": "Qqqqqqq"}, "import.reason.unknown_commune", {"value": "Qqqqqqq"}),
    ({"commune": "Chalinargues"}, "import.reason.no_position", {"commune": "Chalinargues"}),
    ({"raised_eur": "-5"}, "import.reason.negative", {"field": "raised_eur"}),
    ({"ends_at": "2026-03-01"}, "import.reason.ends_before_starts", None),
    ({"url": "ftp://oze.manche.fr/x"}, "import.reason.url", {"value": "ftp://oze.manche.fr/x"}),
    ({"goal_eur": "0"}, "import.reason.goal_zero", {}),
    ({"goal_eur": "12.345"}, "import.reason.amount", {"field": "goal_eur", "value": "12.345"}),
    ({"goal_eur": "beaucoup"}, "import.reason.amount", None),
    ({"category": "gastronomie"}, "import.reason.category", {"value": "gastronomie"}),
    ({"commune": "Saint-Denis"}, "import.reason.ambiguous_commune", None),
    ({"rewards": "Atelier tricot"}, "import.reason.reward", {"value": "Atelier tricot"}),
    ({"commune": "", "lat": "91", "lon": "0"}, "import.reason.coordinates", None),
    ({"commune": ""}, "import.reason.no_place", {}),
    ({"backers": "douze"}, "import.reason.whole", None),
    ({"holder": "x" * 201}, "import.reason.too_long", {"field": "holder", "max": 200}),
]


async def test_invalid_rows_are_rejected_with_their_line(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    rows = [row(external_id="first", description="Sur deux\nlignes")]  # lines 2-3
    rows += [row(external_id=f"bad{i}", **changes) for i, (changes, _, _) in enumerate(INVALID)]
    rows += [row(external_id="last"), row(external_id="first")]
    text = csv_text(rows).replace("\nbad3,", "\n\nbad3,")  # a blank line before that row
    path = write(tmp_path, "test.csv", text)

    report, rejections = await import_records(
        session, read_records(path), "test.csv", gazetteer, tz="Europe/Paris"
    )
    await session.commit()

    lines = list(range(4, 4 + len(INVALID)))
    lines[3:] = [line + 1 for line in lines[3:]]
    duplicate_line = lines[-1] + 2
    expected = [(line, key) for line, (_, key, _) in zip(lines, INVALID, strict=True)]
    assert [(r.line, r.reason_key) for r in rejections] == [
        *expected,
        (duplicate_line, "import.reason.duplicate"),
    ]
    for rejection, (_, _, values) in zip(rejections, INVALID, strict=False):
        if values is not None:
            assert rejection.values == values
    assert rejections[-1].values == {"value": "first", "first": 2}
    assert report == ImportReport(created=2, updated=0, rejected=len(INVALID) + 1)
    assert sorted(await load(session)) == ["first", "last"]


def test_a_misspelt_commune_gets_suggestions(gazetteer: Gazetteer) -> None:
    _, rejections = parse_one(gazetteer, commune="Sant-Lo")
    assert rejections[0].reason_key == "import.reason.unknown_commune_suggest"
    assert "Saint-Lô (50502)" in str(rejections[0].values["names"])


# --- JSON -----------------------------------------------------------------------------------------


async def test_json_list_of_objects(
    session: AsyncSession, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    items = [
        {**BASE, "goal_eur": 2000, "raised_eur": 1234.5, "backers": 12, "rewards": None},
        "not an object",
        {**BASE, "external_id": "gps", "commune": None, "lat": 49.115, "lon": -1.092},
        {**BASE, "external_id": "noholder", "holder": ""},
    ]
    # Detected by its content: the name says nothing.
    path = write(tmp_path, "export.txt", json.dumps(items, ensure_ascii=False))

    report, rejections = await import_records(
        session, read_records(path), "api", gazetteer, tz="Europe/Paris"
    )
    await session.commit()

    assert [(r.line, r.reason_key) for r in rejections] == [
        (2, "import.reason.not_object"),
        (4, "import.reason.missing"),
    ]
    assert report == ImportReport(created=2, updated=0, rejected=2)
    found = await load(session, "api")
    assert (found["exp3d"].goal_cents, found["exp3d"].raised_cents) == (200_000, 123_450)
    assert (found["exp3d"].backers, found["exp3d"].rewards) == (12, [])
    assert (found["gps"].lat, found["gps"].lon, found["gps"].commune_insee) == (
        49.115,
        -1.092,
        "50502",
    )


def test_semicolon_csv_from_a_french_spreadsheet(gazetteer: Gazetteer, tmp_path: Path) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row(goal_eur="2 000,00"))
    path = tmp_path / "export.csv"
    path.write_bytes(out.getvalue().encode("cp1252"))

    inputs, rejections = parse_rows(read_records(path), gazetteer, "Europe/Paris", "x")

    assert rejections == []
    assert (inputs[0].holder, inputs[0].goal_cents, len(inputs[0].rewards)) == (
        "Grégory Jamard",
        200_000,
        2,
    )


# --- the command ----------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url)


async def test_run_import_prints_the_summary_and_exits_0(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, "oze.csv", csv_text([row(), row(external_id="two")]))

    code = await run_import(settings, path, "oze", cli_text, gazetteer)

    out = capsys.readouterr().out
    assert code == 0
    assert out == cli_text("cli.import.summary", created=2, updated=0, rejected=0) + "\n"
    async with sessionmaker() as session:
        assert sorted(await load(session, "oze")) == ["exp3d", "two"]


async def test_run_import_lists_rejected_rows_and_exits_1(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    path = write(
        tmp_path,
        "x.csv",
        csv_text([row(), row(external_id="b", title=""), row(external_id="c", url="www")]),
    )
    await run_import(settings, path, "ulule", cli_text, gazetteer)
    capsys.readouterr()

    code = await run_import(settings, path, "ulule", cli_text, gazetteer)

    missing = cli_text("import.reason.missing", field="title")
    bad_url = cli_text("import.reason.url", value="www")
    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        cli_text("cli.import.rejected", line=3, reason=missing),
        cli_text("cli.import.rejected", line=4, reason=bad_url),
        cli_text("cli.import.summary", created=0, updated=1, rejected=2),
    ]
    assert missing != "import.reason.missing"
    async with sessionmaker() as session:
        assert list(await load(session, "ulule")) == ["exp3d"]


@pytest.mark.parametrize(
    ("name", "text", "key", "values"),
    [
        (
            "cols.csv",
            "external_id,title\nx,y\n",
            "cli.import.missing_columns",
            {"columns": "holder, goal_eur, starts_at, ends_at"},
        ),
        ("bad.json", "[{", "cli.import.bad_json", None),
        ("obj.json", '{"external_id": "x"}', "cli.import.not_a_list", {}),
        ("empty.csv", "", "cli.import.empty", {}),
    ],
)
async def test_run_import_refuses_unusable_files_with_exit_2(
    settings: Settings,
    gazetteer: Gazetteer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    key: str,
    values: dict[str, str] | None,
) -> None:
    path = write(tmp_path, name, text)

    code = await run_import(settings, path, "oze", cli_text, gazetteer)

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    if values is not None:
        assert captured.err == cli_text(key, path=path, **values) + "\n"
    else:
        assert captured.err.startswith(cli_text(key, path=path, error="").rstrip())


async def test_run_import_of_a_missing_file_exits_2(
    settings: Settings, gazetteer: Gazetteer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.csv"

    code = await run_import(settings, path, "oze", cli_text, gazetteer)

    assert code == 2
    assert capsys.readouterr().err == (
        cli_text("cli.import.unreadable", path=path, error="No such file or directory") + "\n"
    )


# --- catalogues -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_operator_message_is_in_the_catalogues(lang: str) -> None:
    sources = "".join(
        (Path(__file__).parent.parent / "bot" / name).read_text(encoding="utf-8")
        for name in ("imports/importer.py", "imports/rows.py", "imports/demo.py", "__main__.py")
    )
    keys = set(re.findall(r'"((?:cli|import)\.[a-z_.]+)"', sources))
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)

    assert len(keys) > 25
    assert {key for key in keys if not (catalog.get(key) and catalog[key].string)} == set()


# --- values the database cannot store (issue 10, item 7) ------------------------------------------


async def test_characters_no_database_stores_reject_their_row_only(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A NUL aborted the whole import on PostgreSQL (0 rows, a traceback): now its row is
    rejected with its line, on both databases, and the others are imported."""
    rows = [
        row(external_id="before"),
        row(external_id="nul", title="Exp\x003D"),
        row(external_id="bell", description="Sonnez\x07 ici"),
        row(external_id="after", description="Sur deux\nlignes,\tet une tabulation"),
    ]
    path = write(tmp_path, "x.csv", csv_text(rows))

    code = await run_import(settings, path, "oze", cli_text, gazetteer)

    nul = cli_text("import.reason.control_characters", field="title", char="U+0000", position=4)
    bell = cli_text(
        "import.reason.control_characters", field="description", char="U+0007", position=7
    )
    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        cli_text("cli.import.rejected", line=3, reason=nul),
        cli_text("cli.import.rejected", line=4, reason=bell),
        cli_text("cli.import.summary", created=2, updated=0, rejected=2),
    ]
    async with sessionmaker() as session:
        found = await load(session, "oze")
    assert sorted(found) == ["after", "before"]
    assert found["after"].description == "Sur deux\nlignes,\tet une tabulation"


def test_a_lone_surrogate_rejects_its_row(gazetteer: Gazetteer) -> None:
    """Not encodable in UTF-8, which both databases need. (ijson already turns a JSON file's
    "\\ud800" into "?"; rows given as Python objects, like the demo's, come here as they are.)"""
    _, rejections = parse_one(gazetteer, holder="Gr\ud800gory")

    assert [(r.reason_key, r.values) for r in rejections] == [
        ("import.reason.control_characters", {"field": "holder", "char": "U+D800", "position": 3})
    ]


async def test_numbers_fit_their_columns_or_reject_the_row(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    """backers and stock are INTEGER (< 2^31), amounts BIGINT cents (< 2^63)."""
    rows = [
        row(external_id="max", backers="999999999", goal_eur="999999999999.99"),
        row(external_id="backers", backers=str(2**31)),
        row(external_id="goal", goal_eur=str(2**63)),
        row(external_id="stock", rewards=f"Kit|10|{2**31}"),
    ]
    path = write(tmp_path, "x.csv", csv_text(rows))
    async with sessionmaker() as session:
        report, rejections = await import_records(
            session, read_records(path), "oze", gazetteer, tz="Europe/Paris"
        )
        await session.commit()
        found = await load(session, "oze")

    assert [(r.line, r.reason_key) for r in rejections] == [
        (3, "import.reason.whole"),
        (4, "import.reason.amount"),
        (5, "import.reason.whole"),
    ]
    assert report.created == 1
    assert (found["max"].backers, found["max"].goal_cents) == (999_999_999, 99_999_999_999_999)


# --- the source (issue 10, item 11) ---------------------------------------------------------------


async def test_import_without_a_source_exits_2_and_says_how(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, "oze.csv", csv_text([row()]))

    code = await run_import(settings, path, None, cli_text, gazetteer)

    assert code == 2
    assert capsys.readouterr().err == cli_text("cli.import.no_source", path=path) + "\n"
    assert "--source" in cli_text("cli.import.no_source", path=path)
    async with sessionmaker() as session:
        assert await count(session, Campaign) == 0


async def test_a_source_column_names_each_rows_source(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    items = [
        {**BASE, "source": "oze"},
        {**BASE, "source": "ulule", "title": "Autre", "external_id": "exp3d"},
        {**BASE, "source": "", "external_id": "nosource"},
    ]
    path = write(tmp_path, "x.json", json.dumps(items))

    code = await run_import(settings, path, None, cli_text, gazetteer)

    assert code == 1  # the row without a source
    async with sessionmaker() as session:
        assert list(await load(session, "oze")) == ["exp3d"]
        assert [c.title for c in (await load(session, "ulule")).values()] == ["Autre"]


async def test_another_sources_campaigns_are_refused_unless_allowed(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same catalogue exported twice under two names made two copies of every campaign."""
    first = write(tmp_path, "oze.csv", csv_text([row(), row(external_id="two", title="Deux")]))
    assert await run_import(settings, first, "oze", cli_text, gazetteer) == 0
    capsys.readouterr()
    copy = csv_text([row(external_id="new", title="Nouveau"), row(external_id="e2", title="Deux")])
    second = write(tmp_path, "export.csv", copy)

    # Its own source again is an update, not a duplicate.
    assert await run_import(settings, first, "oze", cli_text, gazetteer) == 0
    capsys.readouterr()

    code = await run_import(settings, second, "oze-export", cli_text, gazetteer)

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.splitlines() == [
        cli_text("cli.import.duplicate", line=3, source="oze", external_id="two"),
        cli_text("cli.import.duplicates", count=1),
    ]
    async with sessionmaker() as session:
        assert await load(session, "oze-export") == {}

    code = await run_import(
        settings, second, "oze-export", cli_text, gazetteer, allow_duplicates=True
    )

    assert code == 0
    async with sessionmaker() as session:
        assert sorted(await load(session, "oze-export")) == ["e2", "new"]


# --- batches (issue 10, item 12) ------------------------------------------------------------------


async def test_a_crash_leaves_whole_batches_and_a_rerun_completes(
    settings: Settings,
    gazetteer: Gazetteer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.imports import importer

    rows = [row(external_id=f"c{i}", title=f"Projet {i}") for i in range(5)]
    path = write(tmp_path, "x.csv", csv_text(rows))
    monkeypatch.setattr(importer, "BATCH", 2)
    real, calls = importer.replace_rewards, []

    async def crash_on_the_second_batch(session: AsyncSession, rewards: dict) -> None:  # type: ignore[type-arg]
        calls.append(1)
        await real(session, rewards)
        if len(calls) == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(importer, "replace_rewards", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        await run_import(settings, path, "oze", cli_text, gazetteer)

    async with sessionmaker() as session:
        found = await load(session, "oze")
        assert sorted(found) == ["c0", "c1"]
        assert [len(c.rewards) for c in found.values()] == [2, 2]

    monkeypatch.setattr(importer, "replace_rewards", real)
    assert await run_import(settings, path, "oze", cli_text, gazetteer) == 0
    async with sessionmaker() as session:
        assert len(await load(session, "oze")) == 5
        assert await count(session, Reward) == 10
