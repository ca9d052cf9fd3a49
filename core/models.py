"""Persistent domain model (SQLAlchemy 2 typed mappings).

The schema itself is created by the Alembic migrations under migrations/; keep the two in step.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Tier(str, enum.Enum):
    """Who a user is: one of the three department levels, or an enterprise."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        return TIER_LABELS[self]

    @property
    def is_department(self) -> bool:
        return self is not Tier.ENTERPRISE


TIER_LABELS = {
    Tier.PROVINCE: "省级",
    Tier.CITY: "地市",
    Tier.COUNTY: "区县",
    Tier.ENTERPRISE: "企业",
}


class ManagingTier(str, enum.Enum):
    """Which department runs evaluation and acceptance for an enterprise (负责评估验收部门)."""

    PROVINCE = "province"  # 省直管
    CITY = "city"  # 市直管

    @property
    def label(self) -> str:
        return "省直管" if self is ManagingTier.PROVINCE else "市直管"


# 企业性质, in the order of the 基本信息 screen of seed 000 §4.2.
OWNERSHIP_TYPES: tuple[str, ...] = (
    "国有与集体联营",
    "其他联营",
    "国有独资公司",
    "股份有限公司",
    "私营独资",
    "私营合伙",
    "与港澳台合资经营",
    "与港澳台合作经营",
    "港、澳、台商独资",
    "其他港、澳、台商投资",
    "中外合资经营",
    "中外合作经营",
    "其他外商投资",
    "国有",
    "集体",
    "私营有限责任公司",
    "其他",
    "港、澳、台商投资股份有限公司",
    "外资企业",
    "外商投资股份有限公司",
    "股份合作",
    "国有联营",
    "集体联营",
    "其他有限责任公司",
    "私营股份有限公司",
)


def portable_enum(cls: type[enum.Enum], name: str) -> Enum:
    # Store the lowercase values, as a portable VARCHAR with a CHECK (no native PG enum type to migrate).
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ARG002
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use core.models.utcnow()")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):  # noqa: ARG002
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Division(Base):
    """An administrative division of Hebei (province, city or county level)."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The name lists and people use, e.g. 保定高新区 for 保定高新技术产业开发区.
    short_name: Mapped[str] = mapped_column(String(64))
    level: Mapped[Tier] = mapped_column(portable_enum(Tier, "division_level"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"), index=True)
    # Denormalised ancestors, so that "is X inside Y" is one comparison and one SQL predicate.
    # They follow the published tree, not code arithmetic: 雄安新区's counties keep Baoding codes.
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    # True for a code this system made up because none is published (雄安新区).
    is_local_code: Mapped[bool] = mapped_column(Boolean, default=False)


class Industry(Base):
    """An entry of GB/T 4754-2017: 门类 section, 大类 division, 中类 group, 小类 class."""

    __tablename__ = "industries"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("industries.code"), index=True)


class Enterprise(Base):
    __tablename__ = "enterprises"
    # The directory, a page at a time in county and name order, and the 大类 present in a jurisdiction.
    __table_args__ = (Index("ix_enterprises_division_name", "division_code", "name"),
                      Index("ix_enterprises_division_industry", "division_code", "industry_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 统一社会信用代码: optional because the province's lists do not carry it.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(256))
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industries.code"), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(64))
    ownership_type: Mapped[str | None] = mapped_column(String(32))
    in_industrial_park: Mapped[bool | None] = mapped_column(Boolean)
    double_exceed: Mapped[bool] = mapped_column(Boolean, default=False)
    double_toxic: Mapped[bool] = mapped_column(Boolean, default=False)
    managing_tier: Mapped[ManagingTier] = mapped_column(
        portable_enum(ManagingTier, "managing_tier"), default=ManagingTier.CITY
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    division: Mapped[Division] = relationship(lazy="joined")
    industry: Mapped[Industry | None] = relationship(lazy="joined")


class User(Base):
    """A login account: one per department (its division code) and one per enterprise."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    tier: Mapped[Tier] = mapped_column(portable_enum(Tier, "user_tier"))
    # For a department, the division it governs; for an enterprise, the county it sits in.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(72))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    division: Mapped[Division] = relationship(lazy="joined")
    enterprise: Mapped[Enterprise | None] = relationship(lazy="joined")


class LoginThrottle(Base):
    """A failed-login counter (core.throttle): of an (account, client) pair, a client, or an account.

    Keyed by the account name typed rather than by user, so that an unknown account is counted and
    locked exactly like a real one: the answers must not tell which accounts exist. `login` is ''
    on a client's row and `client` is '' on an account's row.
    """

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()  # hard lock (pair, client)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # soft delay (account)


class UserSession(Base):
    """A signed-in browser session (core.sessions); revoking it logs that browser out on its next request."""

    __tablename__ = "user_sessions"

    # sha256 of the random token held server-side by the tab that logged in: a stolen table does not
    # yield live tokens.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The client (IP address) that logged in; a client an account used recently is not slowed down
    # by failures elsewhere (core.throttle).
    client: Mapped[str | None] = mapped_column(String(64))
    # sha256 of the HttpOnly cookie's token, and of the one-time ticket the page exchanges for it.
    cookie_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()


class AuditLogEntry(Base):
    """Append-only record of every change: who, when, what, before -> after, the statement agreed to.

    Rows are hash-chained (core.audit): `row_hash` is the sha256 of the row's canonical content,
    which includes `prev_hash`, the hash of the row before it. The database refuses UPDATE, DELETE,
    TRUNCATE and replacing a row (triggers in the migrations); the ORM listeners below give a clear
    error earlier.
    """

    __tablename__ = "audit_log"
    # A case's 办理记录 and an entry's 变更记录 read one object's rows out of millions.
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_login: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    statement: Mapped[str | None] = mapped_column(Text)
    # Unique: two rows claiming the same predecessor would be a fork of the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The one row naming the last entry of the audit chain; locked while entries are appended."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class InstanceSetting(Base):
    """Facts about this installation, e.g. `mode`: "demo" (demo data and passwords) or "production"."""

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(AuditLogEntry, "before_update")
@event.listens_for(AuditLogEntry, "before_delete")
def _audit_log_is_append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise PermissionError("audit_log is append-only")


class Counter(Base):
    """A sequence of numbers (project, letter and result numbers): incremented in the database, so that
    two requests never take the same number (core.counters)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
