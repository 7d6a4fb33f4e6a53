"""What coordinators see of an operation's platform sync: its state on the card, the card's
buttons (Sync now, the unplaced projects, Import), a run's report, the unplaced projects and
the questions of placing one by hand.

Callback data comes back from the client: the operation (or the unplaced project, and through
it its operation) is checked again on every press (storage.repo.operations.may_coordinate)."""

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import Field

from bot.domain.gazetteer import Commune
from bot.imports.sync import SyncReport
from bot.ui import formatting
from bot.ui.callbacks import RowId
from bot.ui.operations import OperationMenu
from bot.ui.progress import locale
from storage.models import Operation, UnplacedProject

UNPLACED_SHOWN = 10  # projects listed (and offered to place) at once; placing one shows the next
Insee = Annotated[str, Field(min_length=5, max_length=5)]


class SyncMenu(CallbackData, prefix="sy"):
    """An operation's platform action (now, unplaced, import). Checked on every press."""

    action: str
    id: RowId


class UnplacedPick(CallbackData, prefix="up"):
    """Place this unplaced project (its row's id) by hand; its operation is checked."""

    id: RowId


class PlaceCommune(CallbackData, prefix="uc"):
    """One of the communes offered for the typed name (the project waits in the FSM data)."""

    insee: Insee


def _button(text: str, data: CallbackData) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


def card_rows(
    operation_id: int, has_source: bool, unplaced: int
) -> list[list[InlineKeyboardButton]]:
    """The card's platform buttons: Sync now (with a source), the unplaced projects (when
    there are some), Import."""
    rows = []
    if has_source:
        rows.append(_button(_("operation.sync.now"), SyncMenu(action="now", id=operation_id)))
    if unplaced:
        label = _("operation.unplaced.button").format(count=unplaced)
        rows.append(_button(label, SyncMenu(action="unplaced", id=operation_id)))
    rows.append(_button(_("operation.menu.import"), SyncMenu(action="import", id=operation_id)))
    return rows


def when(value: datetime, tz: str) -> str:
    """A moment as the coordinator reads it, in local time."""
    return formatting.datetime(value, locale(), tz)


def state_text(operation: Operation, unplaced: int, tz: str) -> str:
    """The sync's state under the card's source line: the last try's failure or the run in
    progress, the last success (or never), and the projects waiting to be placed."""
    lines = []
    tried, done = operation.sync_tried_at, operation.synced_at
    if operation.sync_source:
        if operation.sync_error and tried is not None:
            error = escape(operation.sync_error)
            lines.append(_("operation.sync.failed").format(when=when(tried, tz), error=error))
        elif tried is not None and tried != done:
            lines.append(_("operation.sync.running").format(when=when(tried, tz)))
        if done is not None:
            lines.append(_("operation.sync.ok").format(when=when(done, tz)))
        elif not operation.sync_error:
            lines.append(_("operation.sync.never"))
    if unplaced:
        key = "operation.unplaced.count"
        lines.append(ngettext(key, f"{key}_plural", unplaced).format(count=unplaced))
    return "\n".join(lines)


def report_text(name: str, report: SyncReport) -> str:
    """What a "Sync now" did: counts, the projects it could not read well, the error that
    stopped it."""
    text = _("operation.sync.report").format(
        name=escape(name),
        seen=report.seen,
        created=report.created,
        changed=report.changed,
        cancelled=report.cancelled,
        unplaced=report.unplaced,
    )
    odd = report.kept + report.skipped
    if odd:
        text += "\n" + _("operation.sync.report_odd").format(count=odd)
    if report.error:
        text += "\n" + _("operation.sync.report_error").format(error=escape(report.error))
    return text


def unplaced_line(project: UnplacedProject) -> str:
    place = ", ".join(p for p in (project.city, project.country) if p) or "—"
    link = project.url or "—"
    return _("operation.unplaced.item").format(
        title=escape(project.title), place=escape(place), link=escape(link)
    )


def unplaced_text(name: str, projects: Sequence[UnplacedProject]) -> str:
    """The operation's projects a sync could not place (the first UNPLACED_SHOWN)."""
    if not projects:
        return _("operation.unplaced.empty").format(name=escape(name))
    head = _("operation.unplaced.header").format(name=escape(name), count=len(projects))
    lines = [unplaced_line(p) for p in projects[:UNPLACED_SHOWN]]
    more = len(projects) - UNPLACED_SHOWN
    if more > 0:
        lines.append(_("operation.unplaced.more").format(count=more))
    return "\n\n".join([head, *lines])


def unplaced_keyboard(
    operation_id: int, projects: Sequence[UnplacedProject]
) -> InlineKeyboardMarkup:
    rows = [
        _button(_("operation.unplaced.place").format(title=p.title[:40]), UnplacedPick(id=p.id))
        for p in projects[:UNPLACED_SHOWN]
    ]
    rows.append(_button(_("operation.menu.back"), OperationMenu(action="show", id=operation_id)))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def place_prompt(project: UnplacedProject) -> str:
    place = ", ".join(p for p in (project.city, project.country) if p) or "—"
    return _("operation.unplaced.ask").format(title=escape(project.title), place=escape(place))


def commune_name(commune: Commune) -> str:
    return f"{commune.name} ({commune.department})"


def commune_keyboard(communes: Sequence[Commune]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[_button(commune_name(c), PlaceCommune(insee=c.insee)) for c in communes]
    )
