"""An operation's platform sync source, as coordinators type it and the Ulule client reads it.
Pure, no I/O: the dialogue, the operation files and the client (bot.imports.ulule) share it."""

import re

_USER = re.compile(r"users/(\d+)(?:/projects)?/?")


def listing_path(sync_source: str) -> str:
    """An operation's `sync_source` as the listing's path: "users/123" (a user's or partner's
    projects) or "search/projects?q=..."; ValueError for anything else."""
    source = sync_source.strip().lstrip("/")
    user = _USER.fullmatch(source)
    if user:
        return f"users/{user.group(1)}/projects"
    if source.startswith("search/projects?") and "q=" in source:
        return source
    raise ValueError(f"not a Ulule listing: {sync_source!r}")
