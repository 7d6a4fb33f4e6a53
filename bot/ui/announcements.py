"""What announcements look like: to residents (the one rendering that the coordinator's preview
and the delivery worker share), and to coordinators (an operation's announcements screen, the
composer's buttons, the callback data).

Callback data comes back from the client: every operation or announcement id is checked again
on use (storage.repo.operations.may_coordinate on the operation the database says)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain import reminders
from bot.ui import formatting
from bot.ui.broadcasts import CAPTION_LIMIT, TEXT_LIMIT
from bot.ui.callbacks import RowId
from bot.ui.cards import telegram_length
from bot.ui.notifications import Reader
from bot.ui.progress import locale

EXCERPT = 40  # characters of an announcement's text in the list
_TAG = re.compile(r"<[^>]+>")


class AnnounceMenu(CallbackData, prefix="an"):
    """An operation's announcements: `list` (the screen), `new` (compose one)."""

    action: str
    id: RowId


class AnnounceItem(CallbackData, prefix="ab"):
    """A scheduled announcement: `edit`, `cancel`, `cancel_yes`."""

    action: str
    id: RowId


class ReminderToggle(CallbackData, prefix="ar"):
    """Turn one of an operation's automatic reminders (bot.domain.reminders.WHICH) on or off."""

    which: str
    on: bool
    id: RowId


class AnnounceStep(CallbackData, prefix="as"):
    """A button of the composer (skip, send, schedule, save, edit, cancel, text, photo, nophoto,
    link, nolink, when, preview). The draft is kept server-side (FSM data)."""

    action: str


# --- what residents read ------------------------------------------------------------------------


def announcement_text(name: str, body_html: str, reader: Reader) -> str:
    """The operation's name as a header in the reader's language, then the coordinator's text
    (HTML as Telegram's entities gave it)."""
    return reader.t("announcement.header", name=escape(name)) + "\n\n" + body_html


def announcement_fits(name: str, body_html: str, has_photo: bool, reader: Reader) -> bool:
    """It fits one message (a caption when it has a photo) for this reader."""
    limit = CAPTION_LIMIT if has_photo else TEXT_LIMIT
    return telegram_length(announcement_text(name, body_html, reader)) <= limit


# --- what coordinators read ---------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    id: int
    send_at: datetime
    text: str  # HTML


@dataclass(frozen=True)
class ReminderLine:
    which: str
    due_at: datetime
    on: bool
    sent_to: int | None  # None: not sent
    past: bool  # its time is over and it was not sent


@dataclass(frozen=True)
class Screen:
    operation_id: int
    name: str
    territory: str
    reach: int
    waiting: Sequence[Waiting]
    reminders: Sequence[ReminderLine]


def when(value: datetime, tz: str) -> str:
    return formatting.datetime(value, locale(), tz)


def excerpt(body_html: str) -> str:
    plain = " ".join(unescape(_TAG.sub("", body_html)).split())
    return escape(plain if len(plain) <= EXCERPT else plain[: EXCERPT - 1] + "…")


def reach_line(count: int) -> str:
    return ngettext("announce.reach", "announce.reach_plural", count).format(count=count)


