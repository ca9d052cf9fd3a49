"""Persistent model of the audit notice (清审任务通知) and the letters it sends to enterprises."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Division, Enterprise, Tier, portable_enum, utcnow


class NoticeStatus(str, enum.Enum):
    """State of one department's part of an audit notice (DOMAIN.md, "Audit notice")."""

    PENDING_DISPATCH = "pending_dispatch"  # 待派发
    DISPATCHED = "dispatched"  # 已派发

    @property
    def label(self) -> str:
        return "待派发" if self is NoticeStatus.PENDING_DISPATCH else "已派发"


# The campaign's milestones, in order, as the notice and the letters name them (seed 001, 时间步骤).
MILESTONES: tuple[tuple[str, str], ...] = (
    ("letters_due", "告知书送达企业"),
    ("register_due", "企业登录系统填报并公布审核信息"),
    ("plan_due", "完成审核方案并提出评估申请"),
    ("evaluation_due", "完成评估"),
    ("acceptance_apply_due", "完成方案实施并提出验收申请"),
    ("acceptance_due", "完成验收"),
    ("summary_due", "书面工作总结"),
)


class AuditNotice(Base):
    """清审任务通知: the province's notice for the enterprises of an approved roster."""

    __tablename__ = "audit_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_task_id: Mapped[int] = mapped_column(ForeignKey("roster_tasks.id"), unique=True)
    doc_number: Mapped[str] = mapped_column(String(64))  # 文号
    batch: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    # 依据, as the letter's first sentence cites it.
    basis: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    publish_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    contact_person: Mapped[str] = mapped_column(String(32))
    contact_phone: Mapped[str] = mapped_column(String(32))
    letters_due: Mapped[date] = mapped_column(Date)
    register_due: Mapped[date] = mapped_column(Date)
    plan_due: Mapped[date] = mapped_column(Date)
    evaluation_due: Mapped[date] = mapped_column(Date)
    acceptance_apply_due: Mapped[date] = mapped_column(Date)
    acceptance_due: Mapped[date] = mapped_column(Date)
    summary_due: Mapped[date] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeAssignment(Base):
    """One department's part of an audit notice."""

    __tablename__ = "notice_assignments"
    __table_args__ = (UniqueConstraint("notice_id", "division_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("audit_notices.id"), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    level: Mapped[Tier] = mapped_column(portable_enum(Tier, "notice_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("notice_assignments.id"), index=True)
    status: Mapped[NoticeStatus] = mapped_column(portable_enum(NoticeStatus, "notice_status"),
                                                 default=NoticeStatus.PENDING_DISPATCH)
    requirements: Mapped[str] = mapped_column(Text, default="")
    # The city's and the county's own contact (the province's is the notice's), shown to the enterprise.
    contact_person: Mapped[str] = mapped_column(String(32), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    notice: Mapped[AuditNotice] = relationship(lazy="joined")
    division: Mapped[Division] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class NoticeLetter(Base):
    """告知书 of one enterprise: its number, the stamped scan, and the enterprise's acceptance."""

    __tablename__ = "notice_letters"
    __table_args__ = (UniqueConstraint("notice_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("audit_notices.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    letter_number: Mapped[str] = mapped_column(String(32), unique=True)
    generated_at: Mapped[datetime | None] = mapped_column()  # last time its PDF (and password) was issued
    generation_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_at: Mapped[datetime | None] = mapped_column()
    project_leader: Mapped[str | None] = mapped_column(String(32))
    leader_mobile: Mapped[str | None] = mapped_column(String(11))
    version: Mapped[int] = mapped_column(Integer, default=1)

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
