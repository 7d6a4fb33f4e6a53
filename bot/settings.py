"""Application settings, read once from the environment or `.env` and passed down explicitly."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'bot.db'}"
LOCALES = ("fr", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str | None = None
    database_url: str = DEFAULT_SQLITE_URL
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "fr"
    timezone: str = "Europe/Paris"
    operator_name: str = ""
    operator_contact: str = ""
    default_radius_km: int = 25
    page_size: int = 5
    # Lists are served from memory (bot.readmodels.sync); how long a write made elsewhere (an
    # import, another process) may take to show in them.
    read_model_max_age: float = 1.0  # seconds
    user_cache_size: int = 5_000  # users kept in memory, the most recently seen
    page_cache_size: int = 1024  # rendered /nearby pages kept (their text), the latest shown
    log_level: str = "INFO"
    # Updates handled at once (also the webhook's max_connections): beyond it Telegram waits.
    updates_in_progress: int = 40
    shutdown_timeout: float = 25.0  # seconds a stop gives the updates in progress to finish
    # Delivery of notifications (bot.delivery.worker): Telegram's pace, retries, the grace after
    # downtime.
    delivery_rate: float = 30.0  # messages per second overall
    delivery_per_chat_rate: float = 1.0  # messages per second to one chat
    allow_paid_broadcast: bool = False  # paid broadcasts: up to paid_broadcast_rate, a fee each
    paid_broadcast_rate: float = 1000.0
    delivery_concurrency: int = 64  # sends in flight at once
    delivery_batch: int = 200  # rows claimed at once
    delivery_max_attempts: int = 5  # 5xx, timeouts and network errors, then failed
    delivery_backoff_base: float = 5.0  # seconds; doubles at each attempt
    delivery_backoff_max: float = 900.0
    delivery_request_timeout: float = 20.0  # seconds for one sendMessage
    delivery_idle_seconds: float = 5.0  # how often an idle worker looks at the outbox
    retention_days: int = 365  # a resident inactive this long is erased (told a week before)
    # A worker's claim on a row: renewed while it holds it, taken back by another once older.
    delivery_lease_seconds: float = 60.0
    # Holders (handlers.holder): news posts per campaign per 24 hours; how long an invitation
    # link stays valid; how often a broadcast's report message is edited while it goes out.
    news_per_day: int = 3
    invitation_days: int = 7
    report_edit_seconds: float = 5.0
    # Platform sync (bot.imports.ulule, bot.imports.sync): Ulule's API, its credentials (sent as
    # "Authorization: ApiKey <username>:<api key>" when both are set), how often each operation
    # with a sync source is read, and how a failing request is retried (backoff doubles).
    ulule_api_url: str = "https://api.ulule.com/v1/"
    ulule_username: str | None = None
    ulule_api_key: str | None = None
    sync_minutes: float = 15.0
    sync_timeout: float = 20.0  # seconds for one request
    sync_retries: int = 3  # tries after the first, within one run
    sync_backoff_seconds: float = 2.0
    sync_backoff_max: float = 60.0
    alert_grace_hours: float = 6.0  # due longer ago than this (downtime): missed, never sent late
    alert_scan_minutes: float = 5.0
    scheduler_misfire_grace_seconds: int = 300

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        return value
