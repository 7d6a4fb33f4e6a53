"""What applicants and coordinators see of applications: the form's prompts and buttons, the
summary, the states in /myapplications, the moderation queue and card.

Callback data comes back from the client: every id and value is checked again on use (the
application's owner, or storage.repo.operations.may_coordinate on its operation)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import applications as rules
from bot.domain.gazetteer import Commune, Gazetteer
from bot.ui import formatting
from bot.ui.callbacks import RowId
from bot.ui.progress import locale
from storage.models import Application, Operation

DESCRIPTION_SHOWN = 300  # characters of a description in the moderation queue's lines


class ApplyOperation(CallbackData, prefix="apo"):
    """Which open call to apply to, when several are open."""

    id: RowId


class ApplyChoice(CallbackData, prefix="apv"):
    """A button answer of the form: the holder's type or the category."""

    field: str
    value: str


class ApplyCommune(CallbackData, prefix="apc"):
    """One of the communes offered for the typed name."""

    insee: str


class ApplyStep(CallbackData, prefix="aps"):
    """The summary's buttons: submit, fix (the fields' menu), back (to the summary), cancel."""

    action: str


class ApplyFix(CallbackData, prefix="apf"):
    """Fix one field of the form; the others are kept."""

    field: str


class MyApplication(CallbackData, prefix="mya"):
    """Edit an application a coordinator sent back for changes, then submit it again."""

    id: RowId


class ModerationView(CallbackData, prefix="mv"):
    """One application of the moderation queue (id 0 is not valid: the queue is ModerationList)."""

    id: RowId


class ModerationList(CallbackData, prefix="ml"):
    """Back to the moderation queue."""


class ModerationAct(CallbackData, prefix="ma"):
    """A decision on an application: approve (asks to confirm), approve_yes, refuse, changes."""

    action: str
    id: RowId


@dataclass(frozen=True, slots=True)
class Answers:
    """An application's fields as shown (from the form's answers or a stored application)."""

    name: str
    holder: str
    holder_type: str
    category: str
    commune: str
    goal_cents: int
    description: str
    contact: str


def answers_of(application: Application, gazetteer: Gazetteer) -> Answers:
    commune = gazetteer.by_insee(application.commune_insee)
    return Answers(
        name=application.project_name,
        holder=application.holder_name,
        holder_type=application.holder_type,
        category=application.category,
        commune=commune_name(commune) if commune else application.commune_insee,
        goal_cents=application.goal_cents,
        description=application.description,
        contact=application.contact,
    )


def answers_from(answers: Mapping[str, Any], gazetteer: Gazetteer) -> Answers:
    """The form's answers (FSM data: the commune as its INSEE code, the goal in cents)."""
    commune = gazetteer.by_insee(str(answers[rules.COMMUNE]))
    return Answers(
        name=str(answers[rules.NAME]),
        holder=str(answers[rules.HOLDER]),
        holder_type=str(answers[rules.TYPE]),
        category=str(answers[rules.CATEGORY]),
        commune=commune_name(commune) if commune else str(answers[rules.COMMUNE]),
        goal_cents=int(answers[rules.GOAL]),
        description=str(answers[rules.DESCRIPTION]),
        contact=str(answers[rules.CONTACT]),
    )


def commune_name(commune: Commune) -> str:
    return f"{commune.name} ({commune.department})"


def type_label(code: str) -> str:
    labels = {
        "individual": _("apply.type.individual"),
        "association": _("apply.type.association"),
        "company": _("apply.type.company"),
    }
    return labels.get(code, code)


def status_label(code: str) -> str:
    labels = {
        rules.SUBMITTED: _("application.status.submitted"),
        rules.CHANGES: _("application.status.changes"),
        rules.APPROVED: _("application.status.approved"),
        rules.REFUSED: _("application.status.refused"),
    }
    return labels.get(code, code)


def field_label(name: str) -> str:
    labels = {
        rules.NAME: _("apply.field.name"),
        rules.HOLDER: _("apply.field.holder"),
        rules.TYPE: _("apply.field.type"),
        rules.CATEGORY: _("apply.field.category"),
        rules.COMMUNE: _("apply.field.commune"),
        rules.GOAL: _("apply.field.goal"),
        rules.DESCRIPTION: _("apply.field.description"),
        rules.CONTACT: _("apply.field.contact"),
    }
    return labels[name]


def fields_text(answers: Answers) -> str:
    """The application's fields, one a line (the description last, as typed)."""
    return _("apply.fields").format(
        name=escape(answers.name),
        holder=escape(answers.holder),
        type=type_label(answers.holder_type),
        category=_(f"category.{answers.category}"),
        commune=escape(answers.commune),
        goal=formatting.money(answers.goal_cents, locale()),
        description=escape(answers.description),
        contact=escape(answers.contact),
    )


