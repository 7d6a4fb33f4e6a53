"""The sandbox's terminal chat: the bot's messages as text, its buttons numbered, what the person
types sent to the fake Bot API as a resident's updates."""

import asyncio
import contextlib
import copy
import os
import queue
import re
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from typing import NamedTuple

from aiogram.utils.i18n import I18n

from bot.devtools.fakeapi import FakeBotAPI, Params
from bot.settings import LOCALES

RESIDENT_ID = 1
BOLD, RESET = "\033[1m", "\033[0m"
_NUMBER_RE = re.compile(r"-?\d+(?:[.,]\d+)?")

Out = Callable[[str], None]
ReadLine = Callable[[], Awaitable[str | None]]


def sandbox_language(default: str) -> str:
    """The terminal's language (LANG) when the bot speaks it, else the bot's default."""
    lang = os.environ.get("LANG", "")[:2]
    return lang if lang in LOCALES else default


def styled(text: str, entities: list[Params], color: bool) -> str:
    """Plain text as a client shows it: bold in ANSI when `color`, link targets spelled out."""
    marks: list[tuple[int, int, str]] = []  # (UTF-16 offset, ends before starts, mark)
    for entity in entities:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if entity["type"] == "bold" and color:
            marks += [(start, 1, BOLD), (end, 0, RESET)]
        elif entity["type"] == "text_link":
            marks.append((end, 0, f" <{entity['url']}>"))
    units = text.encode("utf-16-le")
    pieces, position = [], 0
    for offset, _order, mark in sorted(marks, key=lambda m: (m[0], m[1])):
        pieces += [units[position * 2 : offset * 2].decode("utf-16-le"), mark]
        position = offset
    pieces.append(units[position * 2 :].decode("utf-16-le"))
    return "".join(pieces)


def number_buttons(rows: list[list[Params]], taken: set[int]) -> list[list[tuple[int, Params]]]:
    """Numbers for callback buttons: a button labelled "7" is [7]; the others get free numbers."""
    numbered: list[list[tuple[int, Params]]] = []
    free = (n for n in range(1, 10_000) if n not in taken)
    for row in rows:
        line = []
        for button in row:
            label = button["text"]
            if "callback_data" not in button:
                line.append((0, button))
            elif label.isdigit() and int(label) in taken:
                line.append((int(label), button))
            else:
                line.append((next(free), button))
        numbered.append(line)
    return numbered


def _numeric_labels(messages: list[Params]) -> set[int]:
    labels = [
        button["text"]
        for message in messages
        for row in message.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]
    digits = [int(label) for label in labels if label.isdigit() and 0 < int(label) < 10_000]
    return {n for n in digits if digits.count(n) == 1}


class Button(NamedTuple):
    """A pressable inline button as numbered on screen."""

    message_id: int
    data: str
    label: str


