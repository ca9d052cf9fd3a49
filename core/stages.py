"""The nine audit stages and what each must record (工作过程痕迹), as one declarative table.

The stage order and names follow seed 000 §4.3.1 and DOMAIN.md; the items follow the usual products
of each stage of a cleaner-production audit (HJ/T-style guidance): the documents, photos and figures
a reviewer expects to see. Screens, completeness checks and tests all read this table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core import files


class ItemKind(str, enum.Enum):
    DOCUMENT = "document"  # 文档: PDF, Word, Excel, or a scan
    PHOTO = "photo"  # 照片: JPG or PNG
    FIGURE = "figure"  # 数据: a number with a unit
    TEXT = "text"  # 说明: a written statement

    @property
    def label(self) -> str:
        return {"document": "文档", "photo": "照片", "figure": "数据", "text": "说明"}[self.value]


UPLOAD_KINDS = {ItemKind.DOCUMENT: files.DOCUMENT_KINDS, ItemKind.PHOTO: ("jpg", "png")}


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    kind: ItemKind
    required: bool = True
    unit: str = ""
    maximum: float = 1e9  # figures above this are absurd for one enterprise
    help: str = ""


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    phase: str  # "evaluation" or "acceptance"
    items: tuple[Item, ...]
    min_options: int = 0  # options of the ledger this stage needs recorded

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


D, P, F, T = ItemKind.DOCUMENT, ItemKind.PHOTO, ItemKind.FIGURE, ItemKind.TEXT

STAGES: tuple[Stage, ...] = (
    Stage("preparation", "审核准备", "evaluation", (
        Item("team_document", "清洁生产审核领导小组和工作小组成立文件", D),
        Item("work_plan", "审核工作计划", D),
        Item("training_photos", "宣传动员和培训照片", P),
        Item("trained_people", "参加培训人数", F, unit="人", maximum=100_000),
    )),
    Stage("pre_audit", "预审核", "evaluation", (
        Item("status_report", "企业现状调研和现场考察记录", D),
        Item("site_photos", "现场考察照片", P),
        Item("audit_focus", "确定的审核重点及理由", T),
        Item("targets", "清洁生产目标（近期、中远期）", T),
    )),
    Stage("assessment", "审核", "evaluation", (
        Item("balance_report", "物料平衡、水平衡测试报告", D),
        Item("measurement_data", "输入输出物流实测数据表", D),
        Item("cause_analysis", "废弃物产生原因分析", T),
        Item("fresh_water", "新鲜水用量", F, unit="t/a"),
        Item("test_photos", "实测和平衡测试照片", P, required=False),
    )),
    Stage("option_generation", "方案产生和筛选", "evaluation", (
        Item("option_list", "清洁生产方案汇总表", D),
        Item("workshop_photos", "方案征集和研讨照片", P),
        Item("screening", "方案初步筛选结果", T),
    ), min_options=1),
    Stage("evaluation_report", "评估报告", "evaluation", (
        Item("report", "清洁生产审核评估报告", D),
        Item("commitment", "企业承诺书（盖章）", D),
    )),
    Stage("option_selection", "方案的确定", "evaluation", (
        Item("feasibility", "中/高费方案可行性分析", D),
        Item("selected", "推荐实施的方案及实施计划", T),
    )),
    Stage("implementation", "方案的实施", "acceptance", (
        Item("evidence", "方案实施证明材料（合同、发票、验收单等）", D),
        Item("before_after_photos", "方案实施前后对比照片", P),
        Item("effect", "实施效果说明", T),
    )),
    Stage("continuous_improvement", "持续清洁生产", "acceptance", (
        Item("management_rules", "清洁生产管理制度", D),
        Item("next_plan", "持续清洁生产计划", D),
    )),
    Stage("acceptance_report", "验收报告", "acceptance", (
        Item("report", "清洁生产审核验收报告", D),
        Item("monitoring_report", "实施后监测报告", D),
        Item("fresh_water_after", "实施后新鲜水用量", F, unit="t/a"),
    )),
)

BY_KEY = {stage.key: stage for stage in STAGES}
PHASES = {"evaluation": "评估阶段", "acceptance": "验收阶段"}


def stages_of(phase: str) -> tuple[Stage, ...]:
    return tuple(s for s in STAGES if s.phase == phase)


def stage(key: str) -> Stage:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown stage {key!r}") from None
