"""What coordinators see of operations: the card, the list, the dialogue's prompts and summary,
the problems of a value or a file, and the buttons (with their callback data).

Callback data comes back from the client: every operation id is checked again on use
(storage.repo.operations.may_coordinate)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from bot.domain import operations as fields
from bot.domain.operations import FieldProblem
from bot.domain.territory import Area, Divisions, describe
from bot.ui import formatting
from bot.ui.announcements import AnnounceMenu
from bot.ui.callbacks import Page, RowId
from bot.ui.progress import locale
from storage.models import Operation

PAGE_SIZE = 5
TERRITORY_SHOWN = 300  # characters of the territory's names in the list
TelegramId = Annotated[int, Field(ge=1, le=2**63 - 1)]
MaybeRowId = Annotated[int, Field(ge=0, le=2**31 - 1)]


class OperationMenu(CallbackData, prefix="op"):
    """An action on one operation (show, edit, attach, attach_yes). Checked on every press."""

    action: str
    id: RowId


class OperationEdit(CallbackData, prefix="oe"):
    """Edit one field of an operation (bot.domain.operations.FIELDS)."""

    field: str
    id: RowId


class OperationList(CallbackData, prefix="ol"):
    """A page of /operations."""

    page: Page = 0


class FormStep(CallbackData, prefix="of"):
    """A button of the creation or edit dialogue (back, keep, skip, ok, create, cancel). The
    draft is kept server-side (FSM data)."""

    action: str


class CoordinatorMenu(CallbackData, prefix="co"):
    """Admins' /coordinators (list, add, show, remove, remove_yes, assign, unassign)."""

    action: str
    user: TelegramId | None = None
    op: MaybeRowId = 0


@dataclass(frozen=True)
class OperationView:
    """An operation as shown: stored, or a draft of the dialogue."""

    name: str
    territory: str
    dates: Mapping[str, datetime | None]
    platform: str
    link: str | None
    description: str
    campaigns: int | None = None
    coordinators: Sequence[int] = field(default_factory=tuple)
    sync_source: str | None = None


def view_of(
    operation: Operation,
    areas: Iterable[Area],
    divisions: Divisions,
    campaigns: int | None = None,
    coordinators: Sequence[int] = (),
) -> OperationView:
    return OperationView(
        name=operation.name,
        territory=describe(areas, divisions),
        dates={name: getattr(operation, column) for name, column in fields.COLUMNS.items()},
        platform=operation.platform,
        link=operation.link,
        description=operation.description,
        campaigns=campaigns,
        coordinators=coordinators,
        sync_source=operation.sync_source,
    )


def day(value: datetime | None, tz: str) -> str:
    return formatting.date(value, locale(), tz) if value is not None else "—"


def person(user_id: int) -> str:
    """A coordinator by id, a link to their profile in Telegram."""
    return f'<a href="tg://user?id={user_id}">{user_id}</a>'


def people(user_ids: Sequence[int]) -> str:
    return ", ".join(person(u) for u in user_ids) if user_ids else _("operation.nobody")


def details(view: OperationView, tz: str) -> str:
    """The lines every view of an operation shares: territory, windows, platform, link."""
    dates = {name: day(value, tz) for name, value in view.dates.items()}
    text = _("operation.details").format(
        territory=escape(view.territory) or "—",
        call_opens=dates[fields.CALL_OPENS],
        call_closes=dates[fields.CALL_CLOSES],
        launch=dates[fields.LAUNCH],
        ends=dates[fields.ENDS],
        platform=escape(view.platform) or "—",
        link=escape(view.link or "—"),
    )
    return text


def card_text(view: OperationView, tz: str, sync_state: str = "") -> str:
    """An operation's card: its name, details, campaigns, coordinators, platform sync (its
    source; for a stored operation, `sync_state`: bot.ui.platform_sync) and description."""
    text = _("operation.card").format(
        name=escape(view.name),
        details=details(view, tz),
        campaigns=view.campaigns or 0,
        coordinators=people(view.coordinators),
    )
    source = f"<code>{escape(view.sync_source)}</code>" if view.sync_source else None
    text += "\n" + _("operation.sync.source").format(source=source or _("operation.sync.not_set"))
    if sync_state:
        text += "\n" + sync_state
    return f"{text}\n\n{escape(view.description)}" if view.description else text


def list_item(view: OperationView, tz: str) -> str:
    territory = view.territory
    if len(territory) > TERRITORY_SHOWN:
        territory = territory[: TERRITORY_SHOWN - 1] + "…"
    return _("operation.list.item").format(
        name=escape(view.name),
        territory=escape(territory),
        call_opens=day(view.dates[fields.CALL_OPENS], tz),
        call_closes=day(view.dates[fields.CALL_CLOSES], tz),
        launch=day(view.dates[fields.LAUNCH], tz),
        ends=day(view.dates[fields.ENDS], tz),
        platform=escape(view.platform) or "—",
        campaigns=view.campaigns or 0,
        coordinators=people(view.coordinators),
    )


