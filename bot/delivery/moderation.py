"""Notices of moderation, queued in the transaction of the change: to the operation's
coordinators when an application arrives (or comes back with changes), and to the applicant
at each decision. Both go in the urgent lane; quiet hours and the digest hour are kept.

Content holds data only; bot.ui.application_texts words it in each reader's language at send
time. Dedup keys make each notice exist once: one per coordinator per submission (the first,
then one after each change request), one per decision.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.quiet_hours import deliver_at
from storage.models import Application, Operation, Priority, User
from storage.repo import applications as repo
from storage.repo import outbox

ARRIVED = "application"
DECIDED = "decision"


async def notify_coordinators(
    session: AsyncSession,
    application: Application,
    operation: Operation,
    commune: str,
    now: datetime,
    tz: str,
    *,
    resubmitted: bool = False,
) -> int:
    """One notice to each coordinator of the application's operation; how many were queued."""
    content: dict[str, Any] = {
        "application": application.id,
        "operation": operation.name,
        "project": application.project_name,
        "commune": commune,
        "resubmitted": resubmitted,
    }
    # A resubmission follows a change request: its decision's time tells the rounds apart.
    decided = application.decided_at
    submission = decided.isoformat() if resubmitted and decided is not None else "first"
    rows = [
        _row(coordinator, ARRIVED, f"{ARRIVED}:{application.id}:{submission}:{coordinator.id}",
             content, now, tz)
        for coordinator in await repo.coordinator_users(session, operation.id)
    ]  # fmt: skip
    return await outbox.enqueue_many(session, rows)


async def notify_applicant(
    session: AsyncSession,
    application: Application,
    operation: Operation,
    now: datetime,
    tz: str,
) -> bool:
    """The decision just made, to the applicant; False if they are gone or it was queued."""
    applicant = await session.get(User, application.applicant_id)
    if applicant is None:
        return False
    launch = operation.launch_at
    content: dict[str, Any] = {
        "application": application.id,
        "operation": operation.name,
        "project": application.project_name,
        "status": application.status,
        "reason": application.reason or "",
        "starts_at": launch.isoformat() if launch else None,
    }
    decided = int((application.decided_at or now).timestamp())
    key = f"{DECIDED}:{application.id}:{application.status}:{decided}"
    return (
        await outbox.enqueue_many(session, [_row(applicant, DECIDED, key, content, now, tz)]) == 1
    )


def _row(
    user: User, kind: str, key: str, content: dict[str, Any], now: datetime, tz: str
) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "kind": kind,
        "dedup_key": key,
        "content": content,
        "due_at": now,
        "not_before": deliver_at(now, user, tz),
        "priority": Priority.URGENT,
    }
