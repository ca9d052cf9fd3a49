"""Persistent model of an enterprise's audit (强制性清洁生产审核) in one campaign: project startup,
stage records, the options ledger and the applications (cases) for evaluation and acceptance."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Enterprise, ManagingTier, portable_enum, utcnow


class AuditMode(str, enum.Enum):
    """审核方式."""

    SELF = "self"
    CONSULTANCY = "consultancy"

    @property
    def label(self) -> str:
        return "企业自行开展" if self is AuditMode.SELF else "委托咨询服务机构"


class AuditProject(Base):
    """One enterprise's audit in one campaign, opened when it accepts its task."""

    __tablename__ = "audit_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("notice_letters.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("audit_notices.id"), index=True)
    # 项目编号: year + county code + 5-digit sequence, e.g. 2020 130125 00001 (seed 000's screen).
    project_number: Mapped[str] = mapped_column(String(16), unique=True)
    # The 项目启动 wizard's data, by step, exactly as last saved (restored when the user comes back).
    startup: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    startup_submitted_at: Mapped[datetime | None] = mapped_column()
    audit_mode: Mapped[AuditMode | None] = mapped_column(portable_enum(AuditMode, "audit_mode"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class StageRecord(Base):
    """One item of an audit stage's work record (工作过程痕迹): a text or a figure; files attach to it."""

    __tablename__ = "stage_records"
    __table_args__ = (UniqueConstraint("project_id", "stage", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(48))
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class StageCompletion(Base):
    """The enterprise's mark that a stage is complete (checked against the stage's required items)."""

    __tablename__ = "stage_completions"
    __table_args__ = (UniqueConstraint("project_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OptionKind(str, enum.Enum):
    LOW_COST = "low_cost"  # 无/低费方案
    HIGH_COST = "high_cost"  # 中/高费方案

    @property
    def label(self) -> str:
        return "无/低费方案" if self is OptionKind.LOW_COST else "中/高费方案"


class OptionStatus(str, enum.Enum):
    PLANNED = "planned"
    IMPLEMENTED = "implemented"

    @property
    def label(self) -> str:
        return "计划实施" if self is OptionStatus.PLANNED else "已实施"


class CleanerOption(Base):
    """A cleaner-production option of the options ledger, with its investment and benefits."""

    __tablename__ = "cleaner_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    kind: Mapped[OptionKind] = mapped_column(portable_enum(OptionKind, "option_kind"))
    name: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[OptionStatus] = mapped_column(portable_enum(OptionStatus, "option_status"),
                                                 default=OptionStatus.PLANNED)
    investment: Mapped[float] = mapped_column(Float, default=0.0)  # 万元
    economic_benefit: Mapped[float] = mapped_column(Float, default=0.0)  # 万元/年
    water_saved: Mapped[float] = mapped_column(Float, default=0.0)  # t/a
    cod_reduced: Mapped[float] = mapped_column(Float, default=0.0)  # t/a
    ammonia_reduced: Mapped[float] = mapped_column(Float, default=0.0)  # t/a
    other_reduced: Mapped[float] = mapped_column(Float, default=0.0)  # t/a, other pollutants
    energy_saved: Mapped[float] = mapped_column(Float, default=0.0)  # tce/a
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseKind(str, enum.Enum):
    EVALUATION = "evaluation"
    ACCEPTANCE = "acceptance"

    @property
    def label(self) -> str:
        return "评估" if self is CaseKind.EVALUATION else "验收"


class CaseStatus(str, enum.Enum):
    """业务办理 states (DOMAIN.md, "Case"); the department side is built on them later."""

    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned to the enterprise with remarks on some steps
    IN_REVIEW = "in_review"  # passed intake at some level, further along
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"submitted": "已提交", "returned": "已退回", "in_review": "审核中", "passed": "已通过",
                "failed": "未通过"}[self.value]


class CaseStep(str, enum.Enum):
    """Where a case is in 业务办理 (DOMAIN.md, "Case"); a returned case keeps the step it resumes at."""

    COUNTY_INTAKE = "county_intake"  # 区县受理审核
    CITY_INTAKE = "city_intake"  # 地市受理审核
    PROVINCE_INTAKE = "province_intake"  # 省级受理审核
    EXPERT_DRAW = "expert_draw"  # 专家抽取
    DOCUMENT_REVIEW = "document_review"  # 线上文审
    SITE_REVIEW = "site_review"  # 现场审核
    RESULT = "result"  # 审核结果
    DONE = "done"  # 办结

    @property
    def label(self) -> str:
        return STEP_LABELS[self]

    @property
    def is_intake(self) -> bool:
        return self in (CaseStep.COUNTY_INTAKE, CaseStep.CITY_INTAKE, CaseStep.PROVINCE_INTAKE)


STEP_LABELS = {CaseStep.COUNTY_INTAKE: "区县受理审核", CaseStep.CITY_INTAKE: "地市受理审核",
               CaseStep.PROVINCE_INTAKE: "省级受理审核", CaseStep.EXPERT_DRAW: "专家抽取",
               CaseStep.DOCUMENT_REVIEW: "线上文审", CaseStep.SITE_REVIEW: "现场审核", CaseStep.RESULT: "审核结果",
               CaseStep.DONE: "办结"}


# A case is open until it is passed or failed (returned cases are open: they resume).
OPEN_CASE = text("status NOT IN ('passed', 'failed')")


class Case(Base):
    """An evaluation or acceptance application of one audit project."""

    __tablename__ = "cases"
    # One open case of each kind per project, even if two submissions race (issue 12).
    __table_args__ = (Index("uq_cases_open_kind", "project_id", "kind", unique=True,
                            sqlite_where=OPEN_CASE, postgresql_where=OPEN_CASE),
                      # The department's to-dos: open cases at the steps a tier holds (core.cases._held_by).
                      Index("ix_cases_holder", "managing_tier", "step", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(portable_enum(CaseKind, "case_kind"))
    status: Mapped[CaseStatus] = mapped_column(portable_enum(CaseStatus, "case_status"), default=CaseStatus.SUBMITTED)
    application: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # 申请表
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # lists: newest first
    resubmitted_at: Mapped[datetime | None] = mapped_column()
    step: Mapped[CaseStep] = mapped_column(portable_enum(CaseStep, "case_step"), default=CaseStep.COUNTY_INTAKE,
                                           server_default=CaseStep.COUNTY_INTAKE.value)
    # The enterprise's 负责评估验收部门 when it applied: the route does not change under a running case.
    managing_tier: Mapped[ManagingTier] = mapped_column(portable_enum(ManagingTier, "case_managing_tier"),
                                                        default=ManagingTier.CITY,
                                                        server_default=ManagingTier.CITY.value)
    # 1 at submission, +1 at each resubmission after a return; opinions are kept per round.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseRemark(Base):
    """A reviewer's remark on one stage of a case; the enterprise reworks the stages remarked on."""

    __tablename__ = "case_remarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    remark: Mapped[str] = mapped_column(Text)
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The step that returned it (受理 at some level, 线上文审, 现场审核).
    step: Mapped[CaseStep | None] = mapped_column(portable_enum(CaseStep, "remark_step"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
