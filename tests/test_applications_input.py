"""Bad input at each step of /apply gets a clear answer and changes nothing; /cancel works at
every step; fixing a field keeps the others; forged buttons are refused."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui import applications as ui
from bot.ui import formatting
from tests.applications_helpers import (
    ANSWERS,
    APPLICANT,
    COORDINATOR,
    add_operation,
    add_people,
    applications_in,
    expected_summary,
    fill_form,
)
from tests.e2e import Chat, Harness

LOIRE = "Make in Loire Valley"
MIN, MAX = formatting.money(10_000, "fr"), formatting.money(100_000_000, "fr")


async def refused(chat: Chat, data: str) -> str:
    """Press forged callback data on the last message; the alert's text."""
    await chat.press_data(chat.last["message_id"], data, strict=False)
    return str(chat.callback_answers()[-1].get("text"))


async def test_bad_answers_at_each_step_are_explained_and_change_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_people(sessionmaker, coordinator=[COORDINATOR])
    await add_operation(sessionmaker, LOIRE, [("region", "24")], [COORDINATOR])
    chat = harness.chat(APPLICANT, "fr")
    await chat.send("/apply")

    # The project's name.
    assert (await chat.send("x" * 121))[-1]["text"] == chat.t("apply.bad.too_long", max=120)
    assert (await chat.send("   "))[-1]["text"] == chat.t("apply.bad.empty")
    assert (await chat.send("Nom\x07"))[-1]["text"] == chat.t("apply.bad.control")
    assert (await chat.location(47.39, 0.69))[-1]["text"] == chat.t("apply.bad.not_text")
    assert (await chat.send(ANSWERS["name"]))[-1]["text"] == chat.t("apply.ask.holder")
    assert (await chat.send(ANSWERS["holder"]))[-1]["text"] == chat.t("apply.ask.type")

    # The holder's type, then the category: buttons only, forged ones refused.
    assert (await chat.send("association"))[-1]["text"] == chat.t("apply.use_buttons")
    forged_type = ui.ApplyChoice(field="type", value="alien").pack()
    assert await refused(chat, forged_type) == chat.t("stale")
    early = ui.ApplyChoice(field="category", value="culture").pack()
    assert await refused(chat, early) == chat.t("stale")
    await chat.press(chat.last, chat.t(ANSWERS["type"]))
    assert chat.last["text"] == chat.t("apply.ask.category")
    await chat.press(chat.last, chat.t(ANSWERS["category"]))

    # The commune: outside the territory, unknown, too long, without a known town hall.
    (outside,) = await chat.send("Saint-Lô")
    assert outside["text"] == chat.t(
        "apply.bad.outside", commune="Saint-Lô (50)", territory="Centre-Val de Loire"
    )
    assert (await chat.send("Zzzqxw"))[-1]["text"] == chat.t("place.unknown", query="Zzzqxw")
    assert (await chat.send("x" * 81))[-1]["text"] == chat.t("place.too_long")
    assert (await chat.send("18005"))[-1]["text"] == chat.t("apply.bad.no_point", commune="Allouis")
    assert (await chat.send("Loches"))[-1]["text"] == chat.t("apply.ask.goal", min=MIN, max=MAX)

    # The goal.
    assert (await chat.send("abc"))[-1]["text"] == chat.t("apply.bad.amount", value="abc")
    assert (await chat.send("50"))[-1]["text"] == chat.t("apply.bad.goal_bounds", min=MIN, max=MAX)
    bounds = chat.t("apply.bad.goal_bounds", min=MIN, max=MAX)
    assert (await chat.send("2 000 000"))[-1]["text"] == bounds
    await chat.send(ANSWERS["goal"])

    # The description, then the contact.
    too_long = chat.t("apply.bad.too_long", max=1000)
    assert (await chat.send("x" * 1001))[-1]["text"] == too_long
    await chat.send(ANSWERS["description"])
    assert (await chat.send("a" * 201))[-1]["text"] == chat.t("apply.bad.too_long", max=200)
    (summary,) = await chat.send(ANSWERS["contact"])
    assert summary["text"] == expected_summary(chat, LOIRE, commune="Loches (37)")

    # The summary: typing, forged buttons.
    assert (await chat.send("ok"))[-1]["text"] == chat.t("apply.use_summary_buttons")
    assert await refused(chat, ui.ApplyFix(field="alien").pack()) == chat.t("stale")
    assert await refused(chat, ui.ApplyStep(action="alien").pack()) == chat.t("stale")
    assert await applications_in(sessionmaker) == []

    # Nothing was lost: the summary is sent as it was.
    await chat.press(summary, chat.t("apply.submit"))
    (application,) = await applications_in(sessionmaker)
    assert (application.project_name, application.goal_cents) == (ANSWERS["name"], 800_000)
    assert application.description == ANSWERS["description"]