def question(
    field: str, territory: str = "", current: object = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The form's question for a field, with its buttons; the current answer when fixing it."""
    loc = locale()
    bounds = {
        "min": formatting.money(rules.MIN_GOAL_CENTS, loc),
        "max": formatting.money(rules.MAX_GOAL_CENTS, loc),
    }
    texts = {
        rules.NAME: _("apply.ask.name").format(max=rules.MAX_LENGTHS[rules.NAME]),
        rules.HOLDER: _("apply.ask.holder"),
        rules.TYPE: _("apply.ask.type"),
        rules.CATEGORY: _("apply.ask.category"),
        rules.COMMUNE: _("apply.ask.commune").format(territory=escape(territory)),
        rules.GOAL: _("apply.ask.goal").format(**bounds),
        rules.DESCRIPTION: _("apply.ask.description").format(
            max=rules.MAX_LENGTHS[rules.DESCRIPTION]
        ),
        rules.CONTACT: _("apply.ask.contact"),
    }
    text = texts[field]
    if current:
        text += "\n\n" + _("apply.current").format(value=escape(str(current)))
    markups = {rules.TYPE: type_keyboard, rules.CATEGORY: category_keyboard}
    make = markups.get(field)
    return text, make() if make else None


def goal_bounds_text() -> str:
    return _("apply.bad.goal_bounds").format(
        min=formatting.money(rules.MIN_GOAL_CENTS, locale()),
        max=formatting.money(rules.MAX_GOAL_CENTS, locale()),
    )


def summary_text(operation_name: str, answers: Answers) -> str:
    return _("apply.summary").format(operation=escape(operation_name), fields=fields_text(answers))


def summary_keyboard() -> InlineKeyboardMarkup:
    return _keyboard(
        [(_("apply.submit"), ApplyStep(action="submit").pack())],
        [(_("apply.fix"), ApplyStep(action="fix").pack())],
        [(_("apply.cancel_button"), ApplyStep(action="cancel").pack())],
    )


def fix_keyboard() -> InlineKeyboardMarkup:
    rows = [[(field_label(name), ApplyFix(field=name).pack())] for name in rules.FIELDS]
    return _keyboard(*rows, [(_("apply.back"), ApplyStep(action="back").pack())])


def type_keyboard() -> InlineKeyboardMarkup:
    return _keyboard(
        *[
            [(type_label(code), ApplyChoice(field=rules.TYPE, value=code).pack())]
            for code in rules.HOLDER_TYPES
        ]
    )


def category_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        (_(f"category.{code}"), ApplyChoice(field=rules.CATEGORY, value=code).pack())
        for code in rules.CATEGORIES
    ]
    return _keyboard(*[buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def commune_keyboard(communes: Sequence[Commune]) -> InlineKeyboardMarkup:
    return _keyboard(*[[(commune_name(c), ApplyCommune(insee=c.insee).pack())] for c in communes])


def operations_keyboard(operations: Sequence[Operation], tz: str) -> InlineKeyboardMarkup:
    return _keyboard(
        *[
            [(_call_label(operation, tz), ApplyOperation(id=operation.id).pack())]
            for operation in operations
        ]
    )


def _call_label(operation: Operation, tz: str) -> str:
    closes = operation.call_closes_at
    until = formatting.date(closes, locale(), tz) if closes else ""
    return _("apply.pick_call").format(operation=operation.name, until=until)


# --- the applicant's list ---------------------------------------------------------------------


def my_applications_text(rows: Sequence[tuple[Application, str]]) -> str:
    if not rows:
        return _("myapplications.empty")
    lines = [_("myapplications.header")]
    for application, operation_name in rows:
        lines.append(_application_line(application, operation_name))
    return "\n\n".join(lines)


def _application_line(application: Application, operation_name: str) -> str:
    line = _("myapplications.line").format(
        id=application.id,
        name=escape(application.project_name),
        operation=escape(operation_name),
        status=status_label(application.status),
    )
    if application.reason and application.status in (rules.CHANGES, rules.REFUSED):
        line += "\n" + _("myapplications.reason").format(reason=escape(application.reason))
    return line


def my_applications_keyboard(rows: Sequence[tuple[Application, str]]) -> InlineKeyboardMarkup:
    return _keyboard(
        *[
            [(_("myapplications.edit").format(id=a.id), MyApplication(id=a.id).pack())]
            for a, _name in rows
            if a.status == rules.CHANGES
        ]
    )


# --- moderation -------------------------------------------------------------------------------


def queue_text(items: Sequence[Application], total: int) -> str:
    if not items:
        return _("moderation.empty")
    text = _("moderation.header").format(count=total)
    if total > len(items):
        text += "\n" + _("moderation.more").format(shown=len(items), count=total)
    return text


def queue_keyboard(items: Sequence[Application], names: dict[int, str]) -> InlineKeyboardMarkup:
    return _keyboard(
        *[
            [
                (
                    _("moderation.item").format(
                        id=a.id,
                        name=_short(a.project_name),
                        operation=_short(names.get(a.operation_id, "")),
                    ),
                    ModerationView(id=a.id).pack(),
                )
            ]
            for a in items
        ]
    )


def _short(text: str, limit: int = 40) -> str:
    """A name short enough for a button."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_text(application: Application, operation_name: str, answers: Answers, tz: str) -> str:
    return _("moderation.card").format(
        id=application.id,
        operation=escape(operation_name),
        status=status_label(application.status),
        submitted=formatting.datetime(application.updated_at, locale(), tz),
        fields=fields_text(answers),
    )


def card_keyboard(application: Application) -> InlineKeyboardMarkup:
    back = [(_("moderation.back"), ModerationList().pack())]
    if application.status != rules.SUBMITTED:
        return _keyboard(back)
    act = application.id
    return _keyboard(
        [(_("moderation.approve"), ModerationAct(action="approve", id=act).pack())],
        [(_("moderation.changes"), ModerationAct(action="changes", id=act).pack())],
        [(_("moderation.refuse"), ModerationAct(action="refuse", id=act).pack())],
        back,
    )


def approve_keyboard(application_id: int) -> InlineKeyboardMarkup:
    return _keyboard(
        [
            (
                _("moderation.approve_yes"),
                ModerationAct(action="approve_yes", id=application_id).pack(),
            )
        ],
        [(_("moderation.back"), ModerationView(id=application_id).pack())],
    )


def launch_text(operation: Operation, tz: str) -> str:
    starts: datetime | None = operation.launch_at
    return formatting.date(starts, locale(), tz) if starts else ""


def _keyboard(*rows: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )
