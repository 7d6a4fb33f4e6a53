"""SQLAlchemy models. Money is integer cents; times are UTC."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import false as sa_false
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.geo import cell_of

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend, returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Status(StrEnum):
    """A campaign's status, from its dates (bot.domain.campaigns.status_at)."""

    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"


class Category(StrEnum):
    BUSINESS = "business"
    CITIZEN = "citizen"
    SOLIDARITY = "solidarity"
    CULTURE = "culture"
    ENVIRONMENT = "environment"
    OTHER = "other"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The language chosen in /settings (None: none chosen, so the bot follows Telegram's).
    locale: Mapped[str | None] = mapped_column(String(8))
    # The language of the user's Telegram app as last seen (when the bot speaks it): what
    # alerts, sent outside any update, are written in until a language is chosen.
    language_code: Mapped[str | None] = mapped_column(String(8))
    # Rounded to about 1 km before it is stored (bot.domain.geo.round_location).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    radius_km: Mapped[int] = mapped_column(Integer, default=25)
    # The last /search words, so that its pages can be turned.
    last_query: Mapped[str | None] = mapped_column(String(200))
    # Set when Telegram says the user blocked the bot; cleared when they come back.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Notification preferences: a toggle per kind, quiet hours, an optional daily digest.
    notify_deadlines: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_milestones: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_launches: Mapped[bool] = mapped_column(Boolean, default=True)  # launches and results
    notify_news: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_announcements: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[int] = mapped_column(Integer, default=21 * 60)  # minutes, TIMEZONE
    quiet_end: Mapped[int] = mapped_column(Integer, default=8 * 60)
    digest_hour: Mapped[int | None] = mapped_column(Integer)  # None: no digest
    # Holds at least one campaign (storage.repo.holders keeps it in step with `holders`), so
    # that an update knows the user's roles from the user's row alone.
    holder: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Appointed by an admin (storage.repo.operations keeps it in step with
    # `operation_coordinators`' appointments): gives the "coordinator" role.
    coordinator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Announcements of operations need a yes: None never asked, then True or False.
    announcements_consent: Mapped[bool | None] = mapped_column(Boolean)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "New campaigns near me" (off unless turned on in /settings).
    notify_new_nearby: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Retention (bot.delivery.retention): the last visit, at most a week old while they come,
    # and when they were told that their data would be erased for inactivity.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set by the database on every write (migrations 0005, 0006), read by storage.repo.revisions.
    revision: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)

    follows: Mapped[list["Follow"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_campaigns_lat_lon", "lat", "lon"),
        Index("ix_campaigns_ends_at", "ends_at"),
        # Covers the nearby query's filter and ordering: only the rows shown are read.
        Index("ix_campaigns_cell_nearby", "cell", "ends_at", "starts_at", "lat", "lon", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default=Category.OTHER.value)
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # The 0.1° grid cell of (lat, lon) (storage.geo.cell_of), kept in step by an ORM event below.
    cell: Mapped[int] = mapped_column(Integer, default=0)
    goal_cents: Mapped[int] = mapped_column(BigInteger)
    raised_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    backers: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(String(500))
    # The operation it belongs to (set at import, or by its commune in the operation's territory).
    operation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # When the figures were last confirmed by their source (a platform sync): cards say "updated
    # N minutes ago" while the platform cannot be reached. None: not synced.
    figures_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The platform cancelled it (followers are told once).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The campaign's picture, as a Telegram file_id (never downloaded; sent again by id).
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    # The highest milestone (percent of the goal) whose alerts were queued.
    last_milestone: Mapped[int] = mapped_column(Integer, default=0)
    # Accent- and case-folded title, holder, commune and description
    # (bot.domain.gazetteer.normalise).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set by the database on every write (migrations 0005, 0006), read by storage.repo.revisions.
    revision: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)

    rewards: Mapped[list["Reward"]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Reward.position",
    )


@event.listens_for(Campaign, "before_insert")
@event.listens_for(Campaign, "before_update")
def _place_in_cell(_mapper: object, _connection: object, campaign: Campaign) -> None:
    campaign.cell = cell_of(campaign.lat, campaign.lon)


class Reward(Base):
    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="rewards")


class Follow(Base):
    __tablename__ = "follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the follower came from: a poster's or a link's source tag (`shop-counter`), if any.
    source: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="follows")
    campaign: Mapped[Campaign] = relationship()


class Priority:
    """Outbox lanes (Outbox.priority): a lower number is sent first."""

    URGENT = 0
    BULK = 1


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; back to pending if the worker died
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    MISSED = "missed"  # became due too long ago (downtime): recorded, never sent
    SKIPPED = "skipped"  # the user turned this kind off, or left


