"""Formatting: what Telegram stores for a text and its parse mode (HTML entities, UTF-16)."""

from __future__ import annotations

import html
import re

from bot.devtools.fakeapi.errors import bad
from bot.devtools.fakeapi.records import Params

_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}  # fmt: skip


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _unescape(chunk: str) -> str:
    return _HTML_ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), chunk)


def _tag_entity(name: str, attrs: dict[str, str], where: int) -> Params:
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name], "_class": attrs.get("class", "")}
    if name == "a":
        return {"type": "text_link", "url": attrs.get("href", "")}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    raise bad(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {where}')


def parse_html(source: str) -> tuple[str, list[Params]]:
    """Turn HTML parse-mode text into (plain text, entities), rejecting what Telegram rejects."""
    parts: list[str] = []
    entities: list[Params] = []
    stack: list[tuple[str, Params, int]] = []
    length = pos = 0
    while True:
        lt = source.find("<", pos)
        chunk = _unescape(source[pos:] if lt < 0 else source[pos:lt])
        parts.append(chunk)
        length += utf16_len(chunk)
        if lt < 0:
            break
        where = len(source[:lt].encode())
        match = _TAG_RE.match(source, lt)
        if match is None:
            raise bad(f"can't parse entities: Unexpected character at byte offset {where}")
        name = match.group(2).lower()
        if match.group(1):
            _close_tag(name, stack, entities, length, where)
        else:
            attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR_RE.findall(match.group(3))}
            stack.append((name, _tag_entity(name, attrs, where), length))
        pos = match.end()
    if stack:
        tag = stack[-1][0]
        raise bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\"")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


def _close_tag(
    name: str, stack: list[tuple[str, Params, int]], out: list[Params], end: int, where: int
) -> None:
    if not stack or stack[-1][0] != name:
        raise bad(f'can\'t parse entities: Unmatched end tag "{name}" at byte offset {where}')
    _, entity, start = stack.pop()
    css = entity.pop("_class", "")
    if entity["type"] == "code" and stack and stack[-1][1]["type"] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        if css.startswith("language-"):
            stack[-1][1]["language"] = css.removeprefix("language-")
        return
    if end > start:
        out.append({**entity, "offset": start, "length": end - start})


def _strip(text: str, entities: list[Params]) -> tuple[str, list[Params]]:
    """Telegram trims leading and trailing whitespace and moves the entities along."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def command_entities(text: str) -> list[Params]:
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def stored_text(params: Params, key: str) -> Params:
    """Text or caption as Telegram stores it: parsed, trimmed, checked for length."""
    entities_key = "entities" if key == "text" else "caption_entities"
    raw = params.get(key)
    if raw is None or raw == "":
        if key == "text":
            raise bad("message text is empty")
        return {}
    text, entities = str(raw), params.get(entities_key) or []
    if str(params.get("parse_mode", "")).lower() == "html":
        text, entities = parse_html(text)
    text, entities = _strip(text, entities)
    if not text and key == "text":
        raise bad("message text is empty")
    if utf16_len(text) > (4096 if key == "text" else 1024):
        raise bad("message is too long" if key == "text" else "message caption is too long")
    content: Params = {key: text} if text else {}
    if entities:
        content[entities_key] = entities
    return content
