"""Persistent model of the indicator systems (清洁生产评价指标体系) and each audit's 对标 sheets.

A system is stored as imported (core.indicator_systems) and never changed: a revision is a new version, and a
sheet keeps the system it was started with, so a published revision does not silently regrade a running audit.
A sheet (预审核 "before", 验收 "after") holds the enterprise's entries and the level computed from them when they
were saved (core.grading), so that statistics count levels in SQL.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, portable_enum, utcnow


class IndicatorSystem(Base):
    __tablename__ = "indicator_systems"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    industry_codes: Mapped[list] = mapped_column(JSON, default=list)  # GB/T 4754-2017 小类
    # title, issuers, announcement, year, transcribed_from
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    untranscribed: Mapped[list] = mapped_column(JSON, default=list)
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[IndicatorGroup]] = relationship(order_by="IndicatorGroup.position", lazy="selectin")


class IndicatorGroup(Base):
    """一级指标 with its weight w_i."""

    __tablename__ = "indicator_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("indicator_systems.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")  # where this part was transcribed from

    indicators: Mapped[list[Indicator]] = relationship(order_by="Indicator.position", lazy="selectin")


class Indicator(Base):
    """二级指标: weight ω_ij (shared: divided among the applicable ones), benchmarks per level."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("system_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("indicator_systems.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("indicator_groups.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # quantitative / qualitative
    unit: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str | None] = mapped_column(String(8))  # lower / higher
    weight: Mapped[float] = mapped_column(Float)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    limiting: Mapped[bool] = mapped_column(Boolean, default=False)
    water: Mapped[bool] = mapped_column(Boolean, default=False)
    benchmarks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class SheetPhase(str, enum.Enum):
    BEFORE = "before"  # 预审核: the state before the audit
    AFTER = "after"  # 验收: after the options were implemented

    @property
    def label(self) -> str:
        return "审核前（预审核）" if self is SheetPhase.BEFORE else "实施后（验收）"

    @property
    def stage(self) -> str:
        """The audit stage whose editability the sheet follows (core.stage_records)."""
        return "pre_audit" if self is SheetPhase.BEFORE else "acceptance_report"


class GradingSheet(Base):
    """One phase's 对标: production and resource figures, the entries, and the level computed at the last save."""

    __tablename__ = "grading_sheets"
    __table_args__ = (UniqueConstraint("project_id", "phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), index=True)
    phase: Mapped[SheetPhase] = mapped_column(portable_enum(SheetPhase, "sheet_phase"))
    system_id: Mapped[int] = mapped_column(ForeignKey("indicator_systems.id"))
    # year, output, output_unit, fresh_water, energy, wastewater, cod, ammonia (core.grading_entry.FIGURES)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    level: Mapped[str | None] = mapped_column(String(4))  # I / II / III, None below level III
    target_met: Mapped[bool | None] = mapped_column(Boolean)
    score_1: Mapped[float] = mapped_column(Float, default=0.0)
    score_2: Mapped[float] = mapped_column(Float, default=0.0)
    score_3: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("sheet_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("grading_sheets.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    value: Mapped[float | None] = mapped_column(Float)
    declared_level: Mapped[str | None] = mapped_column(String(4))  # I / II / III / none
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)


class GradingProfile(Base):
    """What the enterprise declares for the campaign's target and the plausibility checks (one per project).
    Whether it lies in an industrial park is the enterprise's own fact (Enterprise.in_industrial_park)."""

    __tablename__ = "grading_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("audit_projects.id"), unique=True)
    wastewater_to_plant: Mapped[bool | None] = mapped_column(Boolean)  # 废水进入污水集中处理设施
    permit_pollutants: Mapped[list] = mapped_column(JSON, default=list)  # 排污许可证载明的污染物
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
