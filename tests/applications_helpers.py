"""Shared pieces of the applications' tests: operations with an open call written straight to
the database, people with roles, the form filled in through the bot, the outbox delivered."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui import formatting
from storage.models import Application, Campaign, Holder, Operation, User
from storage.repo import operations
from tests.delivery_helpers import SkipClock, make_worker
from tests.e2e import Chat, Harness

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the harness's clock
OPENS = NOW - timedelta(days=5)
CLOSES = NOW + timedelta(days=20)
LAUNCH = NOW + timedelta(days=30)
ENDS = NOW + timedelta(days=80)
TOURAINE = [("department", "37")]
MANCHE = [("department", "50")]

APPLICANT, APPLICANT_EN, COORDINATOR, OTHER_COORDINATOR, HOLDER, RESIDENT = (
    1001,
    1002,
    7001,
    7002,
    7003,
    7004,
)
ANSWERS = {
    "name": "Fromagerie du Lochois",
    "holder": "Marie Dupont",
    "type": "apply.type.association",
    "category": "category.solidarity",
    "commune": "Loches",
    "goal": "8 000 €",
    "description": "Une fromagerie coopérative au cœur de Loches.",
    "contact": "marie@example.org",
}


async def add_people(sessionmaker: async_sessionmaker[AsyncSession], **flags: list[int]) -> None:
    """Users with flags: add_people(sm, coordinator=[7001], holder=[7003], plain=[7004])."""
    async with sessionmaker() as session:
        for flag, ids in flags.items():
            for user_id in ids:
                user = User(id=user_id, radius_km=25, created_at=NOW, updated_at=NOW)
                if flag != "plain":
                    setattr(user, flag, True)
                session.add(user)
        await session.commit()


async def add_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    areas: list[tuple[str, str]],
    coordinators: list[int] = (),  # type: ignore[assignment]
    **times: datetime | None,
) -> int:
    """An operation whose call is open at NOW (unless `times` say otherwise)."""
    fields: dict[str, Any] = {
        "name": name,
        "platform": "Ulule",
        "call_opens_at": OPENS,
        "call_closes_at": CLOSES,
        "launch_at": LAUNCH,
        "ends_at": ENDS,
        **times,
    }
    async with sessionmaker() as session:
        operation = await operations.create(session, fields, areas, created_by=None)  # type: ignore[arg-type]
        for user_id in coordinators:
            await operations.assign(session, operation.id, user_id)
        await session.commit()
        return operation.id


async def fill_form(chat: Chat, **changes: str) -> dict[str, Any]:
    """/apply, then every answer (ANSWERS with `changes`); returns the summary."""
    answers = {**ANSWERS, **changes}
    await chat.send("/apply")
    await chat.send(answers["name"])
    await chat.send(answers["holder"])
    await chat.press(chat.last, chat.t(answers["type"]))
    await chat.press(chat.last, chat.t(answers["category"]))
    await chat.send(answers["commune"])
    await chat.send(answers["goal"])
    await chat.send(answers["description"])
    replies = await chat.send(answers["contact"])
    return replies[-1]


def expected_summary(chat: Chat, operation: str, **changes: object) -> str:
    """The summary as the applicant reads it."""
    values: dict[str, object] = {
        "name": ANSWERS["name"],
        "holder": ANSWERS["holder"],
        "type": chat.t(ANSWERS["type"]),
        "category": chat.t(ANSWERS["category"]),
        "commune": "Loches (37)",
        "goal": formatting.money(800_000, chat.lang),
        "description": ANSWERS["description"],
        "contact": ANSWERS["contact"],
        **changes,
    }
    return chat.t("apply.summary", operation=operation, fields=chat.t("apply.fields", **values))


async def deliver(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Send everything the outbox holds, as the delivery worker does."""
    worker = make_worker(
        harness.bot, sessionmaker, harness.i18n, harness.settings, SkipClock(harness.clock.now)
    )
    await worker.run(until_empty=True)


async def applications_in(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Application]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Application).order_by(Application.id)))


async def state_of_world(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """What a moderation action may change: applications, campaigns, holders, holder flags."""
    async with sessionmaker() as session:
        apps = await session.scalars(select(Application).order_by(Application.id))
        camps = await session.scalars(select(Campaign).order_by(Campaign.id))
        holders = await session.scalars(select(Holder))
        flags = await session.scalars(select(User).where(User.holder.is_(True)))
        ops = await session.scalars(select(Operation).order_by(Operation.id))
        return {
            "applications": [
                (a.id, a.status, a.reason, a.goal_cents, a.campaign_id, a.decided_by) for a in apps
            ],
            "campaigns": [(c.id, c.source, c.operation_id) for c in camps],
            "holders": sorted((h.campaign_id, h.user_id) for h in holders),
            "holder_flags": sorted(u.id for u in flags),
            "operations": [(o.id, o.name) for o in ops],
        }
