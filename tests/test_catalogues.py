"""Every text the code asks for exists in French and in English, with the same placeholders."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.domain.campaigns import CATEGORY_FILTERS, STATUS_FILTERS
from bot.menus import COMMANDS, ROLE_COMMANDS
from bot.settings import LOCALES

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "__": None}
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def catalogue(locale: str):  # type: ignore[no-untyped-def]
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            key = message[0] if isinstance(message, tuple) else message
            if key and KEY.match(key):
                keys.add(key)
    # Keys built at run time from known sets.
    keys |= {f"category.{code}" for code in CATEGORY_FILTERS if code != "*"}
    keys |= {f"status_filter.{code}" for code in STATUS_FILTERS}
    keys |= {f"command.{name}" for name in COMMANDS}
    keys |= {f"command.{name}" for _role, names in ROLE_COMMANDS for name in names}
    return keys


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def texts(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_code_uses_keys_found_by_extraction() -> None:
    assert {"start.greeting", "card.follow", "time.days_left"} <= used_keys()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_used_key_is_translated(locale: str) -> None:
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(locale) if m.id}
    missing = sorted(
        key for key in used_keys() if key not in messages or not all(texts(messages[key]))
    )
    assert missing == []


def test_french_and_english_have_the_same_keys_and_placeholders() -> None:
    fr = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue("fr") if m.id}
    en = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue("en") if m.id}
    assert sorted(fr.keys() ^ en.keys()) == []
    different = []
    for key, message in fr.items():
        fr_names = set().union(*(placeholders(text) for text in texts(message)))
        en_names = set().union(*(placeholders(text) for text in texts(en[key])))
        if fr_names != en_names:
            different.append(key)
    assert different == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_or_empty_entries(locale: str) -> None:
    bad = [m.id for m in catalogue(locale) if m.id and (m.fuzzy or not all(texts(m)))]
    assert bad == []
