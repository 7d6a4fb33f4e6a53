"""Becoming a holder (invitations: claimed, expired, reused, revoked), /myprojects, removing a
holder, the follow's source tag, and forged holder buttons: end to end through the fake Bot API."""

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.callbacks import HolderMenu, HolderRevoke, InvitationRevoke, PosterMake, PosterTag
from storage.models import Follow, Holder, Invitation, User
from storage.repo import holders, invitations
from tests.e2e import Chat, Harness, button_labels, buttons, start_harness
from tests.factories import add_campaigns, campaign

ADMIN = 77
LINK = re.compile(r"https://t\.me/fake_bot\?start=h_([A-Za-z0-9_-]+)")


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    # read_model_max_age=0: another user's row written (a holder removed) is seen at once.
    harness, close = await start_harness(
        db_url, gazetteer, i18n, admin_ids=[ADMIN], read_model_max_age=0
    )
    yield harness
    await close()


async def seed(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    now = harness.clock.now
    return await add_campaigns(
        sessionmaker,
        campaign(now, title="Exp3D", goal_cents=200_000, raised_cents=90_000),
        campaign(now, title="Le rythme des maux", category="culture"),
    )


def card_of(chat: Chat) -> dict[str, Any]:
    return next(m for m in reversed(chat.messages) if chat.t("card.follow") in button_labels(m))


async def invite(harness: Harness, campaign_id: int) -> str:
    """The admin opens the campaign's card and taps "Invite a holder"; returns the token."""
    admin = harness.chat(ADMIN)
    await admin.send(f"/start p_{campaign_id}")
    replies = await admin.press(card_of(admin), admin.t("holder.menu.invite"))
    found = LINK.search(replies[-1]["text"])
    assert found is not None, replies[-1]["text"]
    return found[1]


async def holding(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> tuple:
    async with sessionmaker() as session:
        user = await session.get(User, user_id)
        held = await holders.campaigns_of(session, user_id)
        return (user.holder if user else None, held)


async def claimed_holder(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int, uid: int
) -> Chat:
    token = await invite(harness, campaign_id)
    chat = harness.chat(uid)
    await chat.send(f"/start h_{token}")
    assert await holding(sessionmaker, uid) == (True, [campaign_id])
    return chat


async def test_an_invitation_makes_its_opener_a_holder_once(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _rythme = await seed(bot, sessionmaker)
    token = await invite(bot, exp3d)
    admin = bot.chat(ADMIN)
    expires = bot.clock.now + timedelta(days=7)
    assert admin.last["text"] == admin.t(
        "invite.created",
        title="Exp3D",
        link=f"https://t.me/fake_bot?start=h_{token}",
        expires=formatting.datetime(expires, "fr", "Europe/Paris"),
    )
    async with sessionmaker() as session:
        [row] = (await session.scalars(select(Invitation))).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.token_hash, str(row.id))  # only the hash is kept
        assert (row.campaign_id, row.created_by, row.expires_at) == (exp3d, ADMIN, expires)

    chat = bot.chat(2001)
    [reply] = await chat.send(f"/start h_{token}")
    assert reply["text"] == chat.t("invite.claimed", title="Exp3D")
    assert await holding(sessionmaker, 2001) == (True, [exp3d])

    # The holder role shows on the very next update: /myprojects answers.
    [dashboard] = await chat.send("/myprojects")
    assert dashboard["text"].startswith(chat.t("holder.dashboard.title", title="Exp3D"))
    assert chat.t("holder.dashboard.followers", n=0, count=0, week=0) in dashboard["text"]
    assert chat.t("holder.dashboard.no_followers") in dashboard["text"]
    assert "45\xa0%" in dashboard["text"]  # 900 € of 2 000 €
    assert chat.t("time.days_left", n=20, days=20) in dashboard["text"]
    labels = [chat.t(f"holder.menu.{a}") for a in ("news", "progress", "edit", "poster")]
    assert button_labels(dashboard) == [*labels, chat.t("holder.menu.holders")]

    # Used: a second opener is refused and nothing changes.
    other = bot.chat(2002, "en")
    [refusal] = await other.send(f"/start h_{token}")
    assert refusal["text"] == other.t("invite.used")
    assert await holding(sessionmaker, 2002) == (False, [])
    async with sessionmaker() as session:
        row = await session.scalar(select(Invitation))
        assert row is not None and row.used_by == 2001


@pytest.mark.parametrize(
    ("payload", "key"),
    [("h_" + "x" * 43, "invite.unknown"), ("h_short", "invite.unknown"), ("h_", "invite.unknown")],
)
async def test_a_wrong_invitation_link_is_refused(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], payload: str, key: str
) -> None:
    await seed(bot, sessionmaker)
    chat = bot.chat(2003, "en")
    [reply] = await chat.send(f"/start {payload}")
    assert reply["text"] == chat.t(key)
    assert await holding(sessionmaker, 2003) == (False, [])


async def test_an_expired_invitation_is_refused(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    async with sessionmaker() as session:
        past = bot.clock.now - timedelta(days=7, seconds=1)
        token, _row = await invitations.create(
            session, campaign_id=exp3d, created_by=ADMIN, now=past, days=7
        )
        await session.commit()
    chat = bot.chat(2004)
    [reply] = await chat.send(f"/start h_{token}")
    assert reply["text"] == chat.t("invite.expired")
    assert await holding(sessionmaker, 2004) == (False, [])
    async with sessionmaker() as session:
        row = await session.scalar(select(Invitation))
        assert row is not None and row.used_at is None


async def test_an_admin_lists_and_revokes_an_invitation(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    token = await invite(bot, exp3d)
    admin = bot.chat(ADMIN)
    [dashboard] = await admin.press(card_of(admin), admin.t("holder.menu.manage"))
    assert dashboard["text"].startswith(admin.t("holder.dashboard.title", title="Exp3D"))
    assert admin.t("holder.menu.invite") in button_labels(dashboard)  # admins only
    await admin.press(dashboard, admin.t("holder.menu.holders"))
    team = admin.message(dashboard["message_id"])
    assert admin.t("holder.team.no_holders") in team["text"]
    async with sessionmaker() as session:
        row = await session.scalar(select(Invitation))
        assert row is not None
    expires = formatting.date(row.expires_at, "fr", "Europe/Paris")
    assert admin.t("holder.team.invitation", id=row.id, expires=expires) in team["text"]
    await admin.press(team, admin.t("holder.team.revoke", id=row.id))
    assert admin.callback_answers()[-1]["text"] == admin.t("holder.team.revoked")
    assert admin.t("holder.team.no_pending") in admin.message(dashboard["message_id"])["text"]

    chat = bot.chat(2005)
    [reply] = await chat.send(f"/start h_{token}")
    assert reply["text"] == chat.t("invite.revoked")
    assert await holding(sessionmaker, 2005) == (False, [])


async def test_a_removed_holder_loses_the_role(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    chat = await claimed_holder(bot, sessionmaker, exp3d, 2006)
    [dashboard] = await chat.send("/myprojects")  # the user is in the cache, as a holder

    admin = bot.chat(ADMIN)
    [admin_dashboard] = await admin.press(card_of(admin), admin.t("holder.menu.manage"))
    await admin.press(admin_dashboard, admin.t("holder.menu.holders"))
    team = admin.message(admin_dashboard["message_id"])
    assert "2006" in team["text"]
    await admin.press(team, admin.t("holder.team.remove", user_id=2006))
    assert admin.callback_answers()[-1]["text"] == admin.t("holder.team.removed")
    assert await holding(sessionmaker, 2006) == (False, [])

    [reply] = await chat.send("/myprojects")
    assert reply["text"] == chat.t("unknown.text")  # the holder's door is closed
    sent = len(bot.fake.calls_of("sendDocument"))
    await chat.press(dashboard, chat.t("holder.menu.poster"))
    assert chat.callback_answers()[-1]["text"] == chat.t("stale")
    assert len(bot.fake.calls_of("sendDocument")) == sent


async def test_a_holder_of_several_campaigns_keeps_the_role_until_the_last(
    sessionmaker: async_sessionmaker[AsyncSession], bot: Harness
) -> None:
    exp3d, rythme = await seed(bot, sessionmaker)
    async with sessionmaker() as session:
        session.add(User(id=2007, radius_km=25))
        await session.flush()
        for campaign_id in (exp3d, rythme):
            await holders.add(session, 2007, campaign_id, ADMIN, bot.clock.now)
        await session.commit()
    assert await holding(sessionmaker, 2007) == (True, [exp3d, rythme])
    async with sessionmaker() as session:
        assert await holders.remove(session, 2007, exp3d)
        await session.commit()
    assert await holding(sessionmaker, 2007) == (True, [rythme])
    async with sessionmaker() as session:
        assert await holders.remove(session, 2007, rythme)
        assert not await holders.remove(session, 2007, rythme)  # nothing left to remove
        await session.commit()
    assert await holding(sessionmaker, 2007) == (False, [])


# Each aimed at the other campaign (its id set in the test).
FORGED = [
    (HolderMenu(action="menu", id=1), "holder.form.refused"),
    (HolderMenu(action="poster", id=1), "holder.form.refused"),
    (HolderMenu(action="holders", id=1), "holder.form.refused"),
    (HolderMenu(action="invite", id=1), "holder.admins_only"),
    (PosterTag(id=1, tag="market"), "holder.form.refused"),
    (PosterMake(id=1, tag="market", fmt="a4"), "holder.form.refused"),
    (HolderRevoke(id=1, user=2999), "holder.admins_only"),
    (InvitationRevoke(id=1, inv=2), "holder.admins_only"),
]


@pytest.mark.parametrize(("forged", "key"), FORGED, ids=lambda v: str(v).split()[0])
async def test_a_forged_button_for_another_campaign_is_refused(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], forged: Any, key: str
) -> None:
    exp3d, rythme = await seed(bot, sessionmaker)
    chat = await claimed_holder(bot, sessionmaker, exp3d, 2008)
    await invite(bot, rythme)  # a pending invitation of the other campaign
    async with sessionmaker() as session:
        session.add(User(id=2999, radius_km=25))
        await session.flush()
        await holders.add(session, 2999, rythme, ADMIN, bot.clock.now)
        await session.commit()
    [dashboard] = await chat.send("/myprojects")
    before = await state(sessionmaker)
    sent = len(bot.fake.calls)

    data = forged.model_copy(update={"id": rythme}).pack()
    replies = await chat.press_data(dashboard["message_id"], data, strict=False)
    answer = chat.callback_answers()[-1]
    assert (answer["text"], answer["show_alert"]) == (chat.t(key), True)
    assert replies == []
    assert chat.message(dashboard["message_id"]) == dashboard
    assert await state(sessionmaker) == before
    made = {call.method for call in bot.fake.calls[sent:]}
    assert made <= {"answerCallbackQuery", "getUpdates"}


async def state(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple:
    async with sessionmaker() as session:
        invites = (
            await session.execute(select(Invitation.id, Invitation.used_at, Invitation.revoked_at))
        ).all()
        team = (await session.execute(select(Holder.campaign_id, Holder.user_id))).all()
        flags = (await session.execute(select(User.id, User.holder).order_by(User.id))).all()
        return sorted(invites), sorted(team), flags


async def test_followers_are_counted_by_source_in_myprojects(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    holder = await claimed_holder(bot, sessionmaker, exp3d, 2010)
    for uid, payload in [
        (3001, f"p_{exp3d}_market"),
        (3002, f"p_{exp3d}_market"),
        (3003, f"p_{exp3d}_shop-counter"),
        (3004, f"p_{exp3d}_Not%20a%20tag"),  # a bad tag is dropped; the card still opens
        (3005, f"p_{exp3d}"),
    ]:
        resident = bot.chat(uid)
        await resident.send(f"/start {payload}")
        await resident.press(card_of(resident), resident.t("card.follow"))
        assert resident.callback_answers()[-1]["text"] == resident.t("card.followed")
    async with sessionmaker() as session:
        sources = dict((await session.execute(select(Follow.user_id, Follow.source))).all())
        assert sources == {3001: "market", 3002: "market", 3003: "shop-counter"} | {
            3004: None,
            3005: None,
        }
        # One follower of long ago: counted, but not among this week's.
        session.add(User(id=3006, radius_km=25))
        await session.flush()
        session.add(
            Follow(user_id=3006, campaign_id=exp3d, created_at=bot.clock.now - timedelta(days=8))
        )
        await session.commit()

    [dashboard] = await holder.send("/myprojects")
    t = holder.t
    assert t("holder.dashboard.followers", n=6, count=6, week=5) in dashboard["text"]
    sources_line = ", ".join(
        [
            t("holder.dashboard.source", tag="market", count=2),
            t("holder.dashboard.source", tag="shop-counter", count=1),
            t("holder.dashboard.source", tag=t("holder.dashboard.source_other"), count=3),
        ]
    )
    assert t("holder.dashboard.sources", sources=sources_line) in dashboard["text"]


async def test_an_existing_follow_keeps_its_source(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    resident = bot.chat(3010)
    await resident.send(f"/start p_{exp3d}_market")
    card = card_of(resident)
    await resident.press(card, resident.t("card.follow"))
    await resident.press(resident.message(card["message_id"]), resident.t("card.unfollow"))
    await resident.press(resident.message(card["message_id"]), resident.t("card.follow"))
    await resident.send(f"/start p_{exp3d}_flyer")
    async with sessionmaker() as session:
        follow = await session.get(Follow, (3010, exp3d))
        assert follow is not None and follow.source == "market"
        count = await session.scalar(select(func.count()).select_from(Follow))
        assert count == 1


async def test_myprojects_without_a_campaign(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = bot.chat(ADMIN)
    [reply] = await admin.send("/myprojects")
    assert reply["text"] == admin.t("holder.none_admin")
    chat = bot.chat(2011)
    await chat.send("/help")
    async with sessionmaker() as session:  # the flag alone (a holding just removed elsewhere)
        await session.execute(update(User).where(User.id == 2011).values(holder=True))
        await session.commit()
    [reply] = await chat.send("/myprojects")
    assert reply["text"] == chat.t("holder.none")


async def test_the_invite_button_is_on_admins_cards_only(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, _ = await seed(bot, sessionmaker)
    resident = bot.chat(2012)
    await resident.send(f"/start p_{exp3d}")
    labels = button_labels(card_of(resident))
    assert resident.t("holder.menu.invite") not in labels
    assert resident.t("holder.menu.manage") not in labels
    admin = bot.chat(ADMIN)
    await admin.send(f"/start p_{exp3d}")
    urls = [b.get("url", "") for b in buttons(card_of(admin))]
    assert admin.t("holder.menu.invite") in button_labels(card_of(admin))
    share = f"https://t.me/share/url?url=https%3A%2F%2Ft.me%2Ffake_bot%3Fstart%3Dp_{exp3d}&"
    assert any(url.startswith(share) for url in urls)  # the share button is kept
