"""Persistent model of an audit project's 排污许可证 record and its 信息公开 (disclosures).

Seed 001: the permit department writes the audit deadline into the enterprise's 排污许可证, and the
enterprise publishes its audit information (公开审核信息) by the campaign's register_due. Evidence files
(scans, screenshots) are attachments (core.attachments) of these rows.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, portable_enum, utcnow


class PermitClass(str, enum.Enum):
    """排污许可管理类别."""

    KEY = "key"  # 重点管理
    SIMPLIFIED = "simplified"  # 简化管理
    REGISTRATION = "registration"  # 登记管理

    @property
    def label(self) -> str:
        return PERMIT_CLASS_LABELS[self]


PERMIT_CLASS_LABELS = {PermitClass.KEY: "重点管理", PermitClass.SIMPLIFIED: "简化管理",
                       PermitClass.REGISTRATION: "登记管理"}


class DisclosureChannel(str, enum.Enum):
    """Where the audit information was published (公开方式)."""

    ENTERPRISE_SITE = "enterprise_site"  # 企业网站
    NEWSPAPER = "newspaper"  # 报纸
    GOVERNMENT_SITE = "government_site"  # 政府网站
    OTHER = "other"  # 其他

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]

    @property
    def needs_url(self) -> bool:
        return self in (DisclosureChannel.ENTERPRISE_SITE, DisclosureChannel.GOVERNMENT_SITE)


CHANNEL_LABELS = {DisclosureChannel.ENTERPRISE_SITE: "企业网站", DisclosureChannel.NEWSPAPER: "报纸",
                  DisclosureChannel.GOVERNMENT_SITE: "政府网站", DisclosureChannel.OTHER: "其他"}


class PermitRecord(Base):
    """The 排污许可证 of one audit project, as the enterprise or its county recorded it, and its confirmation."""

    __tablename__ = "permit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), unique=True)
    permit_number: Mapped[str] = mapped_column(String(40))
    management_class: Mapped[PermitClass] = mapped_column(portable_enum(PermitClass, "permit_class"))
    # Whether the audit requirement (…前通过清洁生产审核验收) is written into the permit, and when.
    requirement_written: Mapped[bool] = mapped_column(Boolean)
    written_on: Mapped[date | None] = mapped_column(Date)
    # Who recorded it first and who saved it last (the enterprise or its county department).
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The county's confirmation; a revocation clears it and keeps its reason (the last one).
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DisclosureRecord(Base):
    """One publication of the enterprise's audit information (信息公开): where, when; evidence attached."""

    __tablename__ = "disclosure_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    channel: Mapped[DisclosureChannel] = mapped_column(portable_enum(DisclosureChannel, "disclosure_channel"))
    # A URL (websites) or a description (e.g. 《保定日报》第 3 版).
    location: Mapped[str] = mapped_column(String(500))
    published_on: Mapped[date] = mapped_column(Date)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
