"""The bot's deep links (`https://t.me/<bot>?start=<payload>`) and how their payloads are read.

Payloads: `p_<id>` opens a campaign's card, `p_<id>_<tag>` too and remembers where the follower
came from (a poster's or a link's source tag); `h_<token>` claims a holder's invitation. Telegram
allows A-Z a-z 0-9 _ - in a payload, 64 characters at most.
"""

import re
import unicodedata
from dataclasses import dataclass

from bot.ui.callbacks import SOURCE_TAG

CARD = "p_"
INVITATION = "h_"
_SOURCE = re.compile(SOURCE_TAG)
_CARD = re.compile(r"p_(?P<id>[0-9]{1,9})(?:_(?P<tag>.*))?", re.ASCII | re.DOTALL)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,62}")


@dataclass(frozen=True, slots=True)
class CardLink:
    campaign_id: int
    source: str | None


def start_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def card_link(bot_username: str, campaign_id: int, source: str | None = None) -> str:
    payload = f"{CARD}{campaign_id}" + (f"_{source}" if source else "")
    return start_link(bot_username, payload)


def invitation_link(bot_username: str, token: str) -> str:
    return start_link(bot_username, INVITATION + token)


def is_source_tag(text: str) -> bool:
    return _SOURCE.match(text) is not None


def read_card_link(payload: str | None) -> CardLink | None:
    """`p_<id>` or `p_<id>_<tag>`; a malformed tag is dropped (the card still opens)."""
    found = _CARD.fullmatch(payload or "")
    if found is None or int(found["id"]) == 0:
        return None
    tag = found["tag"]
    return CardLink(int(found["id"]), tag if tag and is_source_tag(tag) else None)


def read_invitation(payload: str | None) -> str | None:
    """The token of an `h_<token>` payload, or None."""
    if not payload or not payload.startswith(INVITATION):
        return None
    token = payload[len(INVITATION) :]
    return token if _TOKEN.fullmatch(token) else None


def source_tag_of(text: str) -> str | None:
    """A typed tag as a source tag: "Marché du samedi" → "marche-du-samedi"; None if it cannot
    be one (other characters, or longer than 24)."""
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    tag = re.sub(r"[\s_]+", "-", plain)
    return tag if is_source_tag(tag) else None
