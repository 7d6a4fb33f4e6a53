"""What a coordinator reads after sending a campaign file: the counts, each rejected line's
reason (as many as fit one message), the rows that repeat another source's campaigns."""

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.imports.importer import Duplicate, ImportReport, Rejection

LISTED = 30  # rejected lines listed at most; then a count
MAX_CHARS = 3500  # the list stops before this, well within a message's 4,096 characters


def report_text(operation: str, report: ImportReport, rejections: Sequence[Rejection]) -> str:
    head = _("coord.import.report").format(
        operation=escape(operation),
        created=report.created,
        updated=report.updated,
        rejected=report.rejected,
    )
    lines = [rejected_line(rejection) for rejection in rejections]
    return _listed(head, lines)


def rejected_line(rejection: Rejection) -> str:
    values = {key: escape(str(value)) for key, value in rejection.values.items()}
    reason = _(rejection.reason_key).format(**values)
    return _("coord.import.rejected").format(line=rejection.line, reason=reason)


def duplicates_text(duplicates: Sequence[Duplicate]) -> str:
    head = _("coord.import.duplicates").format(count=len(duplicates))
    lines = [
        _("coord.import.duplicate").format(
            line=d.line, source=escape(d.source), external_id=escape(d.external_id)
        )
        for d in duplicates
    ]
    return _listed(head, lines)


def _listed(head: str, lines: Sequence[str]) -> str:
    """The head, then as many lines as fit, then how many more there are."""
    shown: list[str] = []
    size = len(head)
    for line in lines[:LISTED]:
        if size + len(line) + 1 > MAX_CHARS:
            break
        shown.append(line)
        size += len(line) + 1
    text = "\n".join([head, *shown]) if shown else head
    if len(shown) < len(lines):
        text += "\n" + _("coord.import.more").format(count=len(lines) - len(shown))
    return text
