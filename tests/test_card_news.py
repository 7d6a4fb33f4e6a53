"""What residents see of holders' news: the latest on the card (first line, date), the past news
newest first and paged, nothing cancelled or not yet due; and a card that still fits."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui import formatting
from bot.ui.past_news import excerpt, plain
from tests.e2e import Harness, button_labels
from tests.factories import add_campaigns, campaign
from tests.holder_helpers import RESIDENT, add_news, hours, seed


def test_excerpt_is_plain_cut_and_escaped() -> None:
    html = "<b>Atelier</b> &lt;samedi&gt;\nDeuxième ligne <tg-spoiler>secret</tg-spoiler>"
    assert plain(html) == "Atelier <samedi>\nDeuxième ligne …"
    assert excerpt(html, 120, first_line=True) == "Atelier &lt;samedi&gt;"
    assert excerpt("un deux trois quatre", 12) == "un deux…"
    assert excerpt("x" * 30, 10) == "x" * 9 + "…"


async def test_card_shows_the_latest_news_and_past_news_pages(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    now = harness.clock.now
    for number in range(1, 7):  # six news, one a day, the sixth yesterday
        await add_news(sessionmaker, exp3d, now - timedelta(days=7 - number), f"Nouvelle {number}")
    latest = "<b>Atelier</b> samedi à 14 h\nInscriptions ouvertes"
    await add_news(
        sessionmaker, exp3d, now - hours(1), latest, photo_file_id="P", link_url="https://a.fr"
    )
    await add_news(sessionmaker, exp3d, now - hours(0.5), "Annulée", cancelled_at=now)
    await add_news(sessionmaker, exp3d, now - hours(0.2), "Plus tard", send_at=now + hours(2))

    resident = harness.chat(RESIDENT)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    date = formatting.date(now - hours(1), "fr", harness.settings.timezone)
    line = resident.t("card.latest_news", date=date, text="Atelier samedi à 14 h")
    assert line in card["text"]
    assert "Annulée" not in card["text"] and "Plus tard" not in card["text"]

    (page,) = await resident.press(card, resident.t("card.past_news"))
    tz = harness.settings.timezone
    assert page["text"].startswith(resident.t("news.past.header", title="Exp3D", page=1, pages=2))
    first = resident.t("news.past.date", date=formatting.datetime(now - hours(1), "fr", tz))
    assert (
        f"{first} 📷\nAtelier samedi à 14 h\nInscriptions ouvertes\n{resident.t('news.link')}"
        in (page["text"])
    )
    order = [page["text"].index(f"Nouvelle {n}") for n in (6, 5, 4, 3)]
    assert order == sorted(order)
    assert "Nouvelle 2" not in page["text"] and "Annulée" not in page["text"]
    assert button_labels(page) == [resident.t("news.past.older")]

    await resident.press(page, resident.t("news.past.older"))
    turned = resident.message(page["message_id"])  # turned in place
    assert turned["text"].startswith(resident.t("news.past.header", title="Exp3D", page=2, pages=2))
    assert "Nouvelle 2" in turned["text"] and "Nouvelle 1" in turned["text"]
    assert "Nouvelle 3" not in turned["text"]
    assert button_labels(turned) == [resident.t("news.past.newer")]


async def test_follow_keeps_the_past_news_button(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exp3d = await seed(harness, sessionmaker)
    (quiet,) = await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Calme"))
    await add_news(sessionmaker, exp3d, harness.clock.now - hours(1))
    resident = harness.chat(RESIDENT)
    card = (await resident.send(f"/start p_{exp3d}"))[-1]
    await resident.press(card, resident.t("card.follow"))
    assert resident.t("card.past_news") in button_labels(resident.message(card["message_id"]))
    card = (await resident.send(f"/start p_{quiet}"))[-1]
    assert resident.t("card.past_news") not in button_labels(card)
    assert resident.t("card.latest_news", date="|", text="|").split("|")[0] not in card["text"]


async def test_card_with_news_and_gain_still_fits(
    harness: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = harness.clock.now
    (item,) = await add_campaigns(
        sessionmaker,
        campaign(
            now,
            title="T" * 200,
            description="D" * 900,
            url="https://exp3d.example/" + "u" * 400,
            rewards=[(f"Contrepartie {n} " + "r" * 150, 1000 + n) for n in range(60)],
        ),
    )
    await add_news(sessionmaker, item, now - hours(1), "N" * 4000)
    resident = harness.chat(RESIDENT)
    await seed(harness, sessionmaker)  # RESIDENT's row
    card = (await resident.send(f"/start p_{item}"))[-1]
    assert len(card["text"].encode("utf-16-le")) // 2 <= 4096
    date = formatting.date(now - hours(1), "fr", harness.settings.timezone)
    assert resident.t("card.latest_news", date=date, text="N" * 119 + "…") in card["text"]
