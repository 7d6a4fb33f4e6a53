"""Callback data. It comes back from the client, so every field is checked again on use."""

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Out-of-range numbers fail validation, so the button is "no longer available" like any other
# bad data, instead of reaching the database (PostgreSQL's integer ids stop at 2^31 - 1).
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Page = Annotated[int, Field(ge=0, le=100_000)]


class ListView(CallbackData, prefix="l"):
    """A page of a list: src is n (nearby), s (search) or f (following)."""

    src: str
    page: Page = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""


class ListFilter(CallbackData, prefix="lf"):
    """Show the choices of one filter (what: c category, s status) for a list."""

    what: str
    src: str
    cat: str = "*"
    st: str = "lu"
    q: str = ""


class CardView(CallbackData, prefix="c"):
    id: RowId
    src: str = ""
    page: Page = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""


class FollowToggle(CallbackData, prefix="fw"):
    id: RowId
    on: bool
    src: str = ""
    page: Page = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""


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
