"""A holder edits the campaign: description, link, photo (and the card's photo button), rewards;
bad values refused; /cancel; forged buttons and a holder removed mid-dialogue refused."""

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.callbacks import CampaignEdit, RewardEdit
from bot.ui.cards import DESCRIPTION_LIMIT
from storage.models import Campaign, Holder, Reward
from tests.e2e import Chat, Harness, button_labels, plain
from tests.holder_helpers import (
    HOLDER,
    OTHER_HOLDER,
    RESIDENT,
    last_alert,
    load,
    press_menu,
    seed,
    send_photo,
)


async def open_menu(chat: Chat, campaign_id: int) -> dict:
    (menu,) = await press_menu(chat, "edit", campaign_id)
    assert plain(menu["text"]) == plain(chat.t("holder.edit.menu", title="Exp3D"))
    return menu


async def test_description_is_saved_and_searchable(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    menu = await open_menu(chat, exp3d)
    await chat.press(menu, chat.t("holder.edit.description"))
    asked = chat.message(menu["message_id"])
    assert plain(asked["text"]) == plain(
        chat.t("holder.edit.ask_description", limit=DESCRIPTION_LIMIT, current="—")
    )
    too_long = "x" * (DESCRIPTION_LIMIT + 1)
    replies = await chat.send(too_long)
    assert replies[-1]["text"] == chat.t(
        "holder.edit.bad_description", length=DESCRIPTION_LIMIT + 1, limit=DESCRIPTION_LIMIT
    )
    assert (await load(sessionmaker, exp3d)).description == ""
    replies = await chat.send("Des imprimantes 3D <conçues> à Saint-Lô")
    assert plain(replies[-1]["text"]) == plain(
        chat.t("holder.edit.saved") + "\n\n" + chat.t("holder.edit.menu", title="Exp3D")
    )
    item = await load(sessionmaker, exp3d)
    assert item.description == "Des imprimantes 3D <conçues> à Saint-Lô"
    assert item.search_text == "exp3d porteuse saint lo des imprimantes 3d concues a saint lo"

    resident = harness.chat(RESIDENT)
    replies = await resident.send("/search imprimantes")
    assert "Exp3D" in replies[-1]["text"]


async def test_link_checked_saved_and_removed(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER, "en")
    menu = await open_menu(chat, exp3d)
    await chat.press(menu, chat.t("holder.edit.link"))
    assert button_labels(chat.message(menu["message_id"])) == [chat.t("holder.edit.back")]
    for bad in ("not a link", "javascript:alert(1)", "www.exp3d.example"):
        replies = await chat.send(bad)
        assert replies[-1]["text"] == chat.t("holder.form.bad_url")
    assert (await load(sessionmaker, exp3d)).url is None
    replies = await chat.send("https://exp3d.example/campagne")
    assert (await load(sessionmaker, exp3d)).url == "https://exp3d.example/campagne"

    menu = replies[-1]
    await chat.press(menu, chat.t("holder.edit.link"))
    asked = chat.message(menu["message_id"])
    assert "https://exp3d.example/campagne" in asked["text"]
    await chat.press(asked, chat.t("holder.edit.remove_link"))
    assert (await load(sessionmaker, exp3d)).url is None


async def test_photo_shown_from_the_card(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    menu = await open_menu(chat, exp3d)
    await chat.press(menu, chat.t("holder.edit.photo"))
    replies = await chat.send("une photo")
    assert replies[-1]["text"] == chat.t("holder.edit.need_photo")
    await send_photo(chat, "CAMPAIGN-PHOTO")
    assert (await load(sessionmaker, exp3d)).photo_file_id == "CAMPAIGN-PHOTO"

    resident = harness.chat(RESIDENT)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    (photo,) = await resident.press(card, resident.t("card.photo"))
    assert photo["photo"][0]["file_id"] == "CAMPAIGN-PHOTO"
    assert photo["caption"] == "Exp3D"

    menu = chat.last
    await chat.press(menu, chat.t("holder.edit.photo"))
    await chat.press(chat.message(menu["message_id"]), chat.t("holder.edit.remove_photo"))
    assert (await load(sessionmaker, exp3d)).photo_file_id is None
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    assert resident.t("card.photo") not in button_labels(card)


async def test_rewards_added_changed_removed(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    menu = await open_menu(chat, exp3d)
    (listing,) = await chat.press(menu, chat.t("holder.edit.rewards"))
    assert plain(listing["text"]).endswith(chat.t("holder.rewards.none"))

    replies = await chat.press(listing, chat.t("holder.rewards.add"))
    assert replies[-1]["text"] == chat.t("holder.rewards.ask_title", limit=200)
    await chat.send("Atelier d'impression")
    replies = await chat.send("douze")
    assert replies[-1]["text"] == chat.t("holder.rewards.bad_price", max="1\u202f000\u202f000\xa0€")
    replies = await chat.send("45")
    assert replies[-1]["text"] == chat.t("holder.rewards.ask_stock")
    replies = await chat.press(replies[-1], chat.t("holder.rewards.unlimited"))
    label = chat.t(
        "holder.rewards.label",
        title="Atelier d'impression",
        price="45\xa0€",
        stock=chat.t("holder.rewards.unlimited_stock"),
    )
    assert plain(replies[-1]["text"]) == chat.t("holder.edit.saved") + "\n" + label
    (reward,) = (await load(sessionmaker, exp3d)).rewards
    assert (reward.title, reward.price_cents, reward.stock) == ("Atelier d'impression", 4500, None)

    shown = replies[-1]
    await chat.press(shown, chat.t("holder.rewards.price"))
    await chat.send("39,90")
    await chat.press(chat.last, chat.t("holder.rewards.stock"))
    replies = await chat.send("-2")
    assert replies[-1]["text"] == chat.t("holder.rewards.bad_stock", max=1_000_000)
    await chat.send("12")
    (reward,) = (await load(sessionmaker, exp3d)).rewards
    assert (reward.price_cents, reward.stock) == (3990, 12)

    resident = harness.chat(RESIDENT)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    reward_line = resident.t("card.reward", title="Atelier d'impression", price="39,90\xa0€")
    assert reward_line in card["text"]

    replies = await chat.press(chat.last, chat.t("holder.rewards.remove"))
    assert replies[0]["text"] == chat.t("holder.rewards.removed")
    assert (await load(sessionmaker, exp3d)).rewards == []


async def test_cancel_keeps_the_campaign(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    menu = await open_menu(chat, exp3d)
    await chat.press(menu, chat.t("holder.edit.description"))
    replies = await chat.send("/cancel")
    assert replies[-1]["text"] == chat.t("holder.form.cancelled")
    replies = await chat.send("Une description")
    assert replies[-1]["text"] == chat.t("unknown.text")
    # Halfway through adding a reward.
    await chat.press(chat.message(menu["message_id"]), chat.t("holder.edit.back"))
    menu = chat.message(menu["message_id"])  # the question turned back into the menu
    (listing,) = await chat.press(menu, chat.t("holder.edit.rewards"))
    await chat.press(listing, chat.t("holder.rewards.add"))
    await chat.send("Atelier")
    replies = await chat.send("/cancel")
    assert replies[-1]["text"] == chat.t("holder.form.cancelled")
    replies = await chat.send("45")
    assert replies[-1]["text"] == chat.t("unknown.text")
    item = await load(sessionmaker, exp3d)
    assert (item.description, item.rewards) == ("", [])


async def test_forged_edit_buttons_are_refused(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    async with sessionmaker() as session:
        session.add(Reward(campaign_id=exp3d, title="Porte-clés", price_cents=1500, position=0))
        item = await session.get(Campaign, exp3d)
        assert item is not None
        item.url = "https://exp3d.example"
        await session.commit()
    (reward,) = (await load(sessionmaker, exp3d)).rewards

    other = harness.chat(OTHER_HOLDER)
    assert await press_menu(other, "edit", exp3d) == []
    assert last_alert(other) == other.t("holder.form.refused")
    message_id = other.last["message_id"]
    for data in (
        CampaignEdit(what="nolink", id=exp3d),
        CampaignEdit(what="description", id=exp3d),
        CampaignEdit(what="addreward", id=exp3d),
        RewardEdit(action="remove", id=reward.id),
        RewardEdit(action="unlimited", id=reward.id),
        RewardEdit(action="price", id=reward.id),
    ):
        assert await other.press_data(message_id, data.pack(), strict=False) == []
        assert last_alert(other) == other.t("holder.form.refused")
    # No dialogue was opened: a text now changes nothing.
    replies = await other.send("1")
    assert replies[-1]["text"] == other.t("unknown.text")
    resident = harness.chat(RESIDENT)
    assert await press_menu(resident, "edit", exp3d) == []
    assert last_alert(resident) == resident.t("stale")

    item = await load(sessionmaker, exp3d)
    assert (item.url, item.description) == ("https://exp3d.example", "")
    assert [(r.title, r.price_cents, r.stock) for r in item.rewards] == [("Porte-clés", 1500, None)]


async def test_typed_value_checks_the_holder_again(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    chat = harness.chat(HOLDER)
    menu = await open_menu(chat, exp3d)
    await chat.press(menu, chat.t("holder.edit.description"))
    async with sessionmaker() as session:
        await session.execute(delete(Holder).where(Holder.user_id == HOLDER))
        await session.commit()
    replies = await chat.send("Une description")
    assert replies[-1]["text"] == chat.t("holder.form.refused")
    assert (await load(sessionmaker, exp3d)).description == ""
