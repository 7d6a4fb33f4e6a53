"""What moderation notices say (kinds "application" and "decision", queued by
bot.delivery.moderation), in the reader's language, from the row's raw content."""

from datetime import datetime
from html import escape
from typing import Any

from bot.ui import formatting
from bot.ui.notifications import Reader, register


@register("application")
def render_arrived(content: dict[str, Any], reader: Reader) -> str:
    """To a coordinator: an application arrived (or came back with the changes asked)."""
    key = "notice.application.resubmitted" if content.get("resubmitted") else "notice.application"
    return reader.t(
        key,
        id=int(content["application"]),
        operation=escape(str(content["operation"])),
        project=escape(str(content["project"])),
        commune=escape(str(content["commune"])),
    )


@register("decision")
def render_decision(content: dict[str, Any], reader: Reader) -> str:
    """To the applicant: approved (from when it will be live), refused or changes asked, with
    the coordinator's reason."""
    values = {
        "id": int(content["application"]),
        "operation": escape(str(content["operation"])),
        "project": escape(str(content["project"])),
        "reason": escape(str(content.get("reason") or "")),
    }
    status = str(content["status"])
    if status == "approved":
        starts = content.get("starts_at")
        day = (
            formatting.date(datetime.fromisoformat(starts), reader.locale, reader.tz)
            if starts
            else ""
        )
        return reader.t("notice.decision.approved", starts=day, **values)
    if status == "refused":
        return reader.t("notice.decision.refused", **values)
    return reader.t("notice.decision.changes", **values)
