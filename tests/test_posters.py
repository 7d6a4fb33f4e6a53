"""QR posters: printable A4 and A6 PNGs whose code reads back (zxing-cpp) as the campaign's deep
link with the poster's source tag; picked or typed tags; a follower who scans is counted."""

import io
from collections.abc import AsyncIterator

import pytest
import zxingcpp
from aiogram.utils.i18n import I18n
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.gazetteer import Gazetteer
from bot.ui import formatting
from bot.ui.links import card_link, read_card_link
from bot.ui.posters import PosterTexts, font, render_poster
from storage.models import Follow
from storage.repo import holders
from tests.e2e import Chat, Harness, button_labels, start_harness
from tests.factories import add_campaigns, campaign
from tests.test_holders import ADMIN, card_of, claimed_holder

A4_MM, A6_MM = (210, 297), (105, 148)


def decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def texts(i18n: I18n, locale: str, title: str, link: str) -> PosterTexts:
    def t(key: str) -> str:
        return i18n.gettext(key, locale=locale)

    return PosterTexts(
        headline=t("poster.headline"),
        title=title,
        goal=t("poster.goal").format(goal=formatting.money(250_000_00, locale)),
        scan=t("poster.scan"),
        link=link,
    )


@pytest.mark.parametrize(("fmt", "paper"), [("a4", A4_MM), ("a6", A6_MM)])
@pytest.mark.parametrize("tag", ["shop-counter", "market", "x" * 24])
def test_a_poster_is_printable_and_its_code_reads_back(
    i18n: I18n, fmt: str, paper: tuple[int, int], tag: str
) -> None:
    link = card_link("campaign_companion_bot", 1234567, tag)
    png = render_poster(texts(i18n, "fr", "Le rythme des maux", link), fmt)  # type: ignore[arg-type]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    dpi = image.info["dpi"][0]
    assert dpi >= 150
    # Its pixels cover the paper at its dpi (within a pixel's rounding).
    assert abs(image.width - paper[0] / 25.4 * dpi) < 2
    assert abs(image.height - paper[1] / 25.4 * dpi) < 2
    [read] = decoded(png)
    assert read == link
    found = read_card_link(read.split("?start=")[1])
    assert found is not None and (found.campaign_id, found.source) == (1234567, tag)


def test_a_long_title_still_fits(i18n: I18n) -> None:
    link = card_link("b" * 32, 2**31 - 1, "y" * 24)  # the longest link there can be
    title = "Une très longue campagne " * 12
    png = render_poster(texts(i18n, "en", title, link), "a6")
    assert decoded(png) == [link]


def test_the_fonts_have_every_letter_the_posters_write(i18n: I18n) -> None:
    """Pillow's built-in font has no "é" or "€": the shipped fonts must draw them all."""
    builtin = ImageFont.load_default(size=40)
    assert glyph(builtin, "é") == glyph(builtin, "\uffff")  # why fonts are shipped
    for locale in ("fr", "en"):
        sample = texts(i18n, locale, "Saint-Lô : l'été œcuménique « Ça » — 2 000 €", "")
        for text in (sample.headline, sample.title, sample.goal, sample.scan):
            for char in set(text) - {" ", "\u00a0", "\u202f"}:
                for bold in (False, True):
                    face = font(40, bold)
                    assert glyph(face, char) != glyph(face, "\uffff"), (locale, char, bold)


def glyph(face: ImageFont.FreeTypeFont, char: str) -> bytes:
    """The character as drawn (a font draws the same box for every character it lacks)."""
    image = Image.new("L", (80, 80))
    ImageDraw.Draw(image).text((10, 10), char, font=face, fill=255)
    return image.tobytes()


async def poster_of(chat: Chat, harness: Harness, count: int) -> bytes:
    await harness.fake.wait_for_calls("sendDocument", count)
    document = harness.fake.calls_of("sendDocument")[-1].params["document"]
    return bytes(document.content)


@pytest.fixture
async def bot(db_url: str, gazetteer: Gazetteer, i18n: I18n) -> AsyncIterator[Harness]:
    harness, close = await start_harness(
        db_url, gazetteer, i18n, admin_ids=[ADMIN], read_model_max_age=0
    )
    yield harness
    await close()