def duration(seconds: float) -> str:
    """About how long sending takes: "less than a minute", "12 min", "2 h 05"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("announce.duration.short")
    if minutes < 60:
        return _("announce.duration.minutes").format(minutes=minutes)
    return _("announce.duration.hours").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")


def _reminder_state(line: ReminderLine) -> str:
    if line.sent_to is not None:
        return ngettext(
            "announce.reminder.sent", "announce.reminder.sent_plural", line.sent_to
        ).format(count=line.sent_to)
    if not line.on:
        return _("announce.reminder.off")
    return _("announce.reminder.past") if line.past else _("announce.reminder.planned")


def screen_text(screen: Screen, tz: str) -> str:
    parts = [
        _("announce.screen").format(
            name=escape(screen.name), territory=escape(screen.territory) or "—"
        ),
        reach_line(screen.reach),
        _("announce.waiting"),
    ]
    items = [
        _("announce.waiting_item").format(when=when(w.send_at, tz), text=excerpt(w.text))
        for w in screen.waiting
    ]
    parts.append("\n".join(items) if items else _("announce.waiting_none"))
    parts.append(_("announce.reminders"))
    lines = [
        _("announce.reminder_item").format(
            when=when(r.due_at, tz),
            what=_(f"announce.reminder.{r.which}"),
            state=_reminder_state(r),
        )
        for r in screen.reminders
    ]
    parts.append("\n".join(lines) if lines else _("announce.reminders_none"))
    return "\n\n".join(parts)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def screen_keyboard(screen: Screen, tz: str) -> InlineKeyboardMarkup:
    rows = [[_button(_("announce.new"), AnnounceMenu(action="new", id=screen.operation_id))]]
    for item in screen.waiting:
        at = when(item.send_at, tz)
        rows.append(
            [
                _button(
                    _("announce.edit_item").format(when=at), AnnounceItem(action="edit", id=item.id)
                ),
                _button(_("announce.cancel_item"), AnnounceItem(action="cancel", id=item.id)),
            ]
        )
    for line in screen.reminders:
        if line.sent_to is not None or line.past:
            continue
        what = _(f"announce.reminder.{line.which}")
        key = "announce.reminder.turn_off" if line.on else "announce.reminder.turn_on"
        toggle = ReminderToggle(which=line.which, on=not line.on, id=screen.operation_id)
        rows.append([_button(_(key).format(what=what), toggle)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reminder_lines(
    operation: reminders.Dated, tz: str, now: datetime, sent: dict[str, int]
) -> list[ReminderLine]:
    """The operation's reminders as listed: `sent` gives the recipients of those sent, by
    which."""
    off = set(reminders.turned_off(operation))
    return [
        ReminderLine(
            which=r.which,
            due_at=r.due_at,
            on=r.which not in off,
            sent_to=sent.get(r.which),
            past=r.void_at <= now,
        )
        for r in reminders.schedule(operation, tz)
    ]


def pick_keyboard(operations: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(name[:60], AnnounceMenu(action="list", id=operation_id))]
            for operation_id, name in operations
        ]
    )


def cancel_keyboard(broadcast_id: int, operation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("announce.cancel_yes"), AnnounceItem(action="cancel_yes", id=broadcast_id))],
            [_button(_("announce.back"), AnnounceMenu(action="list", id=operation_id))],
        ]
    )


# --- the composer -------------------------------------------------------------------------------


def _step(label: str, action: str) -> InlineKeyboardButton:
    return _button(label, AnnounceStep(action=action))


def step_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_step(_("announce.form.cancel"), "cancel")]])


def step_skip() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_step(_("announce.form.skip"), "skip"), _step(_("announce.form.cancel"), "cancel")]
        ]
    )


def confirm_keyboard(scheduled: bool) -> InlineKeyboardMarkup:
    """Under the preview: Send now, Schedule (or Save, for a scheduled one being edited), Edit,
    Cancel."""
    rows = [[_step(_("announce.send_now"), "send")]]
    if scheduled:
        rows.append([_step(_("announce.save"), "save"), _step(_("announce.change_when"), "when")])
    else:
        rows.append([_step(_("announce.schedule"), "when")])
    rows.append(
        [_step(_("announce.form.edit"), "edit"), _step(_("announce.form.cancel"), "cancel")]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def edit_keyboard(has_photo: bool, has_link: bool) -> InlineKeyboardMarkup:
    """What may be changed before it goes out; the rest of the draft is kept."""
    rows = [[_step(_("announce.form.edit_text"), "text")]]
    if has_photo:
        rows.append(
            [
                _step(_("announce.form.change_photo"), "photo"),
                _step(_("announce.form.remove_photo"), "nophoto"),
            ]
        )
    else:
        rows.append([_step(_("announce.form.add_photo"), "photo")])
    if has_link:
        rows.append(
            [
                _step(_("announce.form.change_link"), "link"),
                _step(_("announce.form.remove_link"), "nolink"),
            ]
        )
    else:
        rows.append([_step(_("announce.form.add_link"), "link")])
    rows.append([_step(_("announce.form.back_preview"), "preview")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def when_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _step(_("announce.form.back_preview"), "preview"),
                _step(_("announce.form.cancel"), "cancel"),
            ]
        ]
    )
