"""Applying to a call for projects and its moderation, end to end through the fake Bot API: an
application becomes a campaign held by its applicant; a change request and the resubmission; a
refusal told in the applicant's language; outside the call's window."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from storage.models import Campaign, Holder, Outbox, User
from tests.applications_helpers import (
    ANSWERS,
    APPLICANT,
    APPLICANT_EN,
    CLOSES,
    COORDINATOR,
    ENDS,
    LAUNCH,
    MANCHE,
    NOW,
    OTHER_COORDINATOR,
    TOURAINE,
    add_operation,
    add_people,
    applications_in,
    deliver,
    expected_summary,
    fill_form,
)
from tests.e2e import Chat, Harness, button_labels

LOIRE = "Make in Loire Valley"
MIN, MAX = formatting.money(10_000, "fr"), formatting.money(100_000_000, "fr")


async def two_operations(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    await add_people(sessionmaker, coordinator=[COORDINATOR, OTHER_COORDINATOR])
    loire = await add_operation(sessionmaker, LOIRE, TOURAINE, [COORDINATOR])
    await add_operation(
        sessionmaker, "Ozé", MANCHE, [OTHER_COORDINATOR], call_opens_at=NOW + timedelta(days=90)
    )
    return loire


async def submit(chat: Chat, **changes: str) -> list[dict]:
    summary = await fill_form(chat, **changes)
    return await chat.press(summary, chat.t("apply.submit"))


async def moderate(coordinator: Chat, application_id: int, decision: str) -> list[dict]:
    """Open the application from /moderation and press a decision's button."""
    await coordinator.send("/moderation")
    await coordinator.press(coordinator.last, f"{application_id}")
    return await coordinator.press(coordinator.last, coordinator.t(decision))