async def test_a_holder_prints_a_poster_and_its_followers_are_counted(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    [exp3d] = await add_campaigns(
        sessionmaker, campaign(bot.clock.now, title="Exp3D", goal_cents=200_000)
    )
    holder = await claimed_holder(bot, sessionmaker, exp3d, 2101)
    [dashboard] = await holder.send("/myprojects")
    [ask] = await holder.press(dashboard, holder.t("holder.menu.poster"))
    assert ask["text"] == holder.t("poster.ask_tag", title="Exp3D")
    assert button_labels(ask) == ["comptoir", "marche", "vitrine", "flyer"]  # fr suggestions

    await holder.press(ask, "marche")
    formats = holder.message(ask["message_id"])
    assert formats["text"] == holder.t("poster.ask_format", tag="marche")
    assert button_labels(formats) == [holder.t("poster.a4"), holder.t("poster.a6")]
    [sent] = await holder.press(formats, holder.t("poster.a4"))
    assert sent["document"]["file_name"] == f"poster-{exp3d}-marche-a4.png"
    caption = holder.t("poster.caption", format=holder.t("poster.a4"), title="Exp3D", tag="marche")
    assert sent["caption"] == caption
    png = await poster_of(holder, bot, 1)
    assert png.startswith(b"\x89PNG\r\n")
    [link] = decoded(png)
    assert link == f"https://t.me/fake_bot?start=p_{exp3d}_marche"

    # A neighbour scans it: the link opens the card, and the follow remembers the poster.
    resident = bot.chat(3101)
    await resident.send("/start " + link.split("?start=")[1])
    await resident.press(card_of(resident), resident.t("card.follow"))
    async with sessionmaker() as session:
        follow = await session.get(Follow, (3101, exp3d))
        assert follow is not None and follow.source == "marche"
        # The tag now comes first among those offered for the next poster.
        assert await holders.source_tags(session, exp3d, 6) == ["marche"]
    [dashboard] = await holder.send("/myprojects")
    part = holder.t("holder.dashboard.source", tag="marche", count=1)
    assert holder.t("holder.dashboard.sources", sources=part) in dashboard["text"]


@pytest.mark.parametrize(
    ("typed", "tag"),
    [("Marché du samedi", "marche-du-samedi"), ("  BOULANGERIE  ", "boulangerie"), ("a_b", "a-b")],
)
async def test_a_typed_tag_is_taken_in_its_plain_form(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession], typed: str, tag: str
) -> None:
    [exp3d] = await add_campaigns(sessionmaker, campaign(bot.clock.now, title="Exp3D"))
    holder = await claimed_holder(bot, sessionmaker, exp3d, 2102)
    [dashboard] = await holder.send("/myprojects")
    await holder.press(dashboard, holder.t("holder.menu.poster"))
    [formats] = await holder.send(typed)
    assert formats["text"] == holder.t("poster.ask_format", tag=tag)
    [sent] = await holder.press(formats, holder.t("poster.a6"))
    assert decoded(await poster_of(holder, bot, 1)) == [
        f"https://t.me/fake_bot?start=p_{exp3d}_{tag}"
    ]
    assert sent["document"]["file_name"].endswith(f"-{tag}-a6.png")


async def test_a_bad_tag_is_explained_and_cancel_ends_the_dialogue(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    [exp3d] = await add_campaigns(sessionmaker, campaign(bot.clock.now, title="Exp3D"))
    holder = await claimed_holder(bot, sessionmaker, exp3d, 2103)
    [dashboard] = await holder.send("/myprojects")
    await holder.press(dashboard, holder.t("holder.menu.poster"))
    for bad in ("!!!", "x" * 25, "caf\u00e9\u2615"):
        [reply] = await holder.send(bad)
        assert reply["text"] == holder.t("poster.bad_tag")
    [reply] = await holder.send("/cancel")
    assert reply["text"] == holder.t("poster.cancelled")
    [reply] = await holder.send("market")  # no longer asked: an ordinary text
    assert reply["text"] != holder.t("poster.ask_format", tag="market")
    assert not bot.fake.calls_of("sendDocument")


async def test_a_typed_tag_for_a_campaign_lost_meanwhile_is_refused(
    bot: Harness, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    [exp3d] = await add_campaigns(sessionmaker, campaign(bot.clock.now, title="Exp3D"))
    holder = await claimed_holder(bot, sessionmaker, exp3d, 2104)
    await hold_another(sessionmaker, bot)
    dashboard, _other = await holder.send("/myprojects")  # one message per campaign
    await holder.press(dashboard, holder.t("holder.menu.poster"))
    async with sessionmaker() as session:  # removed while typing (still a holder elsewhere)
        await holders.remove(session, 2104, exp3d)
        await session.commit()
    [reply] = await holder.send("market")
    assert reply["text"] == holder.t("holder.form.refused")
    assert not bot.fake.calls_of("sendDocument")


async def hold_another(sessionmaker: async_sessionmaker[AsyncSession], harness: Harness) -> None:
    """Another campaign held by 2104, so that the holder role stays after one is removed."""
    [other] = await add_campaigns(sessionmaker, campaign(harness.clock.now, title="Autre"))
    async with sessionmaker() as session:
        await holders.add(session, 2104, other, ADMIN, harness.clock.now)
        await session.commit()
