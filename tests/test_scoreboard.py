"""The scoreboard: the Touraine pilot's figures rebuilt from generated data (42 projects, 18
funded, 123,000 € from 2,400 backers) as text, chart and CSV; the public version keeps the
applicants' details out; the figures' rules without a bot."""

import csv
import io
import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.scoreboard import Project, build, total_over_time
from bot.ui import formatting
from bot.ui import scoreboard as ui
from storage.models import Application, ProgressPoint
from tests.applications_helpers import (
    COORDINATOR,
    NOW,
    OTHER_COORDINATOR,
    RESIDENT,
    TOURAINE,
    add_operation,
    add_people,
)
from tests.e2e import Chat, Harness, button_labels
from tests.factories import add_campaigns, campaign

PILOT = "Touraine 2016"
LAUNCH, END = NOW - timedelta(days=60), NOW - timedelta(days=5)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pilot_figures() -> list[tuple[str, int, int, int]]:
    """(title, goal, raised, backers) of 42 projects: 18 funded; 123,000 € and 2,400 backers."""
    funded = [
        (f"Projet financé {i + 1}", 400_000, 500_000 + (2 * i - 17) * 5_000, 80 + (2 * i - 17))
        for i in range(18)
    ]
    short = [
        (f"Projet en route {j + 1}", 400_000, 137_500 + (2 * j - 23) * 1_000, 40 + (2 * j - 23))
        for j in range(24)
    ]
    return funded + short


