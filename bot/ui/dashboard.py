"""What a holder sees of their campaigns: the dashboard of /myprojects, its menu, the holders and
invitations of a campaign."""

from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.ui import formatting
from bot.ui.callbacks import HolderMenu, HolderRevoke, InvitationRevoke
from bot.ui.progress import locale, progress_line, time_left
from storage.models import Campaign, Holder, Invitation
from storage.repo.holders import Audience

SOURCES_SHOWN = 8  # named sources listed; the rest counts as "other"
TEAM_SHOWN = 20  # holders, and pending invitations, listed with their buttons


def dashboard_text(campaign: Campaign, audience: Audience, now: datetime, tz: str) -> str:
    """The campaign's figures: money, percent, days left, followers (new this week), sources."""
    lang = locale()
    lines = [
        _("holder.dashboard.title").format(title=escape(campaign.title)),
        _("card.raised").format(
            raised=formatting.money(campaign.raised_cents, lang),
            goal=formatting.money(campaign.goal_cents, lang),
        ),
        progress_line(campaign.raised_cents, campaign.goal_cents),
        _("holder.dashboard.time").format(
            time_left=time_left(campaign.starts_at, campaign.ends_at, now, tz)
        ),
        ngettext(
            "holder.dashboard.followers", "holder.dashboard.followers_plural", audience.followers
        ).format(count=audience.followers, week=audience.recent),
    ]
    if audience.followers:
        lines.append(_("holder.dashboard.sources").format(sources=sources_text(audience)))
    else:
        lines.append(_("holder.dashboard.no_followers"))
    return "\n".join(lines)


def sources_text(audience: Audience) -> str:
    """ "shop-counter: 12, market: 5, other: 40": the largest named sources, then the rest."""
    named = [(tag, count) for tag, count in audience.sources if tag is not None]
    shown = named[:SOURCES_SHOWN]
    other = audience.followers - sum(count for _tag, count in shown)
    parts = [_("holder.dashboard.source").format(tag=escape(tag), count=n) for tag, n in shown]
    if other:
        parts.append(
            _("holder.dashboard.source").format(tag=_("holder.dashboard.source_other"), count=other)
        )
    return ", ".join(parts)


def menu_keyboard(campaign_id: int, admin: bool) -> InlineKeyboardMarkup:
    def button(action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=_(f"holder.menu.{action}"),
            callback_data=HolderMenu(action=action, id=campaign_id).pack(),
        )

    rows = [
        [button("news"), button("progress")],
        [button("edit"), button("poster")],
        [button("holders"), *([button("invite")] if admin else [])],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def team_text(campaign: Campaign, holders: list[Holder], pending: list[Invitation], tz: str) -> str:
    """Who holds the campaign, and the invitations that may still be claimed."""
    lang = locale()
    lines = [_("holder.team.header").format(title=escape(campaign.title))]
    lines += [
        _("holder.team.holder").format(
            user_id=holder.user_id, date=formatting.date(holder.created_at, lang, tz)
        )
        for holder in holders[:TEAM_SHOWN]
    ] or [_("holder.team.no_holders")]
    lines += ["", _("holder.team.pending")]
    lines += [
        _("holder.team.invitation").format(
            id=invitation.id, expires=formatting.date(invitation.expires_at, lang, tz)
        )
        for invitation in pending[:TEAM_SHOWN]
    ] or [_("holder.team.no_pending")]
    return "\n".join(lines)


def team_keyboard(
    campaign_id: int, holders: list[Holder], pending: list[Invitation], admin: bool
) -> InlineKeyboardMarkup:
    """Admins get a button to remove each holder and revoke each invitation, and Invite."""
    rows: list[list[InlineKeyboardButton]] = []
    if admin:
        rows += [
            [
                InlineKeyboardButton(
                    text=_("holder.team.remove").format(user_id=holder.user_id),
                    callback_data=HolderRevoke(id=campaign_id, user=holder.user_id).pack(),
                )
            ]
            for holder in holders[:TEAM_SHOWN]
        ]
        rows += [
            [
                InlineKeyboardButton(
                    text=_("holder.team.revoke").format(id=invitation.id),
                    callback_data=InvitationRevoke(id=campaign_id, inv=invitation.id).pack(),
                )
            ]
            for invitation in pending[:TEAM_SHOWN]
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("holder.menu.invite"),
                    callback_data=HolderMenu(action="invite", id=campaign_id).pack(),
                )
            ]
        )
    back = HolderMenu(action="menu", id=campaign_id).pack()
    rows.append([InlineKeyboardButton(text=_("holder.menu.back"), callback_data=back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def invitation_text(campaign: Campaign, link: str, expires_at: datetime, tz: str) -> str:
    return _("invite.created").format(
        title=escape(campaign.title),
        link=escape(link),
        expires=formatting.datetime(expires_at, locale(), tz),
    )
