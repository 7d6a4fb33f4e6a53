"""The resident's journey, end to end: the real app polling the fake Bot API."""

import json
from datetime import timedelta

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.domain.geo import round_location
from bot.ui import formatting
from storage.geo import haversine_km
from storage.models import Follow, Outbox, User
from tests.delivery_helpers import queue
from tests.e2e import Chat, Harness, button_labels
from tests.factories import SAINT_LO, TOURS, add_campaigns, campaign
from tests.test_delivery_membership import membership as membership_change


async def seed_saint_lo(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> list[int]:
    now = harness.clock.now
    return await add_campaigns(
        sessionmaker,
        campaign(
            now,
            title="Exp3D",
            holder="Grégory Jamard",
            goal_cents=200_000,
            raised_cents=385_000,
            backers=85,
            lat=49.12,
            lon=-1.08,
            ends_at=now + timedelta(days=5),
            url="https://oze.example/exp3d",
            description="Des imprimantes 3D conçues à Saint-Lô.",
            rewards=[("Porte-clés imprimé", 1_500)],
        ),
        campaign(
            now,
            title="Le rythme des maux",
            holder="Yannick Hervé",
            category="culture",
            goal_cents=500_000,
            raised_cents=170_000,
            lat=49.13,
            lon=-1.05,
        ),
        campaign(
            now,
            title="Cocotte Minute",
            holder="Camille Lecarpentier",
            lat=49.11,
            lon=-1.10,
            starts_at=now - timedelta(days=50),
            ends_at=now - timedelta(days=10),
        ),
        campaign(now, title="Loin de tout", lat=TOURS[0], lon=TOURS[1]),
    )


async def onboard(
    chat: Chat, place: str = "saint lo", radius: str = "25 km", pick: str | None = None
) -> dict:
    await chat.send("/start")
    await chat.send(place)
    if pick is not None:
        assert chat.last["text"] == chat.t("place.several", query=place)
        await chat.press(chat.last, pick)
    question = chat.last
    assert question["text"] == chat.t("radius.ask")
    # The pick turns the radius question into the list: no new message.
    assert await chat.press(question, radius) == []
    return chat.message(question["message_id"])


async def test_journey_in_french(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d, rythme, _cocotte, _far = await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1001, "fr")

    replies = await chat.send("/start")
    # One message: the greeting and the place question, with the place keyboard.
    assert [m["text"] for m in replies] == [f"{chat.t('start.greeting')}\n\n{chat.t('place.ask')}"]
    assert harness.fake.reply_keyboards[1001]["keyboard"][0][0]["request_location"] is True

    replies = await chat.send("ST-LÔ")
    assert replies[0]["text"] == chat.t("place.saved", place="Saint-Lô")
    # Then, once, the question whether they want operations' announcements (test_consent.py).
    assert replies[1]["text"] == chat.t("consent.ask")
    assert replies[2]["text"] == chat.t("radius.ask")
    assert button_labels(replies[2]) == ["5 km", "10 km", "• 25 km", "50 km"]

    question = replies[2]
    assert await chat.press(question, "• 25 km") == []  # the question becomes the list
    assert chat.callback_answers()[-1]["text"] == chat.t("radius.saved", radius=25)
    listing = chat.message(question["message_id"])
    text = listing["text"]
    assert text.startswith(chat.t("nearby.header", radius=25, place="Saint-Lô"))
    # Nearest first; the ended campaign and the one in Tours are not listed.
    assert text.index("Exp3D") < text.index("Le rythme des maux")
    assert "Cocotte" not in text and "Loin de tout" not in text
    assert "192\xa0%" in text and "▰▰▰▰▰▰▰▰▰▰" in text
    assert chat.t("time.days_left", n=5, days=5) in text
    assert button_labels(listing)[:2] == ["1", "2"]
    # The very list /nearby shows: same text, same buttons.
    nearby = (await chat.send("/nearby"))[-1]
    assert (nearby["text"], nearby["reply_markup"]) == (text, listing["reply_markup"])

    await chat.press(listing, "1")
    card = chat.message(listing["message_id"])
    assert card["text"].startswith("Exp3D\n" + chat.t("card.holder", holder="Grégory Jamard"))
    assert chat.t("card.raised", raised="3\u202f850\xa0€", goal="2\u202f000\xa0€") in card["text"]
    assert chat.t("card.reward", title="Porte-clés imprimé", price="15\xa0€") in card["text"]
    assert chat.t("card.backers", n=85, count=85) in card["text"]
    assert "https://oze.example/exp3d" in card["text"]
    assert chat.t("card.follow") in button_labels(card)

    await chat.press(card, chat.t("card.follow"))
    card = chat.message(listing["message_id"])
    assert chat.t("card.unfollow") in button_labels(card)
    assert chat.callback_answers()[-1]["text"] == chat.t("card.followed")
    async with sessionmaker() as session:
        assert await session.get(Follow, (1001, exp3d)) is not None

    await chat.press(card, chat.t("card.back"))
    assert chat.message(listing["message_id"])["text"] == text

    following = (await chat.send("/following"))[-1]
    assert following["text"].startswith(chat.t("following.header", count=1))
    assert "Exp3D" in following["text"] and "rythme" not in following["text"]

    await chat.press(following, "1")
    card = chat.message(following["message_id"])
    await chat.press(card, chat.t("card.unfollow"))
    assert chat.t("card.follow") in button_labels(chat.message(following["message_id"]))
    async with sessionmaker() as session:
        assert await session.get(Follow, (1001, exp3d)) is None
        assert await session.get(Follow, (1001, rythme)) is None


async def test_journey_in_english(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1002, "en")
    replies = await chat.send("/start")
    assert [m["text"] for m in replies] == [f"{chat.t('start.greeting')}\n\n{chat.t('place.ask')}"]
    assert not replies[0]["text"].startswith(harness.t("start.greeting", "fr"))
    listing = await onboard(chat, "50000", pick="Saint-Lô (50)")
    assert listing["text"].startswith(chat.t("nearby.header", radius=25, place="Saint-Lô"))
    await chat.press(listing, "1")
    card = chat.message(listing["message_id"])
    assert chat.t("card.raised", raised="€3,850", goal="€2,000") in card["text"]
    assert "192%" in card["text"]
    assert chat.t("card.follow") in button_labels(card)


async def test_commands_registered_per_language(harness: Harness) -> None:
    for lang in ("fr", "en"):
        commands = harness.fake.commands_for(language_code=lang)
        described = {c["command"]: c["description"] for c in commands}
        assert described["nearby"] == harness.t("command.nearby", lang)
    default = {c["command"] for c in harness.fake.commands_for()}
    assert {"nearby", "search", "following", "settings", "help"} <= default


async def test_deep_link_opens_card_and_onboards(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    exp3d, *_ = await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1003)
    replies = await chat.send(f"/start p_{exp3d}")
    assert len(replies) == 3  # with a deep link: the greeting, the card, the place question
    assert replies[0]["text"] == chat.t("start.greeting")
    assert replies[1]["text"].startswith("Exp3D")
    assert replies[2]["text"] == chat.t("place.ask")

    await onboard(chat)
    replies = await chat.send(f"/start p_{exp3d}")
    assert len(replies) == 1 and replies[0]["text"].startswith("Exp3D")
    here = round_location(*gazetteer.point_for(gazetteer.by_insee("50502")))
    km = formatting.distance(haversine_km(*here, 49.12, -1.08), "fr")
    assert chat.t("list.place_distance", place="Saint-Lô", distance=km) in replies[0]["text"]

    replies = await chat.send("/start p_99999")
    assert replies[0]["text"] == chat.t("stale")


async def test_unknown_commune_gets_suggestions(harness: Harness) -> None:
    chat = harness.chat(1004)
    await chat.send("/start")
    replies = await chat.send("zzzzqqqx")
    assert replies[0]["text"] == chat.t("place.unknown", query="zzzzqqqx")

    replies = await chat.send("Toursz")
    assert replies[0]["text"] == chat.t("place.suggestions", query="Toursz")
    assert "Tours (37)" in button_labels(replies[0])
    replies = await chat.press(replies[0], "Tours (37)")
    assert replies[0]["text"] == chat.t("place.saved", place="Tours")


async def test_homonyms_are_offered_and_pointless_communes_ask_for_location(
    harness: Harness, gazetteer: Gazetteer
) -> None:
    chat = harness.chat(1005)
    await chat.send("/start")
    replies = await chat.send("Sainte-Marie")
    assert replies[0]["text"] == chat.t("place.several", query="Sainte-Marie")
    assert len(button_labels(replies[0])) > 1

    pointless = next(
        c for c in gazetteer if not c.has_point and len(gazetteer.by_name(c.name)) == 1
    )
    replies = await chat.send(pointless.name)
    assert replies[0]["text"] == chat.t("place.no_point", place=pointless.name)


async def test_shared_location_is_rounded(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(1006)
    await chat.send("/start")
    replies = await chat.location(49.116123, -1.090456)
    assert replies[0]["text"] == chat.t("place.saved", place="Saint-Lô")
    async with sessionmaker() as session:
        user = await session.get(User, 1006)
        assert (user.lat, user.lon, user.commune_insee) == (49.12, -1.09, "50502")


async def test_empty_result_offers_a_wider_radius(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = harness.clock.now
    # 40 km from Tours: outside 25 km, inside 50 km.
    await add_campaigns(sessionmaker, campaign(now, title="Amboise", lat=47.45, lon=1.2))
    chat = harness.chat(1007)
    listing = await onboard(chat, "37000")
    assert listing["text"] == chat.t("nearby.empty", radius=25)
    # The empty list is edited into the wider one: no new message.
    assert await chat.press(listing, chat.t("nearby.widen", radius=50)) == []
    wider = chat.message(listing["message_id"])
    assert wider["text"].startswith(chat.t("nearby.header", radius=50, place="Tours"))
    assert "Amboise" in wider["text"]


async def test_pages_and_filters_edit_the_same_message(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = harness.clock.now
    await add_campaigns(
        sessionmaker,
        *[
            campaign(
                now,
                title=f"Projet {index:02d}",
                lat=SAINT_LO[0] + index * 0.01,
                lon=SAINT_LO[1],
                category="culture" if index % 4 == 0 else "business",
            )
            for index in range(12)
        ],
    )
    chat = harness.chat(1008)
    listing = await onboard(chat)
    assert "Projet 00" in listing["text"] and "Projet 04" in listing["text"]
    assert "Projet 05" not in listing["text"]
    assert chat.t("list.previous") not in button_labels(listing)

    await chat.press(listing, chat.t("list.next"))
    page2 = chat.message(listing["message_id"])
    assert "Projet 05" in page2["text"] and "Projet 09" in page2["text"]
    assert button_labels(page2)[:5] == ["6", "7", "8", "9", "10"]
    await chat.press(page2, chat.t("list.next"))
    page3 = chat.message(listing["message_id"])
    assert "Projet 11" in page3["text"] and chat.t("list.next") not in button_labels(page3)
    await chat.press(page3, chat.t("list.previous"))
    assert chat.message(listing["message_id"])["text"] == page2["text"]

    label = chat.t("list.filter_category", value=chat.t("category.all"))
    await chat.press(chat.message(listing["message_id"]), label)
    await chat.press(chat.message(listing["message_id"]), chat.t("category.culture"))
    filtered = chat.message(listing["message_id"])
    assert [f"Projet {i:02d}" in filtered["text"] for i in (0, 4, 8)] == [True] * 3
    assert "Projet 01" not in filtered["text"]

    label = chat.t("list.filter_status", value=chat.t("status_filter.lu"))
    await chat.press(filtered, label)
    await chat.press(chat.message(listing["message_id"]), chat.t("status_filter.e"))
    ended = chat.message(listing["message_id"])
    assert ended["text"] == chat.t("nearby.empty", radius=25)
    assert chat.t("list.clear_filters") in button_labels(ended)


async def test_search_ignores_case_and_accents(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1009)
    await onboard(chat)
    replies = await chat.send("/search cocotte")
    assert replies[0]["text"].startswith(chat.t("search.header", query="cocotte"))
    assert "Cocotte Minute" in replies[0]["text"]
    assert chat.t("time.ended") in replies[0]["text"]
    replies = await chat.send("/search HERVE")
    assert "Le rythme des maux" in replies[0]["text"]
    replies = await chat.send("/search imprimantes conçues")
    assert "Exp3D" in replies[0]["text"]
    replies = await chat.send("/search licorne")
    assert replies[0]["text"] == chat.t("search.empty", query="licorne")
    replies = await chat.send("/search")
    assert replies[0]["text"] == chat.t("search.usage")


async def test_mydata_and_forget(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession], gazetteer: Gazetteer
) -> None:
    exp3d, *_ = await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1010)
    listing = await onboard(chat)
    await chat.press(listing, "1")
    await chat.press(chat.message(listing["message_id"]), chat.t("card.follow"))

    replies = await chat.send("/mydata")
    assert replies[0]["caption"] == chat.t("mydata.caption")
    upload = harness.fake.calls_of("sendDocument")[-1].params["document"]
    data = json.loads(upload.content)
    assert data["user"]["id"] == 1010
    lat, lon = round_location(*gazetteer.point_for(gazetteer.by_insee("50502")))
    assert (data["user"]["lat"], data["user"]["lon"]) == (lat, lon)
    assert [f["campaign_id"] for f in data["follows"]] == [exp3d]
    # Every column stored about them: the notification switches, quiet hours, digest, blocked_at.
    assert set(data["user"]) == {a.key for a in inspect(User).column_attrs} - {"revision"}
    assert set(data["follows"][0]) == {a.key for a in inspect(Follow).column_attrs} | {
        "campaign_title"
    }
    async with sessionmaker() as session:  # notifications kept for them, sent or pending
        await queue(session, 1010, "mydata:1010", "x", harness.clock.now)
    await chat.send("/mydata")
    data = json.loads(harness.fake.calls_of("sendDocument")[-1].params["document"].content)
    [notification] = data["notifications"]
    assert notification["dedup_key"] == "mydata:1010"
    assert set(notification) == {attr.key for attr in inspect(Outbox).column_attrs}

    replies = await chat.send("/forget")
    assert replies[0]["text"] == chat.t("forget.confirm")
    await chat.press(replies[0], chat.t("forget.no"))
    assert chat.message(replies[0]["message_id"])["text"] == chat.t("forget.cancelled")
    async with sessionmaker() as session:
        assert await session.get(User, 1010) is not None

    async with sessionmaker() as session:  # a notification waiting for them
        await queue(session, 1010, "forget:1010", "x", harness.clock.now)
    replies = await chat.send("/forget")
    await chat.press(replies[0], chat.t("forget.yes"))
    assert chat.message(replies[0]["message_id"])["text"] == chat.t("forget.done")
    async with sessionmaker() as session:
        assert await session.get(User, 1010) is None
        assert (await session.scalars(select(Follow).where(Follow.user_id == 1010))).all() == []
        assert (await session.scalars(select(Outbox).where(Outbox.user_id == 1010))).all() == []

    # Then they block the bot: nothing about them is written again.
    harness.fake.send_update(membership_change(harness, 1010, "member", "kicked"))
    await harness.processed(harness.fake.last_update_id)
    async with sessionmaker() as session:
        assert await session.get(User, 1010) is None


async def test_settings_change_language(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    chat = harness.chat(1011, "fr")
    await onboard(chat)
    replies = await chat.send("/settings")
    await chat.press(replies[0], chat.t("settings.language"))
    await chat.press(chat.message(replies[0]["message_id"]), "English")
    edited = chat.message(replies[0]["message_id"])
    assert edited["text"].startswith(
        harness.t("settings.text", "en", language="English", place="Saint-Lô", radius=25).split(
            "\n"
        )[0]
    )
    replies = await chat.send("/help")
    assert replies[0]["text"] == harness.t("help.text", "en")
    async with sessionmaker() as session:
        assert (await session.get(User, 1011)).locale == "en"


def test_money_is_formatted_per_locale() -> None:
    assert formatting.money(385_000, "fr") == "3\u202f850\xa0€"
    assert formatting.money(385_000, "en") == "€3,850"


async def test_a_command_while_asked_for_a_place_is_the_command(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await seed_saint_lo(harness, sessionmaker)
    chat = harness.chat(1020)
    await chat.send("/start")
    replies = await chat.send("/nearby")
    assert [message["text"] for message in replies] == [chat.t("place.ask")]
    replies = await chat.send("/help")
    assert [message["text"] for message in replies] == [chat.t("help.text")]
    replies = await chat.send("saint lo")
    assert replies[0]["text"] == chat.t("place.saved", place="Saint-Lô")
