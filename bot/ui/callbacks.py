"""Callback data. It comes back from the client, so every field is checked again on use."""

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import BaseModel, Field

# Out-of-range numbers fail validation, so the button is "no longer available" like any other
# bad data, instead of reaching the database (PostgreSQL's integer ids stop at 2^31 - 1).
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Page = Annotated[int, Field(ge=0, le=100_000)]


class ListContext(BaseModel):
    """Where a list stands: which list (src: n nearby, s search, f following), its page, its
    filters and the search's digest. Every button of a list, and of a card opened from one,
    carries it, so that Back returns to the same page."""

    src: str = ""
    page: Page = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""


class ListView(ListContext, CallbackData, prefix="l"):
    """A page of a list."""


class NearbyOpen(CallbackData, prefix="nbo"):
    """Send the resident's nearby list as a new message (the launch reminder's button: the
    message it sits on, maybe grouped with other alerts, stays as it is)."""


class ListFilter(ListContext, CallbackData, prefix="lf"):
    """Show the choices of one filter (what: c category, s status) for a list."""

    what: str


class CardView(ListContext, CallbackData, prefix="c"):
    id: RowId


class FollowToggle(ListContext, CallbackData, prefix="fw"):
    id: RowId
    on: bool


class PlacePick(CallbackData, prefix="pl"):
    insee: str


class RadiusPick(CallbackData, prefix="r"):
    km: int


class SettingsMenu(CallbackData, prefix="s"):
    item: str


class LanguagePick(CallbackData, prefix="lg"):
    code: str


class ForgetConfirm(CallbackData, prefix="fg"):
    yes: bool


class NotifyToggle(CallbackData, prefix="nt"):
    """Turn a notification switch (a kind, or quiet hours) on or off."""

    what: str
    on: bool


class DigestPick(CallbackData, prefix="dg"):
    """The daily digest's hour (local time, TIMEZONE), or -1 for no digest."""

    hour: int


class HolderMenu(CallbackData, prefix="hm"):
    """A holder's action on one of their campaigns (from /myprojects). `action`: menu, news,
    progress, edit, poster, holders, invite. The campaign is checked again on every press
    (storage.repo.holders.may_manage)."""

    action: str
    id: RowId


class NewsStep(CallbackData, prefix="hn"):
    """A step of the news dialogue (skip, send, edit, cancel, text, photo, nophoto, link, nolink,
    preview). The campaign and the draft are kept server-side (FSM data), checked on Send."""

    action: str


class ProgressStep(CallbackData, prefix="hp"):
    """A step of the progress report (keep: backers unchanged, confirm, cancel)."""

    action: str


class CampaignEdit(CallbackData, prefix="he"):
    """Edit a campaign (what: menu, description, photo, nophoto, link, nolink, rewards,
    addreward, done). The campaign is checked again on every press."""

    what: str
    id: RowId


class RewardEdit(CallbackData, prefix="hr"):
    """Edit one reward (action: open, title, price, stock, remove, unlimited). The reward's
    campaign is checked again on every press."""

    action: str
    id: RowId


class PastNews(CallbackData, prefix="pn"):
    """A page of a campaign's past news, newest first: sent under the card, then turned in
    place (`turn`)."""

    id: RowId
    page: Page = 0
    turn: bool = False


class CardPhoto(CallbackData, prefix="cp"):
    """Show the campaign's photo."""

    id: RowId


# A follower's source: the tag of the poster or link they came from (`shop-counter`).
SOURCE_TAG = r"^[a-z0-9-]{1,24}$"
SourceTag = Annotated[str, Field(pattern=SOURCE_TAG)]
UserId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class FollowFrom(CallbackData, prefix="ff"):
    """Follow/Unfollow on a card opened from a tagged link (`p_<id>_<tag>`): the follow records
    the tag (Follow.source). Untagged cards keep FollowToggle, so their buttons stay valid."""

    id: RowId
    on: bool
    via: SourceTag


class PosterTag(CallbackData, prefix="pt"):
    """A poster's source tag, picked: ask its format."""

    id: RowId
    tag: SourceTag


class PosterMake(CallbackData, prefix="pk"):
    """Make the poster: the campaign, its source tag, its format (a4, a6)."""

    id: RowId
    tag: SourceTag
    fmt: Literal["a4", "a6"]


class HolderRevoke(CallbackData, prefix="hx"):
    """An admin removes a holder from a campaign."""

    id: RowId
    user: UserId


class InvitationRevoke(CallbackData, prefix="ix"):
    """An admin revokes an unused invitation (`inv`) of a campaign (`id`)."""

    id: RowId
    inv: RowId
