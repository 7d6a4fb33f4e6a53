"""What a card says of a platform-synced campaign's state: cancelled on the platform, or figures
that the sync could not confirm lately ("updated 75 minutes ago")."""

from datetime import datetime, timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from storage.models import Campaign

# Figures older than this are said to be so: twice the default sync interval (SYNC_MINUTES=15),
# so one missed sync says nothing and a platform down for half an hour does.
STALE_AFTER = timedelta(minutes=30)


def age(figures_at: datetime | None, now: datetime) -> timedelta | None:
    """How old the figures are, when that is worth saying (None: fresh, or never synced)."""
    if figures_at is None or now - figures_at <= STALE_AFTER:
        return None
    return now - figures_at


def age_text(old: timedelta) -> str:
    """ "Figures updated 75 minutes ago", in minutes below two hours, hours below two days."""
    minutes = int(old.total_seconds() // 60)
    if minutes < 120:
        text = ngettext("card.figures_minutes", "card.figures_minutes_plural", minutes)
        return text.format(count=minutes)
    hours = minutes // 60
    if hours < 48:
        return ngettext("card.figures_hours", "card.figures_hours_plural", hours).format(
            count=hours
        )
    days = hours // 24
    return ngettext("card.figures_days", "card.figures_days_plural", days).format(count=days)


def state_lines(campaign: Campaign, now: datetime) -> list[str]:
    """The card's lines about the platform: cancelled, else how old the figures are."""
    if campaign.cancelled_at is not None:
        return [_("card.cancelled")]
    old = age(campaign.figures_at, now)
    return [] if old is None else [age_text(old)]
