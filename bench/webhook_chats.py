"""Residents talking to the bot through its webhook, and the replies they get (bench/webhook.py).

Imported by bench/webhook.py after `common`, which puts the project on the path.
"""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import aiohttp

from bot.devtools.fakeapi import Call, FakeBotAPI, Params
from bot.devtools.fakeapi.entities import command_entities
from bot.devtools.fakeapi.records import Signal
from bot.domain.gazetteer import Commune
from bot.i18n import create_i18n
from bot.ui.callbacks import CardView, FollowToggle, RadiusPick

RADIUS_KM = 10
STEPS = ("/start", "place", "radius", "/nearby", "card", "follow", "/following")
REPLY_WAIT = 15.0  # seconds a resident waits for the button they are to press
REDELIVERY_PAUSE = 0.5
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Resident:
    """One chat: its updates, when each was first POSTed, and the reply each got."""

    def __init__(self, user: Params, place: str, commune: str, first_update_id: int) -> None:
        self.user, self.commune, self.first_update_id = user, commune, first_update_id
        texts = {0: "/start", 1: place, 3: "/nearby", 6: "/following"}  # the buttons: PRESSES
        self.bodies = {s: text_update(first_update_id + s, user, t) for s, t in texts.items()}
        self.posted: list[float | None] = [None] * len(STEPS)
        self.replies: list[Call | None] = [None] * len(STEPS)
        self.waiters: dict[int, asyncio.Event] = {}
        self.out_of_order = 0

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def take(self, call: Call, steps: tuple[int, ...]) -> None:
        """A reply to one of `steps` reached the API (none: it answers no step rightly)."""
        step = next((s for s in steps if self.replies[s] is None), None)
        if step is None:  # a wrong reply, or a second one to an answered step
            self.out_of_order += 1
            return
        if any(self.replies[step + 1 :]):
            self.out_of_order += 1  # after the reply to a later step
        self.replies[step] = call
        if waiter := self.waiters.pop(step, None):
            waiter.set()

    def waiting(self) -> bool:
        return any(
            p is not None and r is None for p, r in zip(self.posted, self.replies, strict=True)
        )


def text_update(update_id: int, user: Params, text: str) -> bytes:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    # Above 1000, the resident's message ids stay clear of the bot's in the same chat.
    message = {"message_id": 1000 + update_id, "from": user, "chat": chat, "text": text}
    message["date"] = int(time.time())
    if entities := command_entities(text):
        message["entities"] = entities
    return json.dumps({"update_id": update_id, "message": message}).encode()