async def test_fixing_a_field_keeps_the_others(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_operation(sessionmaker, LOIRE, [("department", "37")])
    chat = harness.chat(APPLICANT, "fr")
    summary = await fill_form(chat)
    await chat.press(summary, chat.t("apply.fix"))
    assert chat.message(summary["message_id"])["reply_markup"]["inline_keyboard"][0][0][
        "text"
    ] == chat.t("apply.field.name")
    (question,) = await chat.press(chat.message(summary["message_id"]), chat.t("apply.field.name"))
    assert question["text"] == chat.t("apply.ask.name", max=120) + "\n\n" + chat.t(
        "apply.current", value=ANSWERS["name"]
    )
    (again,) = await chat.send("Fromagerie coopérative")
    assert again["text"] == expected_summary(chat, LOIRE, name="Fromagerie coopérative")

    await chat.press(again, chat.t("apply.fix"))
    await chat.press(chat.message(again["message_id"]), chat.t("apply.field.commune"))
    (picked,) = await chat.send("Amboise")
    assert picked["text"] == expected_summary(
        chat, LOIRE, name="Fromagerie coopérative", commune="Amboise (37)"
    )

    await chat.press(picked, chat.t("apply.fix"))
    await chat.press(chat.message(picked["message_id"]), chat.t("apply.field.category"))
    (final,) = await chat.press(chat.last, chat.t("category.culture"))
    assert final["text"] == expected_summary(
        chat,
        LOIRE,
        name="Fromagerie coopérative",
        commune="Amboise (37)",
        category=chat.t("category.culture"),
    )
    await chat.press(final, chat.t("apply.submit"))
    (application,) = await applications_in(sessionmaker)
    assert (application.project_name, application.commune_insee, application.category) == (
        "Fromagerie coopérative", "37003", "culture",
    )  # fmt: skip
    assert (application.holder_name, application.contact) == (ANSWERS["holder"], ANSWERS["contact"])


STEPS = ["name", "holder", "type", "category", "commune", "goal", "description", "contact"]


@pytest.mark.parametrize("answered", range(len(STEPS) + 1))
async def test_cancel_at_every_step_sends_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], answered: int
) -> None:
    await add_operation(sessionmaker, LOIRE, [("department", "37")])
    chat = harness.chat(APPLICANT, "fr")
    await chat.send("/apply")
    for step in STEPS[:answered]:
        if step in ("type", "category"):
            await chat.press(chat.last, chat.t(ANSWERS[step]))
        else:
            await chat.send(ANSWERS[step])
    pending = chat.last
    (reply,) = await chat.send("/cancel")
    assert reply["text"] == chat.t("apply.cancelled")
    if answered == len(STEPS):  # the summary's buttons are no longer available
        await chat.press(pending, chat.t("apply.submit"))
        assert chat.callback_answers()[-1]["text"] == chat.t("stale")
    assert await applications_in(sessionmaker) == []


async def test_the_summary_cancel_button_sends_nothing(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_operation(sessionmaker, LOIRE, [("department", "37")])
    chat = harness.chat(APPLICANT, "en")
    summary = await fill_form(chat)
    (reply,) = await chat.press(summary, chat.t("apply.cancel_button"))
    assert reply["text"] == chat.t("apply.cancelled")
    assert await applications_in(sessionmaker) == []
