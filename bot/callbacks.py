"""Callback data. It comes back from the client, so every field is checked again on use."""

from aiogram.filters.callback_data import CallbackData


class ListView(CallbackData, prefix="l"):
    """A page of a list: src is n (nearby), s (search) or f (following)."""

    src: str
    page: int = 0
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
    id: int
    src: str = ""
    page: int = 0
    cat: str = "*"
    st: str = "lu"
    q: str = ""


class FollowToggle(CallbackData, prefix="fw"):
    id: int
    on: bool
    src: str = ""
    page: int = 0
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
    """The daily digest's hour (Paris time), or -1 for no digest."""

    hour: int
