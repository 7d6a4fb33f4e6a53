"""Every moderation action is refused to residents, holders and the coordinators of another
operation, forged buttons included, and changes nothing; an application is seen only by its
applicant and its operation's coordinators; a decision is taken once."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui import applications as ui
from storage.models import Holder
from tests.applications_helpers import (
    ANSWERS,
    APPLICANT,
    COORDINATOR,
    HOLDER,
    MANCHE,
    OTHER_COORDINATOR,
    RESIDENT,
    TOURAINE,
    add_operation,
    add_people,
    fill_form,
    state_of_world,
)
from tests.e2e import Chat, Harness, button_labels
from tests.factories import add_campaigns, campaign

ACTIONS = ("approve", "approve_yes", "refuse", "changes")


async def setup(harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_people(
        sessionmaker,
        coordinator=[COORDINATOR, OTHER_COORDINATOR],
        holder=[HOLDER],
        plain=[RESIDENT],
    )
    (held,) = await add_campaigns(sessionmaker, campaign(harness.clock.now))
    async with sessionmaker() as session:
        session.add(Holder(campaign_id=held, user_id=HOLDER))
        await session.commit()
    await add_operation(sessionmaker, "Make in Loire Valley", TOURAINE, [COORDINATOR])
    later = harness.clock.now + timedelta(days=90)  # its call is not open: one call to apply to
    await add_operation(sessionmaker, "Ozé", MANCHE, [OTHER_COORDINATOR], call_opens_at=later)
    applicant = harness.chat(APPLICANT, "fr")
    await applicant.press(await fill_form(applicant), applicant.t("apply.submit"))


async def forge(chat: Chat, data: str) -> str:
    """Press forged callback data; the alert's text."""
    await chat.send("/help")
    await chat.press_data(chat.last["message_id"], data, strict=False)
    return str(chat.callback_answers()[-1].get("text"))


def saw_the_application(chat: Chat) -> bool:
    return any(ANSWERS["name"] in (m.get("text") or "") for m in chat.messages)


async def test_moderation_is_refused_to_anyone_but_the_operations_coordinators(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await setup(harness, sessionmaker)
    before = await state_of_world(sessionmaker)
    resident, holder = harness.chat(RESIDENT, "fr"), harness.chat(HOLDER, "en")
    other = harness.chat(OTHER_COORDINATOR, "fr")

    for chat in (resident, holder):
        assert (await chat.send("/moderation"))[-1]["text"] == chat.t("unknown.text")
        for data in (ui.ModerationView(id=1).pack(), ui.ModerationList().pack()):
            assert await forge(chat, data) == chat.t("stale")
        for action in ACTIONS:
            assert await forge(chat, ui.ModerationAct(action=action, id=1).pack()) == chat.t(
                "stale"
            )

    assert (await other.send("/moderation"))[-1]["text"] == other.t("moderation.empty")
    assert await forge(other, ui.ModerationView(id=1).pack()) == other.t("moderation.forbidden")
    for action in ACTIONS:
        data = ui.ModerationAct(action=action, id=1).pack()
        assert await forge(other, data) == other.t("moderation.forbidden")
    # No reason is awaited from them: what they type decides nothing.
    await other.send("Refusé, bien sûr.")

    assert await state_of_world(sessionmaker) == before
    for chat in (resident, holder, other):
        assert not saw_the_application(chat)


async def test_an_application_is_seen_only_by_its_applicant_and_its_coordinators(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await setup(harness, sessionmaker)
    before = await state_of_world(sessionmaker)
    resident = harness.chat(RESIDENT, "fr")
    assert (await resident.send("/myapplications"))[-1]["text"] == resident.t(
        "myapplications.empty"
    )
    edit = ui.MyApplication(id=1).pack()
    assert await forge(resident, edit) == resident.t("apply.not_editable")
    # The applicant cannot edit it either while it awaits a decision.
    applicant = harness.chat(APPLICANT, "fr")
    assert await forge(applicant, edit) == applicant.t("apply.not_editable")
    assert await state_of_world(sessionmaker) == before
    assert not saw_the_application(resident)

    coordinator = harness.chat(COORDINATOR, "fr")
    await coordinator.send("/moderation")
    assert ANSWERS["name"] in " ".join(button_labels(coordinator.last))


async def test_a_decision_is_taken_once(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await setup(harness, sessionmaker)
    coordinator = harness.chat(COORDINATOR, "fr")
    await coordinator.send("/moderation")
    queue = coordinator.last
    await coordinator.press(queue, "1")
    await coordinator.press(
        coordinator.message(queue["message_id"]), coordinator.t("moderation.approve")
    )
    confirm = dict(coordinator.message(queue["message_id"]))
    await coordinator.press(confirm, coordinator.t("moderation.approve_yes"))
    once = await state_of_world(sessionmaker)
    assert [a[1] for a in once["applications"]] == ["approved"]
    assert len([c for c in once["campaigns"] if c[1] == "application"]) == 1

    # The same button again (a double tap, another coordinator's old card), or a refusal.
    approve_again = ui.ModerationAct(action="approve_yes", id=1).pack()
    assert await forge(coordinator, approve_again) == coordinator.t("moderation.already")
    refuse = ui.ModerationAct(action="refuse", id=1).pack()
    assert await forge(coordinator, refuse) == coordinator.t("moderation.already")
    assert await state_of_world(sessionmaker) == once