def list_text(views: Sequence[OperationView], total: int, page: int, tz: str) -> str:
    if not total:
        return _("operation.list.empty")
    header = _("operation.list.header").format(count=total)
    return "\n\n".join([header, *(list_item(v, tz) for v in views)])


def _button(text: str, data: CallbackData) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


def list_keyboard(
    operations: Sequence[Operation], page: int, pages: int, is_admin: bool
) -> InlineKeyboardMarkup:
    rows = [_button(o.name[:60], OperationMenu(action="show", id=o.id)) for o in operations]
    turn = []
    if page > 0:
        turn.append(_button(_("operation.list.previous"), OperationList(page=page - 1))[0])
    if page + 1 < pages:
        turn.append(_button(_("operation.list.next"), OperationList(page=page + 1))[0])
    if turn:
        rows.append(turn)
    if is_admin:
        rows.append(_button(_("operation.list.new"), FormStep(action="new")))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_keyboard(
    operation_id: int,
    is_admin: bool = False,
    more: Sequence[list[InlineKeyboardButton]] = (),
) -> InlineKeyboardMarkup:
    """The card's menu; `more`: the platform's rows (bot.ui.platform_sync.card_rows)."""
    rows = [
        _button(_("operation.menu.edit"), OperationMenu(action="edit", id=operation_id)),
        _button(_("operation.menu.attach"), OperationMenu(action="attach", id=operation_id)),
        _button(_("operation.menu.announce"), AnnounceMenu(action="list", id=operation_id)),
        *more,
    ]
    if is_admin:
        invite = OperationMenu(action="invite", id=operation_id)
        rows.append(_button(_("operation.menu.invite"), invite))
    rows.append(_button(_("operation.menu.list"), OperationList(page=0)))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def field_name(name: str) -> str:
    return _(f"operation.field.{name}")


def edit_keyboard(operation_id: int) -> InlineKeyboardMarkup:
    rows = [
        _button(field_name(name), OperationEdit(field=name, id=operation_id))
        for name in fields.FIELDS
    ]
    rows.append(_button(_("operation.menu.back"), OperationMenu(action="show", id=operation_id)))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def attach_keyboard(operation_id: int, can_attach: bool) -> InlineKeyboardMarkup:
    yes = OperationMenu(action="attach_yes", id=operation_id)
    rows = [_button(_("operation.attach.yes"), yes)] if can_attach else []
    rows.append(_button(_("operation.menu.back"), OperationMenu(action="show", id=operation_id)))
    return InlineKeyboardMarkup(inline_keyboard=rows)


# --- the dialogue -------------------------------------------------------------------------------


def form_keyboard(
    *, keep: bool = False, skip: bool = False, back: bool = True, ok: bool = False
) -> InlineKeyboardMarkup:
    """The buttons under a prompt of the dialogue."""
    rows = []
    if ok:
        rows.append(_button(_("operation.form.territory_ok"), FormStep(action="ok")))
    if keep:
        rows.append(_button(_("operation.form.keep"), FormStep(action="keep")))
    if skip:
        rows.append(_button(_("operation.form.skip"), FormStep(action="skip")))
    last = []
    if back:
        last.append(_button(_("operation.form.back"), FormStep(action="back"))[0])
    last.append(_button(_("operation.form.cancel"), FormStep(action="cancel"))[0])
    rows.append(last)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def summary_keyboard(can_create: bool) -> InlineKeyboardMarkup:
    rows = [_button(_("operation.form.create"), FormStep(action="create"))] if can_create else []
    rows.append(
        [
            _button(_("operation.form.back"), FormStep(action="back"))[0],
            _button(_("operation.form.cancel"), FormStep(action="cancel"))[0],
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def prompt(name: str, current: str | None) -> str:
    """The question of a step, with the value kept so far (Keep leaves it)."""
    text = _(f"operation.ask.{name}")
    if current:
        text += "\n\n" + _("operation.form.current").format(value=escape(current))
    return text


def territory_check(areas: Iterable[Area], divisions: Divisions) -> str:
    return _("operation.territory.check").format(territory=escape(describe(areas, divisions)))


def problem_text(problem: FieldProblem) -> str:
    values = dict(problem.values)
    if "other" in values:
        values["other"] = field_name(values["other"])
    if "why" in values:
        values["why"] = _(f"territory.problem.{values['why']}")
    values = {key: escape(value) for key, value in values.items()}
    reason = _(f"operation.problem.{problem.reason}").format(**values)
    return _("operation.problem.line").format(
        field=escape(field_name(problem.name))
        if problem.name in fields.FIELDS
        else escape(problem.name),
        reason=reason,
    )


def problems_text(problems: Iterable[FieldProblem]) -> str:
    return "\n".join(problem_text(p) for p in problems)