class Outbox(Base):
    """One notification for one user, written in the transaction of the change that caused it.

    Rows of a user that are due together are sent as one message. No foreign keys: their
    triggers took half the time of a bulk write on PostgreSQL (migration 0004); deleting a user
    or a campaign clears its rows (storage.repo.users, storage.repo.campaigns).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_user_id_status", "user_id", "status"),
        Index("ix_outbox_status_priority_not_before", "status", "priority", "not_before"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the alert became due
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)  # quiet hours, digest, backoff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The lane: URGENT (personal alerts: deadlines, results, milestones) goes before BULK (news,
    # announcements) whatever their age.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The broadcast (news, announcement) this row delivers, for its sender's progress report.
    broadcast_id: Mapped[int | None] = mapped_column(Integer, index=True)


class JobState(Base):
    """Watermarks of scheduled jobs (e.g. up to when the alert scan has looked)."""

    __tablename__ = "job_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Revision(Base):
    """SQLite's change counters, kept by its triggers (migration 0005): `campaigns` and `users`
    number every written row, `campaigns_deleted` and `users_deleted` count deletes.

    Empty on PostgreSQL since 0006: a counter row every writer updates made writers wait for
    each other there."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Deletion(Base):
    """PostgreSQL's tombstones (migration 0006): one per statement that deleted campaigns or
    users, with its transaction's id, so that readers learn of deletes without a row that all
    writers update. Empty on SQLite, where `revisions` counts deletes."""

    __tablename__ = "deletions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # the table
    xid: Mapped[int] = mapped_column(BigInteger, index=True)


class Holder(Base):
    """A project holder of a campaign (a campaign may have several)."""

    __tablename__ = "holders"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    invited_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(Base):
    """A single-use deep link that makes its opener a holder of a campaign (`role` "holder") or a
    coordinator of an operation (`role` "coordinator"). Only the token's SHA-256 is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="holder")
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    # A coordinator's invitation (role "coordinator") names its operation.
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Broadcast(Base):
    """One message to many: a holder's news to a campaign's followers (kind "news") or, later, a
    coordinator's announcement. Its outbox rows carry its id (Outbox.broadcast_id); the sender's
    report message (report_chat_id, report_message_id) is edited as they go out."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_campaign_id_created_at", "campaign_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="news")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # An announcement's operation (its territory is the audience), and for automatic reminders a
    # key that makes each one exist once ("call_7d:12").
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    dedup_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, as the author's formatting gave it
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    link_url: Mapped[str | None] = mapped_column(String(500))
    link_label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: at once
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its outbox rows written
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    report_message_id: Mapped[int | None] = mapped_column(Integer)
    report_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # final counts shown


class ProgressPoint(Base):
    """A campaign's raised amount and backers as they changed, with when and from where
    (`source`: "holder", "import", "sync"), for "+350 € this week"."""

    __tablename__ = "progress_history"
    __table_args__ = (Index("ix_progress_history_campaign_id_at", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_cents: Mapped[int] = mapped_column(BigInteger)
    backers: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    by_user: Mapped[int | None] = mapped_column(BigInteger)


class Operation(Base):
    """A crowdfunding operation run by a region or a département: a call for projects, then
    campaigns in a common window from a common launch day, on a platform."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[str] = mapped_column(String(100), default="")
    link: Mapped[str | None] = mapped_column(String(500))
    call_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    call_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the common launch day
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The automatic reminders (7 and 1 days before the call closes, launch day), each can be off.
    remind_call_7d: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_call_1d: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_launch: Mapped[bool] = mapped_column(Boolean, default=True)
    # Platform sync (bot.imports.ulule): what to read ("users/123" or "search/projects?q=..."),
    # the last attempt and the last success, the last error.
    sync_source: Mapped[str | None] = mapped_column(String(300))
    sync_tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_error: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OperationArea(Base):
    """One piece of an operation's territory: a region, a département or a commune (INSEE code)."""

    __tablename__ = "operation_areas"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(12), primary_key=True)  # region, department, commune
    code: Mapped[str] = mapped_column(String(5), primary_key=True)


class OperationCoordinator(Base):
    """A coordinator assigned to an operation: they act on it, and on nothing else."""

    __tablename__ = "operation_coordinators"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """An application to an operation's call for projects, from a resident, moderated by the
    operation's coordinators (status: submitted, changes, approved, refused)."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_operation_id_status", "operation_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    project_name: Mapped[str] = mapped_column(String(200))
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_type: Mapped[str] = mapped_column(String(20))  # individual, association, company
    category: Mapped[str] = mapped_column(String(20))
    commune_insee: Mapped[str] = mapped_column(String(5))
    goal_cents: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)  # a refusal's or a change request's
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    campaign_id: Mapped[int | None] = mapped_column(Integer)  # once approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UnplacedProject(Base):
    """A platform's project that a sync could not place in a commune of the operation's
    territory: listed for its coordinators to place by hand."""

    __tablename__ = "unplaced_projects"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(500))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
