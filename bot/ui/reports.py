"""The sender's report of a broadcast (news, an announcement): one message, edited as it goes.

While sending: a gauge, sent / blocked / failed, the time left at the worker's rate, and how many
wait for the end of their quiet hours; once no row is left to send, the same with the final
counts. In the author's language.
"""

import math
from dataclasses import dataclass
from html import escape

from babel.numbers import format_decimal

from bot.ui import formatting
from bot.ui.notifications import Reader

MINUTE = 60


@dataclass(frozen=True)
class Figures:
    """A broadcast's outbox rows by outcome."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0  # failed, or missed (too late to be worth sending)
    skipped: int = 0  # turned news off meanwhile, left, or the news was cancelled
    waiting: int = 0  # pending or being sent
    later: int = 0  # of those waiting: held by quiet hours or a digest

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.skipped + self.waiting

    @property
    def done(self) -> bool:
        return self.waiting == 0

    def seconds_left(self, rate: float) -> float:
        """Sending what is due now at `rate` messages per second."""
        return (self.waiting - self.later) / rate if rate > 0 else 0.0


def report_text(title: str, figures: Figures, rate: float, reader: Reader) -> str:
    """The report as the author reads it now."""
    locale = reader.locale
    finished = figures.total - figures.waiting
    pct = 100 if figures.total == 0 else finished * 100 // figures.total
    lines = [
        reader.t("report.done" if figures.done else "report.sending", title=escape(title)),
        reader.t(
            "progress.line",
            bar=formatting.progress_bar(pct),
            percent=formatting.percent_text(pct, locale),
        ),
        reader.t(
            "report.counts",
            sent=_count(figures.sent, locale),
            blocked=_count(figures.blocked, locale),
            failed=_count(figures.failed, locale),
        ),
    ]
    if figures.skipped:
        lines.append(reader.t("report.skipped", count=_count(figures.skipped, locale)))
    if not figures.done:
        if figures.waiting > figures.later:
            lines.append(_time_left(figures.seconds_left(rate), reader))
        if figures.later:
            lines.append(reader.t("report.later", count=_count(figures.later, locale)))
    return "\n".join(lines)


def _time_left(seconds: float, reader: Reader) -> str:
    if seconds < MINUTE:
        return reader.t("report.left_under_minute")
    return reader.t("report.left_minutes", minutes=math.ceil(seconds / MINUTE))


def _count(value: int, locale: str) -> str:
    """ "9 985" in French (a narrow no-break space), "9,985" in English."""
    return format_decimal(value, locale=locale)