async def seed_pilot(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, list[int]]:
    await add_people(sessionmaker, coordinator=[COORDINATOR, OTHER_COORDINATOR], plain=[RESIDENT])
    operation = await add_operation(
        sessionmaker, PILOT, TOURAINE, [COORDINATOR],
        call_opens_at=LAUNCH - timedelta(days=90), call_closes_at=LAUNCH - timedelta(days=10),
        launch_at=LAUNCH, ends_at=END,
    )  # fmt: skip
    items = [
        campaign(NOW, title=title, goal_cents=goal, raised_cents=raised, backers=backers,
                 starts_at=LAUNCH, ends_at=END, operation_id=operation, commune_insee="37261")
        for title, goal, raised, backers in pilot_figures()
    ]  # fmt: skip
    ids = await add_campaigns(sessionmaker, *items)
    async with sessionmaker() as session:
        for campaign_id, (_title, _goal, raised, backers) in zip(ids, pilot_figures(), strict=True):
            for step in (1, 2):  # half way through, then the final figures
                session.add(
                    ProgressPoint(campaign_id=campaign_id, at=LAUNCH + timedelta(days=20 * step),
                                  raised_cents=raised * step // 2, backers=backers, source="import")
                )  # fmt: skip
        fields = {"holder_name": "Marie", "category": "culture", "commune_insee": "37261",
                  "goal_cents": 400_000, "description": "…", "created_at": NOW,
                  "updated_at": NOW}  # fmt: skip
        session.add_all(
            [
                Application(operation_id=operation, applicant_id=RESIDENT, status="approved",
                            project_name="Projet financé 1", holder_type="association",
                            contact="marie@example.org", campaign_id=ids[0], **fields),
                Application(operation_id=operation, applicant_id=RESIDENT, status="refused",
                            project_name="Refusé", holder_type="company",
                            contact="x@example.org", **fields),
                Application(operation_id=operation, applicant_id=RESIDENT, status="submitted",
                            project_name="En attente", holder_type="individual",
                            contact="y@example.org", **fields),
            ]
        )  # fmt: skip
        await session.commit()
    return operation, ids


def expected_text(chat: Chat, full: bool) -> str:
    loc = chat.lang
    parts = [
        chat.t("scoreboard.header", operation=PILOT),
        chat.t(
            "scoreboard.figures", launched=42, live=0, upcoming=0, funded=18,
            rate=formatting.percent_text(43, loc), raised=formatting.money(12_300_000, loc),
            backers=format_decimal(2400, locale=loc),
        ),
        chat.t("scoreboard.ended", date=formatting.date(END, loc, "Europe/Paris")),
    ]  # fmt: skip
    if full:
        parts.append(
            chat.t("scoreboard.applications", total=3, submitted=1, changes=0, approved=1,
                   refused=1)
        )  # fmt: skip
    top = [chat.t("scoreboard.top")]
    for rank, (title, goal, raised, backers) in enumerate(
        sorted(pilot_figures(), key=lambda f: -f[2])[:5], 1
    ):
        top.append(
            chat.t(
                "scoreboard.top_line", rank=rank, title=title,
                raised=formatting.money(raised, loc), goal=formatting.money(goal, loc),
                percent=formatting.percent_text(raised * 100 // goal, loc),
                backers=format_decimal(backers, locale=loc),
            )
        )  # fmt: skip
    parts.append("\n".join(top))
    return "\n\n".join(parts)


def sent_file(harness: Harness, message: dict, kind: str) -> bytes:
    file_id = message["photo"][-1]["file_id"] if kind == "photo" else message[kind]["file_id"]
    return harness.fake.files[file_id].content


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def table(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with its mark: spreadsheets read accents
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_the_touraine_pilot_rebuilt_as_text_chart_and_csv(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_pilot(sessionmaker)
    resident = harness.chat(RESIDENT, "fr")

    (text,) = await resident.send("/scoreboard")
    assert text["text"] == expected_text(resident, full=False)
    assert button_labels(text) == [
        resident.t("scoreboard.chart_button"),
        resident.t("scoreboard.csv_button"),
    ]

    (chart,) = await resident.press(text, resident.t("scoreboard.chart_button"))
    assert chart["caption"] == resident.t("scoreboard.chart.caption", operation=PILOT)
    assert png_size(sent_file(harness, chart, "photo")) == (ui.WIDTH_PX, ui.HEIGHT_PX)

    (document,) = await resident.press(text, resident.t("scoreboard.csv_button"))
    assert document["document"]["file_name"].endswith(".csv")
    rows = table(sent_file(harness, document, "document"))
    assert list(rows[0]) == list(ui.PUBLIC_COLUMNS)
    assert len(rows) == 42
    assert sum(Decimal(r["raised_eur"]) for r in rows) == Decimal(123_000)
    assert sum(int(r["funded"]) for r in rows) == 18
    assert sum(int(r["backers"]) for r in rows) == 2400
    assert {r["status"] for r in rows} == {"ended"}


async def test_coordinators_see_the_applications_and_the_public_does_not(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    operation, ids = await seed_pilot(sessionmaker)
    coordinator = harness.chat(COORDINATOR, "en")
    (text,) = await coordinator.send(f"/scoreboard {operation}")
    assert text["text"] == expected_text(coordinator, full=True)
    (document,) = await coordinator.press(text, coordinator.t("scoreboard.csv_button"))
    rows = table(sent_file(harness, document, "document"))
    assert list(rows[0]) == list(ui.FULL_COLUMNS)
    first = next(r for r in rows if r["campaign_id"] == str(ids[0]))
    assert (first["holder_type"], first["contact"]) == ("association", "marie@example.org")
    assert sum(1 for r in rows if r["contact"]) == 1

    # Another operation's coordinator, and a resident: the public version.
    for user_id in (OTHER_COORDINATOR, RESIDENT):
        chat = harness.chat(user_id, "fr")
        (text,) = await chat.send(f"/scoreboard {operation}")
        assert text["text"] == expected_text(chat, full=False)
        (document,) = await chat.press(text, chat.t("scoreboard.csv_button"))
        data = sent_file(harness, document, "document")
        assert b"marie@example.org" not in data and b"holder_type" not in data


async def test_unknown_operations_and_forged_views(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(RESIDENT + 100, "fr")
    assert (await chat.send("/scoreboard"))[-1]["text"] == chat.t("scoreboard.none")
    assert (await chat.send("/scoreboard 99"))[-1]["text"] == chat.t("scoreboard.unknown")
    assert (await chat.send("/scoreboard x"))[-1]["text"] == chat.t("scoreboard.unknown")
    operation, _ids = await seed_pilot(sessionmaker)
    await add_operation(sessionmaker, "Ozé", [("department", "50")], [OTHER_COORDINATOR])
    (picker,) = await chat.send("/scoreboard")  # Ozé has no campaign: only the pilot
    assert picker["text"] == expected_text(chat, full=False)
    other = harness.chat(OTHER_COORDINATOR, "fr")
    (picker,) = await other.send("/scoreboard")  # theirs too
    assert picker["text"] == other.t("scoreboard.pick")
    assert button_labels(picker) == ["Ozé", PILOT]
    await other.press_data(picker["message_id"], ui.ScoreboardView(id=99, what="png").pack(),
                           strict=False)  # fmt: skip
    assert other.callback_answers()[-1]["text"] == other.t("stale")
    await other.press_data(
        picker["message_id"], ui.ScoreboardView(id=operation, what="zip").pack(), strict=False
    )
    assert other.callback_answers()[-1]["text"] == other.t("stale")


# --- the rules, without a bot ---------------------------------------------------------------------


def project(number: int, goal: int, raised: int, starts: datetime, **more: object) -> Project:
    return Project(
        id=number, title=f"P{number}", holder="H", commune_insee=None, category="other",
        goal_cents=goal, raised_cents=raised, backers=number, starts_at=starts,
        ends_at=starts + timedelta(days=30), **more,  # type: ignore[arg-type]
    )  # fmt: skip


def test_launched_live_upcoming_funded_and_the_days_left() -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    projects = [
        project(1, 1000, 1500, now - timedelta(days=10)),  # live, funded
        project(2, 1000, 500, now - timedelta(days=40)),  # ended, short
        project(3, 1000, 0, now + timedelta(days=2)),  # upcoming
        project(4, 1000, 2000, now - timedelta(days=5), cancelled=True),  # not counted
    ]
    board = build(projects, now, now + timedelta(days=29), "Europe/Paris")
    assert [p.id for p in board.launched] == [1, 2]
    assert (board.live, board.upcoming, board.funded) == (1, 1, 1)
    assert (board.raised_cents, board.backers, board.success_rate) == (2000, 3, 50)
    assert (board.days_left, board.ended) == (29, False)
    assert build([], now, None, "Europe/Paris").success_rate == 0


def test_the_total_over_time_follows_each_campaigns_latest_figure() -> None:
    t0 = datetime(2027, 2, 5, tzinfo=UTC)
    points = [(t0, 1, 100), (t0, 2, 50), (t0 + timedelta(days=1), 1, 300)]
    current = [project(1, 1000, 300, t0), project(2, 1000, 80, t0)]
    series = total_over_time(points, current, t0 + timedelta(days=2))
    assert series == [(t0, 150), (t0 + timedelta(days=1), 350), (t0 + timedelta(days=2), 380)]


def test_the_chart_of_500_projects_and_of_none_keeps_its_size() -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    labels = ui.ChartLabels("Op $x$ et $", "goals", "%", "100 %", "total", "€")
    many = [project(n, 100_000, n * 400, now - timedelta(days=3)) for n in range(1, 501)]
    for projects in (many, []):
        board = build(projects, now, None, "Europe/Paris")
        png = ui.chart_png(board, total_over_time([], projects, now), labels)
        assert png_size(png) == (ui.WIDTH_PX, ui.HEIGHT_PX)