def button_data(params: Params, kind: type[Any], **fields: Any) -> str | None:
    """The callback data of the first button of this CallbackData kind (with these fields)."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", ())
    for data in (button.get("callback_data", "") for row in rows for button in row):
        if data.startswith(f"{kind.__prefix__}:"):
            unpacked = kind.unpack(data)
            if all(getattr(unpacked, k) == v for k, v in fields.items()):
                return str(data)
    return None


class Texts:
    """The catalogue texts the bench recognises (rendered, never typed)."""

    def __init__(self, communes: list[Commune]) -> None:
        i18n = create_i18n("fr")

        def text(key: str) -> str:
            return str(i18n.gettext(key, locale="fr"))

        self.place_ask, self.radius_ask = text("place.ask"), text("radius.ask")
        # /start greets and asks the place in one message.
        self.start_ask = f"{text('start.greeting')}\n\n{self.place_ask}"
        # Lists are told apart by their header: the radius picked and the place; one followed.
        self.nearby = {
            c.name: text("nearby.header").format(radius=RADIUS_KM, place=escape(c.name))
            for c in communes
        }
        self.following = text("following.header").format(count=1)
        # Sent on the way to a reply: the greeting, "place saved", the consent question (once),
        # "radius saved".
        self.on_the_way = {text("start.greeting"), text("radius.saved").format(radius=RADIUS_KM)}
        self.on_the_way.add(text("consent.ask"))
        self.on_the_way |= {text("place.saved").format(place=escape(c.name)) for c in communes}


def answers(call: Call, texts: Texts, commune: str) -> tuple[int, ...] | None:
    """The steps `call` can be the reply to: () if none rightly, None for a call on the way."""
    params, method = call.params, call.method
    text = params.get("text") or ""
    if text in texts.on_the_way:
        return None
    nearby = button_data(params, CardView, src="n") and text.startswith(texts.nearby[commune])
    if method == "sendMessage":
        if text in (texts.start_ask, texts.place_ask, texts.radius_ask):
            return (1,) if text == texts.radius_ask else (0,)
        if nearby:
            return (2, 3)  # /nearby's list (the radius pick's, were it sent as a new message)
        following = button_data(params, CardView, src="f")
        return (6,) if following and text.startswith(texts.following) else ()
    if method == "editMessageText":
        if nearby:
            return (2,)  # the radius question turned into the list
        return (4,) if button_data(params, FollowToggle, on=True) else ()
    if method == "editMessageReplyMarkup":
        return (5,) if button_data(params, FollowToggle, on=False) else ()
    if method == "answerCallbackQuery" and params.get("show_alert"):
        return ()  # "this button is no longer available"
    return None


class Replies:
    """Reads what the fake API recorded and hands each resident the replies to their updates."""

    def __init__(self, fake: FakeBotAPI, texts: Texts) -> None:
        self.fake, self.texts = fake, texts
        self.residents: dict[int, Resident] = {}
        self.queries: dict[str, Resident] = {}
        self.refused = 0  # calls to our chats the API did not accept
        self.seen = 0
        self.progress = Signal()  # wakes whoever waits for replies after each batch of calls

    async def follow(self) -> None:
        calls = self.fake.calls
        while True:
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for(lambda: len(calls) > self.seen, timeout=1.0)
            for call in calls[self.seen :]:
                self.take(call)
            self.seen = len(calls)
            self.progress.notify()

    def take(self, call: Call) -> None:
        chat_id = call.params.get("chat_id")
        if chat_id is not None:
            resident = self.residents.get(chat_id)
        else:
            resident = self.queries.get(call.params.get("callback_query_id", ""))
        if resident is None:
            return
        if call.status != 200:
            self.refused += 1
        elif (steps := answers(call, self.texts, resident.commune)) is not None:
            resident.take(call, steps)


@dataclass
class Webhook:
    """Where and how to POST updates to the bot."""

    http: aiohttp.ClientSession
    url: str
    secret: str
    alive: Callable[[], bool]  # False once the bot has exited: stop redelivering
    # Where and how Telegram carries out a method the webhook's response carries (its own
    # connections, not the webhook's 40).
    api: aiohttp.ClientSession
    api_url: str


# The buttons pressed: step -> (the step whose reply carries the button, its callback data).
PRESSES = {
    2: (1, lambda params: RadiusPick(km=RADIUS_KM).pack()),
    4: (3, lambda params: button_data(params, CardView, src="n")),
    5: (4, lambda params: button_data(params, FollowToggle, on=True)),
}


class Feeder:
    """POSTs residents' updates to the webhook as Telegram does, one chat's updates in order."""

    def __init__(self, webhook: Webhook, replies: Replies, deadline: float) -> None:
        self.http, self.url, self.alive = webhook.http, webhook.url, webhook.alive
        self.api, self.api_url = webhook.api, webhook.api_url
        self.carried: set[asyncio.Task[None]] = set()  # methods from responses, under way
        self.headers = {SECRET_HEADER: webhook.secret, "Content-Type": "application/json"}
        self.replies, self.deadline = replies, deadline
        self.redelivered: Counter[str] = Counter()  # why: an HTTP status, or the error

    async def converse(self, resident: Resident) -> None:
        for step in range(len(STEPS)):
            body = await self.body(resident, step)
            if body is None or not await self.deliver(resident, step, body):
                return  # gave up: the button never came, or the deadline passed

    async def body(self, resident: Resident, step: int) -> bytes | None:
        if step not in PRESSES:
            return resident.bodies[step]
        shown, pick = PRESSES[step]
        call = await self.reply(resident, shown)
        data = pick(call.params) if call is not None else None
        if call is None or data is None:
            return None
        try:
            query = self.replies.fake.callback_query(
                resident.id, call.result["message_id"], data, language_code="fr"
            )
        except LookupError:  # that button is no longer on the message
            return None
        self.replies.queries[query["id"]] = resident
        update = {"update_id": resident.first_update_id + step, "callback_query": query}
        return json.dumps(update).encode()

    async def reply(self, resident: Resident, step: int) -> Call | None:
        if resident.replies[step] is None:
            waiter = resident.waiters.setdefault(step, asyncio.Event())
            wait = min(REPLY_WAIT, self.deadline - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), max(wait, 0.0))
        return resident.replies[step]

    async def carry_out(self, params: dict[str, Any]) -> None:
        method = params.pop("method")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self.api.post(self.api_url + method, json=params) as response:
                await response.read()

    async def deliver(self, resident: Resident, step: int, body: bytes) -> bool:
        resident.posted[step] = time.monotonic()
        while time.monotonic() < self.deadline and self.alive():
            try:
                async with self.http.post(self.url, data=body, headers=self.headers) as response:
                    answer = await response.read()
                    if response.status == 200:
                        if answer:  # a method for Telegram to carry out, as it does, meanwhile
                            task = asyncio.create_task(self.carry_out(json.loads(answer)))
                            self.carried.add(task)
                            task.add_done_callback(self.carried.discard)
                        return True
                    self.redelivered[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                self.redelivered[type(error).__name__] += 1
            await asyncio.sleep(REDELIVERY_PAUSE)
        return False
