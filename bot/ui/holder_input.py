"""What holders type, read and checked: amounts in euros, counts, web links, a news link line.

Each reader returns None for what it cannot take; the handler then says why, in the user's
language, and changes nothing."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

# Spaces people and keyboards put in figures: plain, no-break, narrow no-break, thin.
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
_CURRENCY = re.compile(r"(?i)(€|eur(os?)?)")
_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+")
URL_MAX = 500  # campaigns.url, broadcasts.link_url
LABEL_MAX = 64


def parse_euros(text: str) -> int | None:
    """Euros as integer cents: "1 250", "1250,50", "1 250 €", "1.250,50", "€1,250.50".

    A single "," or "." followed by one or two digits is the decimal mark; followed by three it
    groups thousands (nobody pays a tenth of a cent). Negative or malformed: None."""
    compact = _CURRENCY.sub("", text.translate(_SPACES))
    if not compact or compact.startswith("-"):
        return None
    whole, decimals = _split(compact)
    if whole is None or not (_DIGITS.fullmatch(whole) or _GROUPED.fullmatch(whole)):
        return None
    if decimals is not None and not re.fullmatch(r"\d{1,2}", decimals):
        return None
    digits = whole.replace(".", "").replace(",", "")
    return int(Decimal(f"{digits}.{decimals or 0}") * 100)


def _split(compact: str) -> tuple[str | None, str | None]:
    """The whole part (with its grouping marks) and the decimals, if any."""
    last = max(compact.rfind(","), compact.rfind("."))
    if last < 0:
        return compact, None
    tail = compact[last + 1 :]
    marks = {c for c in compact if c in ",."}
    if len(marks) == 2:
        whole = compact[:last]
        if compact[last] in whole:  # "1.250.50": the decimal mark used to group
            return None, None
        return whole, tail
    if compact.count(compact[last]) == 1 and len(tail) in (1, 2):
        return compact[:last], tail
    return compact, None


def parse_count(text: str) -> int | None:
    """A whole number, spaces allowed ("1 200"); None if it is not one (or negative)."""
    compact = text.translate(_SPACES)
    return int(compact) if compact.isascii() and compact.isdigit() and len(compact) < 12 else None


def web_url(text: str) -> str | None:
    """An http(s) address with a host, as typed; None otherwise."""
    value = text.strip()
    if not value or len(value) > URL_MAX or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def link_line(text: str) -> tuple[str, str | None] | None:
    """A news link: the address, then optionally the button's label ("https://x.fr Précommander").
    None when the address is not a web link or the label is too long."""
    url, _, label = text.strip().partition(" ")
    checked = web_url(url)
    label = " ".join(label.split())
    if checked is None or len(label) > LABEL_MAX:
        return None
    return checked, label or None