class SandboxChat:
    """One resident typing lines; prints what the bot sends, edits, and pops up."""

    def __init__(
        self,
        fake: FakeBotAPI,
        i18n: I18n,
        *,
        user_id: int = RESIDENT_ID,
        lang: str = "fr",
        out: Out = print,
        color: bool = False,
        reply_timeout: float = 15.0,
    ) -> None:
        self.fake, self.i18n, self.user_id, self.lang = fake, i18n, user_id, lang
        self.out, self.color, self.reply_timeout = out, color, reply_timeout
        self.buttons: dict[int, Button] = {}  # the numbers shown last
        self._shown: dict[int, Params] = {}  # message id -> the message as last printed
        self._answers = 0  # answerCallbackQuery calls already printed
        self._keyboard: Params | None = None
        self._busy = False

    def t(self, key: str, **values: object) -> str:
        return self.i18n.gettext(key, locale=self.lang).format(**values)

    async def run(self, read: ReadLine) -> None:
        """Intro, then one line at a time until /quit or the end of input."""
        self.out(self.t("sandbox.intro"))
        while (line := await read()) is not None and await self.handle_line(line):
            pass
        if line is None:  # Ctrl-D: end the prompt's line
            self.out("")
        self.out(self.t("sandbox.bye"))

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.strip()
        command, _, rest = line.partition(" ")
        if command in ("/quit", "/exit"):
            return False
        if not line:
            return True
        self._busy = True
        try:
            await self._act(line, command.lower(), rest)
        finally:
            self._busy = False
        return True

    async def _act(self, line: str, command: str, rest: str) -> None:
        if command == "/loc":
            await self._send_location(rest)
        elif command == "/lang":
            self._switch_language(rest.strip().lower())
        elif line.isdigit() and int(line) in self.buttons:
            await self._press(self.buttons[int(line)])
        else:
            self.fake.send_text(self.user_id, line, language_code=self.lang)
            await self._wait()

    async def _send_location(self, rest: str) -> None:
        numbers = [float(n.replace(",", ".")) for n in _NUMBER_RE.findall(rest)]
        if len(numbers) != 2:
            self.out(self.t("sandbox.loc_usage"))
            return
        self.fake.send_location(self.user_id, *numbers, language_code=self.lang)
        await self._wait()

    def _switch_language(self, code: str) -> None:
        if code not in LOCALES:
            self.out(self.t("sandbox.lang_usage"))
            return
        self.lang = code
        self.out(self.t("sandbox.lang_set"))

    async def _press(self, button: Button) -> None:
        try:
            self.fake.press_button(
                self.user_id, button.message_id, button.data, language_code=self.lang
            )
        except LookupError:
            self.out(self.t("sandbox.no_button"))
            return
        await self._wait()

    async def _wait(self) -> None:
        try:
            await self.fake.wait_processed(self.fake.last_update_id, self.reply_timeout)
        except TimeoutError:
            self.out(self.t("sandbox.no_reply"))
        self.flush()

    async def watch(self) -> None:
        """Print what the bot sends on its own (alerts) while the person is not typing a line."""
        while True:
            seen = len(self.fake.calls)
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for(partial(self._more_calls_than, seen), 3600)
            if not self._busy:
                self.flush()

    def _more_calls_than(self, seen: int) -> bool:
        return len(self.fake.calls) > seen

    def flush(self) -> None:
        """Print the bot's new and edited messages, pop-ups and reply keyboard since last time."""
        sent = self.fake.sent_to(self.user_id)
        changed = [m for m in sent if self._shown.get(m["message_id"]) != m]
        taken = _numeric_labels(changed)
        numbers: dict[int, Button] = {}
        for message in changed:
            edited = message["message_id"] in self._shown
            self._shown[message["message_id"]] = copy.deepcopy(message)
            self._print_message(message, edited, taken | set(numbers), numbers)
        if numbers:
            self.buttons = numbers
        self._print_answers({m.get("text") for m in changed})
        self._print_keyboard()

    def _print_message(
        self, message: Params, edited: bool, taken: set[int], numbers: dict[int, Button]
    ) -> None:
        lines = [self.t("sandbox.edited")] if edited else []
        if "document" in message:
            lines.append(self.t("sandbox.document", name=message["document"].get("file_name", "")))
        if "photo" in message:
            lines.append(self.t("sandbox.photo"))
        for key, entities in (("text", "entities"), ("caption", "caption_entities")):
            if key in message:
                lines.append(styled(message[key], message.get(entities, []), self.color))
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        for row in number_buttons(rows, taken):
            lines.append("  ".join(self._button(n, b, message, numbers) for n, b in row))
        self.out("\n" + "\n".join(lines))

    def _button(
        self, number: int, button: Params, message: Params, numbers: dict[int, Button]
    ) -> str:
        if not number:
            url = button.get("url") or button.get("login_url", {}).get("url", "")
            return self.t("sandbox.url_button", label=button["text"], url=url)
        label = button["text"]
        numbers[number] = Button(message["message_id"], button["callback_data"], label)
        return f"[{number}]" if label == str(number) else f"[{number}] {label}"

    def _print_answers(self, printed: set[str | None]) -> None:
        answers = self.fake.calls_of("answerCallbackQuery")
        for call in answers[self._answers :]:
            text = call.params.get("text")
            if call.status == 200 and text and text not in printed:
                key = "sandbox.alert" if call.params.get("show_alert") else "sandbox.toast"
                self.out(self.t(key, text=text))
        self._answers = len(answers)

    def _print_keyboard(self) -> None:
        keyboard = self.fake.reply_keyboards.get(self.user_id)
        if keyboard == self._keyboard:
            return
        self._keyboard = copy.deepcopy(keyboard)
        rows = (keyboard or {}).get("keyboard", [])
        buttons = [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]
        for button in (b for b in buttons if b.get("request_location")):
            self.out(self.t("sandbox.location_hint", label=button["text"]))
        labels = [f"« {b['text']} »" for b in buttons if not b.get("request_location")]
        if labels:
            self.out(self.t("sandbox.keyboard_hint", labels=", ".join(labels)))


class StdinReader:
    """Reads lines in a daemon thread, one per request, so the event loop never blocks on input.

    A daemon thread (not asyncio.to_thread) because a thread blocked in input() would otherwise
    hold up the interpreter's exit after Ctrl-C.
    """

    def __init__(self, prompt: str = "") -> None:
        self.prompt = prompt
        self._loop = asyncio.get_running_loop()
        self._requests: queue.Queue[asyncio.Future[str | None]] = queue.Queue()
        threading.Thread(target=self._serve, name="sandbox-stdin", daemon=True).start()

    def _serve(self) -> None:
        while True:
            future = self._requests.get()
            try:
                line: str | None = input(self.prompt)
            except (EOFError, OSError, ValueError):
                line = None
            self._loop.call_soon_threadsafe(_resolve, future, line)
            if line is None:
                return

    async def readline(self) -> str | None:
        future: asyncio.Future[str | None] = self._loop.create_future()
        self._requests.put(future)
        return await future


def _resolve(future: "asyncio.Future[str | None]", line: str | None) -> None:
    if not future.done():
        future.set_result(line)
