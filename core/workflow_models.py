"""Persistent model of the workflows: roster tasks (名单核定) and the attachments every step carries.

Kept apart from core/models.py (the foundation: places, enterprises, accounts) so that each file
holds one idea; both share one metadata, which the migrations cover.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Division, Enterprise, Tier, portable_enum, utcnow


class RosterStatus(str, enum.Enum):
    """State of one department's part of a roster task (DOMAIN.md, "Roster task")."""

    PENDING = "pending"  # 待确认: received (or, for the province, being drafted)
    DISPATCHED = "dispatched"  # 已下发: passed down, waiting for the level below
    SUBMITTED = "submitted"  # 已提交: sent up with the stamped final list, waiting for review
    RETURNED = "returned"  # 已退回: sent back with comments, to rework and resubmit
    APPROVED = "approved"  # 已通过

    @property
    def label(self) -> str:
        return ROSTER_STATUS_LABELS[self]


ROSTER_STATUS_LABELS = {
    RosterStatus.PENDING: "待确认",
    RosterStatus.DISPATCHED: "已下发",
    RosterStatus.SUBMITTED: "已提交",
    RosterStatus.RETURNED: "已退回",
    RosterStatus.APPROVED: "已通过",
}


class RosterTask(Base):
    """名单核定任务: created by the province; one per campaign."""

    __tablename__ = "roster_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    batch: Mapped[str] = mapped_column(String(64))
    requirements: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RosterAssignment(Base):
    """One department's part of a roster task: the province's, each city's, each county's."""

    __tablename__ = "roster_assignments"
    __table_args__ = (UniqueConstraint("task_id", "division_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("roster_tasks.id"), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    level: Mapped[Tier] = mapped_column(portable_enum(Tier, "roster_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("roster_assignments.id"), index=True)
    status: Mapped[RosterStatus] = mapped_column(portable_enum(RosterStatus, "roster_status"),
                                                 default=RosterStatus.PENDING)
    # The department's own requirements for the level below (市级/县级任务要求).
    requirements: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    # Optimistic lock: a write based on an older version is refused instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)

    task: Mapped[RosterTask] = relationship(lazy="joined")
    division: Mapped[Division] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class RosterEntry(Base):
    """One enterprise on a roster task's list, with the verdict of the departments (是否列入)."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("task_id", "enterprise_id"),
                      # The list read a page at a time in its order (core.roster_reading).
                      Index("ix_roster_entries_order", "task_id", "county_code", "list_number", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("roster_tasks.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # The enterprise's county and city when it entered the list: which departments verify it.
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    list_number: Mapped[int | None] = mapped_column(Integer)  # 序号 in the province's file
    included: Mapped[bool] = mapped_column(Boolean, default=True)
    exclusion_reason: Mapped[str | None] = mapped_column(Text)  # 情况说明 of a 否
    # Which department added it when it was missing from the province's list (None: on the list).
    added_by_division: Mapped[str | None] = mapped_column(String(6))
    # Which levels corrected (修正) its facts (the audit log holds what): a part's reviewer counts the
    # corrections of its own level and those below (core.roster_counts).
    corrected_by_county: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    corrected_by_city: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    corrected_by_province: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class ReviewDecision(str, enum.Enum):
    APPROVE = "approve"
    RETURN = "return"

    @property
    def label(self) -> str:
        return "通过" if self is ReviewDecision.APPROVE else "退回"


class RosterReview(Base):
    """A reviewer's decision on a submitted part; the history of a review loop."""

    __tablename__ = "roster_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("roster_assignments.id"), index=True)
    reviewer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(portable_enum(ReviewDecision, "review_decision"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


# Purposes of which an owner has one file at a time: the stamped letter (replaced, never added to)
# and the issued result PDF.
SINGLE_FILE = text("purpose IN ('stamped_letter', 'result_pdf')")


class Attachment(Base):
    """A stored upload (see core.files) attached to a workflow object for one purpose."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id", "purpose"),
                      Index("uq_attachments_single_file", "owner_type", "owner_id", "purpose", unique=True,
                            sqlite_where=SINGLE_FILE, postgresql_where=SINGLE_FILE))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    original_name: Mapped[str] = mapped_column(String(200))
    uploaded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
