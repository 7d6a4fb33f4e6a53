"""The campaign companion: a Telegram bot for territorial crowdfunding."""

from bot import lazy_types  # noqa: F401  (before anything imports aiogram)
