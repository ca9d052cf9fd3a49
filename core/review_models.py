"""Persistent model of the departments' side of 业务办理: intake opinions, the expert pool, expert draws
and panels, expert opinions (线上文审), site reviews (现场审核) and results (评估意见 / 验收意见)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, portable_enum, utcnow
from core.project_models import CaseStep


class IntakeOpinion(Base):
    """A department's 受理意见 on one audit stage of a case, at one intake level, in one round."""

    __tablename__ = "intake_opinions"
    __table_args__ = (UniqueConstraint("case_id", "round", "step", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    step: Mapped[CaseStep] = mapped_column(portable_enum(CaseStep, "intake_step"))
    stage: Mapped[str] = mapped_column(String(32))
    passed: Mapped[bool] = mapped_column(Boolean)
    opinion: Mapped[str] = mapped_column(Text, default="")
    reviewer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Expert(Base):
    """An expert of the pool (专家库), registered by a department (the province or a city)."""

    __tablename__ = "experts"
    __table_args__ = (UniqueConstraint("registry_code", "name", "phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The department whose pool this is: the province's pool serves every city.
    registry_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(32), default="")  # 职称
    # GB/T 4754-2017 大类 codes (2 digits) the expert may review.
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the expert works (a county or city code); used for the same-county avoidance.
    region_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    phone: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Declared conflicts (申报回避): names or credit codes of enterprises and organisations.
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


FIRST_DRAW = text("replaces_expert_id IS NULL")
REDRAW = text("replaces_expert_id IS NOT NULL")


class ExpertDraw(Base):
    """One random draw (the first, or a redraw for a declining expert), with all it needs to replay it."""

    __tablename__ = "expert_draws"
    # One panel per case and round, one replacement per declined expert, even if two draws race.
    __table_args__ = (
        Index("uq_expert_draws_first", "case_id", "round", unique=True,
              sqlite_where=FIRST_DRAW, postgresql_where=FIRST_DRAW),
        Index("uq_expert_draws_replacement", "case_id", "replaces_expert_id", unique=True,
              sqlite_where=REDRAW, postgresql_where=REDRAW),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    requested: Mapped[int] = mapped_column(Integer)
    avoid_same_county: Mapped[bool] = mapped_column(Boolean)
    # The eligible expert ids in ascending order at draw time, and why each other one was left out.
    candidate_ids: Mapped[list[int]] = mapped_column(JSON)
    excluded: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    selected_ids: Mapped[list[int]] = mapped_column(JSON)
    replaces_expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    drawn_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PanelStatus(str, enum.Enum):
    ACTIVE = "active"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return "参加" if self is PanelStatus.ACTIVE else "已谢绝"


class PanelMember(Base):
    """An expert drawn for a case; one who declines stays listed, replaced by a redraw."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("case_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"))
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"))
    status: Mapped[PanelStatus] = mapped_column(portable_enum(PanelStatus, "panel_status"),
                                                default=PanelStatus.ACTIVE)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declined_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    expert: Mapped[Expert] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Conclusion(str, enum.Enum):
    """An expert's conclusion in 线上文审."""

    PASS = "pass"
    REVISE = "revise"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return {"pass": "同意通过", "revise": "修改完善后通过", "fail": "不同意通过"}[self.value]


class ExpertOpinion(Base):
    """One expert's score and opinion on a case in one round, entered by the reviewing department."""

    __tablename__ = "expert_opinions"
    __table_args__ = (UniqueConstraint("case_id", "round", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"))
    score: Mapped[float] = mapped_column(Float)
    conclusion: Mapped[Conclusion] = mapped_column(portable_enum(Conclusion, "expert_conclusion"))
    opinion: Mapped[str] = mapped_column(Text)
    entered_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    expert: Mapped[Expert] = relationship(lazy="joined")


class SiteReview(Base):
    """现场审核 of a case in one round; photos attach to it."""

    __tablename__ = "site_reviews"
    __table_args__ = (UniqueConstraint("case_id", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    visit_date: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseResult(Base):
    """审核结果: 通过 / 不通过 with the consolidated opinion, issued as the 评估意见 / 验收意见 PDF."""

    __tablename__ = "case_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    opinion: Mapped[str] = mapped_column(Text)
    # e.g. 冀环评估〔2026〕130600-00001: year + issuing department + sequence.
    document_number: Mapped[str] = mapped_column(String(40), unique=True)
    issued_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
