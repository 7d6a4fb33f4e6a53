"""The scheduler's seam (fixed job ids, job defaults) and `python -m bot outbox`."""

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.cli import print_counts
from bot.delivery.scheduler import Scheduler, alert_scan
from bot.domain.gazetteer import Gazetteer
from bot.settings import Settings
from storage.repo import claims
from tests.delivery_helpers import SkipClock, add_users, queue


async def test_jobs_have_fixed_ids_and_defaults(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    woken: list[bool] = []
    settings = Settings(_env_file=None, scheduler_misfire_grace_seconds=120)  # type: ignore[call-arg]
    scheduler = Scheduler(settings, sessionmaker, lambda: woken.append(True))
    scheduler.start(scan_now=False)
    try:
        assert scheduler.job_ids() == ["alert_scan", "deliver", "new_nearby", "retention"]
        for job in scheduler.scheduler.get_jobs():
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 120)
        # Rebuilt at start-up with replace_existing: adding them again does not duplicate them.
        scheduler.add_jobs()
        assert scheduler.job_ids() == ["alert_scan", "deliver", "new_nearby", "retention"]
    finally:
        scheduler.shutdown()


async def test_alert_scan_job_commits_and_wakes_the_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    woken: list[bool] = []
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = SkipClock()
    await alert_scan(sessionmaker, settings, clock, lambda: woken.append(True))
    assert woken == [True]


async def test_outbox_command_counts_by_status_and_kind(
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = SkipClock().now
    async with sessionmaker() as session:
        await add_users(session, [1, 2])
        await queue(session, 1, "a", "x", now)
        await queue(session, 2, "b", "y", now)
        await queue(session, 2, "c", "z", now, kind="news")
        claimed = await claims.claim_due(session, now, 1)
        await claims.finish(session, [r.id for r in claimed], "sent", now)
        await session.commit()

    def text(key: str, **values: object) -> str:
        return i18n.gettext(key, locale="en").format(**values)

    assert await print_counts(Settings(_env_file=None, database_url=db_url), text) == 0  # type: ignore[call-arg]
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["status", "kind", "count"]
    assert out[1].split() == ["pending", "news", "1"]
    assert out[2].split() == ["pending", "text", "1"]
    assert out[3].split() == ["sent", "text", "1"]
    assert out[4] == text("cli.outbox.totals", totals="pending 2, sent 1")


async def test_with_the_gazetteer_announcements_are_queued_every_minute(
    sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    scheduler = Scheduler(settings, sessionmaker, lambda: None, gazetteer=gazetteer)
    scheduler.start(scan_now=False)
    try:
        job = scheduler.scheduler.get_job("announcements")
        assert job is not None and job.trigger.interval.total_seconds() == 60
        assert job.args[1:4] == (sessionmaker, settings, gazetteer)
    finally:
        scheduler.shutdown()