async def test_an_application_becomes_a_campaign_held_by_its_applicant(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    loire = await two_operations(sessionmaker)
    applicant = harness.chat(APPLICANT, "fr")

    summary = await fill_form(applicant)
    assert summary["text"] == expected_summary(applicant, LOIRE)
    (submitted,) = await applicant.press(summary, applicant.t("apply.submit"))
    assert submitted["text"] == applicant.t("apply.submitted", id=1, operation=LOIRE)
    (application,) = await applications_in(sessionmaker)
    assert (application.status, application.operation_id, application.applicant_id) == (
        "submitted", loire, APPLICANT,
    )  # fmt: skip
    assert (application.project_name, application.holder_type, application.category) == (
        ANSWERS["name"], "association", "solidarity",
    )  # fmt: skip
    assert (application.commune_insee, application.goal_cents) == ("37132", 800_000)

    # Its coordinators, and only them, are told.
    coordinator = harness.chat(COORDINATOR, "fr")
    other = harness.chat(OTHER_COORDINATOR, "fr")
    await deliver(harness, sessionmaker)
    notice = applicant.t(
        "notice.application", id=1, operation=LOIRE, project=ANSWERS["name"], commune="Loches"
    )
    assert [m["text"] for m in coordinator.messages] == [notice]
    assert other.messages == []

    await coordinator.send("/moderation")
    assert coordinator.last["text"] == coordinator.t("moderation.header", count=1)
    assert button_labels(coordinator.last) == [
        coordinator.t("moderation.item", id=1, name=ANSWERS["name"], operation=LOIRE)
    ]
    item = coordinator.t("moderation.item", id=1, name=ANSWERS["name"], operation=LOIRE)
    queue = coordinator.last
    assert await coordinator.press(queue, item) == []  # the queue's message becomes the card
    card = coordinator.message(queue["message_id"])
    assert card["text"] == coordinator.t(
        "moderation.card", id=1, operation=LOIRE,
        status=coordinator.t("application.status.submitted"),
        submitted=formatting.datetime(NOW, "fr", "Europe/Paris"),
        fields=coordinator.t(
            "apply.fields", name=ANSWERS["name"], holder=ANSWERS["holder"],
            type=coordinator.t("apply.type.association"),
            category=coordinator.t("category.solidarity"), commune="Loches (37)",
            goal=formatting.money(800_000, "fr"), description=ANSWERS["description"],
            contact=ANSWERS["contact"],
        ),
    )  # fmt: skip
    assert button_labels(card) == [
        coordinator.t(key)
        for key in (
            "moderation.approve",
            "moderation.changes",
            "moderation.refuse",
            "moderation.back",
        )
    ]
    await coordinator.press(card, coordinator.t("moderation.approve"))
    confirm = coordinator.message(card["message_id"])
    await coordinator.press(confirm, coordinator.t("moderation.approve_yes"))
    approved = coordinator.message(card["message_id"])["text"]
    assert approved == coordinator.t(
        "moderation.approved", id=1, name=ANSWERS["name"],
        starts=formatting.date(LAUNCH, "fr", "Europe/Paris"),
    )  # fmt: skip

    async with sessionmaker() as session:
        (campaign,) = (await session.scalars(select(Campaign))).all()
        assert (campaign.source, campaign.external_id, campaign.operation_id) == (
            "application", "1", loire,
        )  # fmt: skip
        assert (campaign.starts_at, campaign.ends_at) == (LAUNCH, ENDS)
        assert (campaign.title, campaign.holder, campaign.goal_cents) == (
            ANSWERS["name"], ANSWERS["holder"], 800_000,
        )  # fmt: skip
        loches = gazetteer.by_insee("37132")
        assert loches is not None
        assert (campaign.lat, campaign.lon) == gazetteer.point_for(loches)
        assert (campaign.category, campaign.commune_insee) == ("solidarity", "37132")
        holders = (await session.scalars(select(Holder))).all()
        assert [(h.campaign_id, h.user_id) for h in holders] == [(campaign.id, APPLICANT)]
        user = await session.get(User, APPLICANT)
        assert user is not None and user.holder
    (application,) = await applications_in(sessionmaker)
    assert (application.status, application.campaign_id, application.decided_by) == (
        "approved", campaign.id, COORDINATOR,
    )  # fmt: skip

    # The applicant is told, and now holds the campaign.
    before = len(applicant.messages)
    await deliver(harness, sessionmaker)
    (told,) = applicant.messages[before:]
    assert told["text"] == applicant.t(
        "notice.decision.approved", id=1, operation=LOIRE, project=ANSWERS["name"],
        starts=formatting.date(LAUNCH, "fr", "Europe/Paris"), reason="",
    )  # fmt: skip
    await applicant.send("/myapplications")
    assert applicant.t("application.status.approved") in applicant.last["text"]
    (listed,) = await applicant.send("/myprojects")
    assert ANSWERS["name"] in listed["text"] + " ".join(button_labels(listed))


async def test_a_change_request_then_the_resubmission(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await two_operations(sessionmaker)
    applicant, coordinator = harness.chat(APPLICANT, "fr"), harness.chat(COORDINATOR, "fr")
    await submit(applicant)

    (asked,) = await moderate(coordinator, 1, "moderation.changes")
    assert asked["text"] == coordinator.t("moderation.ask_reason.changes", id=1)
    (done,) = await coordinator.send("Précisez le budget : 9 500 € ?")
    assert done["text"] == coordinator.t("moderation.changes_asked", id=1, name=ANSWERS["name"])
    (application,) = await applications_in(sessionmaker)
    assert (application.status, application.reason) == ("changes", "Précisez le budget : 9 500 € ?")

    await deliver(harness, sessionmaker)
    assert applicant.last["text"] == applicant.t(
        "notice.decision.changes", id=1, operation=LOIRE, project=ANSWERS["name"],
        reason="Précisez le budget : 9 500 € ?",
    )  # fmt: skip
    (mine,) = await applicant.send("/myapplications")
    assert (
        applicant.t("myapplications.reason", reason="Précisez le budget : 9 500 € ?")
        in mine["text"]
    )

    (summary,) = await applicant.press(mine, applicant.t("myapplications.edit", id=1))
    assert summary["text"] == expected_summary(applicant, LOIRE)
    await applicant.press(summary, applicant.t("apply.fix"))
    (question,) = await applicant.press(
        applicant.message(summary["message_id"]), applicant.t("apply.field.goal")
    )
    assert question["text"].startswith(applicant.t("apply.ask.goal", min=MIN, max=MAX))
    (again,) = await applicant.send("9 500")
    goal = formatting.money(950_000, "fr")
    assert again["text"] == expected_summary(applicant, LOIRE, goal=goal)
    (resent,) = await applicant.press(again, applicant.t("apply.submit"))
    assert resent["text"] == applicant.t("apply.resubmitted", id=1, operation=LOIRE)
    (application,) = await applications_in(sessionmaker)
    assert (application.status, application.goal_cents, application.project_name) == (
        "submitted", 950_000, ANSWERS["name"],
    )  # fmt: skip

    before = len(coordinator.messages)
    await deliver(harness, sessionmaker)
    (notice,) = coordinator.messages[before:]
    assert notice["text"] == coordinator.t(
        "notice.application.resubmitted", id=1, operation=LOIRE, project=ANSWERS["name"],
        commune="Loches",
    )  # fmt: skip
    # The edit button is gone: it only comes with a change request.
    (mine,) = await applicant.send("/myapplications")
    assert button_labels(mine) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_refusal_is_told_with_its_reason_in_the_applicants_language(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], lang: str
) -> None:
    await two_operations(sessionmaker)
    applicant = harness.chat(APPLICANT if lang == "fr" else APPLICANT_EN, lang)
    coordinator = harness.chat(COORDINATOR, "fr")
    await submit(applicant)

    await moderate(coordinator, 1, "moderation.refuse")
    (done,) = await coordinator.send("Le projet sort du cadre de l'appel.")
    assert done["text"] == coordinator.t("moderation.refused", id=1, name=ANSWERS["name"])
    await deliver(harness, sessionmaker)
    assert applicant.last["text"] == applicant.t(
        "notice.decision.refused", id=1, operation=LOIRE, project=ANSWERS["name"],
        reason="Le projet sort du cadre de l'appel.",
    )  # fmt: skip
    (mine,) = await applicant.send("/myapplications")
    assert applicant.t("application.status.refused") in mine["text"]
    async with sessionmaker() as session:
        assert (await session.scalars(select(Campaign))).all() == []
        kinds = (await session.scalars(select(Outbox.kind).order_by(Outbox.id))).all()
        assert kinds == ["application", "decision"]


async def test_outside_the_window_the_next_call_is_announced(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(APPLICANT, "fr")
    (reply,) = await chat.send("/apply")
    assert reply["text"] == chat.t("apply.closed")

    opens = NOW + timedelta(days=8)
    await add_operation(sessionmaker, LOIRE, TOURAINE, call_opens_at=opens)
    (reply,) = await chat.send("/apply")
    assert reply["text"] == chat.t(
        "apply.closed_next", operation=LOIRE, opens=formatting.datetime(opens, "fr", "Europe/Paris")
    )
    assert await applications_in(sessionmaker) == []


async def test_a_call_that_closes_while_the_form_is_filled_in_takes_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await two_operations(sessionmaker)
    chat = harness.chat(APPLICANT, "fr")
    summary = await fill_form(chat)
    harness.clock.now = CLOSES
    (reply,) = await chat.press(summary, chat.t("apply.submit"))
    assert reply["text"] == chat.t("apply.closed_meanwhile")
    assert await applications_in(sessionmaker) == []


async def test_several_open_calls_let_the_applicant_choose(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await two_operations(sessionmaker)
    manche = await add_operation(sessionmaker, "Ozé Manche", MANCHE)
    chat = harness.chat(APPLICANT, "fr")
    (reply,) = await chat.send("/apply")
    assert reply["text"] == chat.t("apply.pick")
    assert len(button_labels(reply)) == 2
    await chat.press(reply, "Ozé Manche")
    await chat.send("Atelier vélo")
    await chat.send("Paul")
    await chat.press(chat.last, chat.t("apply.type.individual"))
    await chat.press(chat.last, chat.t("category.citizen"))
    (outside,) = await chat.send("Loches")
    assert outside["text"] == chat.t(
        "apply.bad.outside", commune="Loches (37)", territory="Manche (50)"
    )
    (inside,) = await chat.send("Saint-Lô")
    assert inside["text"] == chat.t("apply.ask.goal", min=MIN, max=MAX)
    summary = await chat.send("900") and await chat.send("Réparer des vélos.")
    (summary,) = await chat.send("paul@example.org")
    assert chat.t("apply.summary", operation="Ozé Manche", fields="")[:20] in summary["text"]
    await chat.press(summary, chat.t("apply.submit"))
    (application,) = await applications_in(sessionmaker)
    assert (application.operation_id, application.commune_insee) == (manche, "50502")
