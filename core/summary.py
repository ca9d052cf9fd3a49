"""工作总结 (seed 001): what the enterprises of a jurisdiction achieved in a campaign, for the written
report each county and city sends up after acceptance — the 无/低费 and 中/高费 options carried out,
their economic and environmental benefits, and the evaluation and acceptance results.

Counting rules
--------------
* An "enterprise" is one letter (one enterprise in one campaign), as in 统计分析: across campaigns an
  enterprise audited twice counts twice.
* Options: `low_cost` / `high_cost` count every option of the ledger by kind; `implemented` those whose
  status is 已实施, `planned` (a property) the rest. The summary is written after acceptance, so the
  investment and every benefit (经济效益, 节水, COD, 氨氮, 其他污染物, 节能) add up **implemented options
  only**; a planned option's figures are an intention, not a result, and are left out.
* Evaluation / acceptance: by enterprise, the status of its *latest* case of that kind (highest id, kept
  in letter_progress by core.progress):
  a failed evaluation followed by a passed one counts once, as passed. 办理中 = submitted, in review
  or returned to the enterprise.

Every figure is an SQL aggregate over progress_totals (letter_progress added up per campaign, county and
大类; the same scope and filters as 统计分析), so a province of 50,000 enterprises is counted from a
few thousand groups.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlalchemy import func, literal
from sqlalchemy.orm import Session

from core import progress
from core.jurisdiction import require_department
from core.models import User
from core.options import FIGURES
from core.project_models import CaseStatus
from core.progress_totals import ProgressTotal as T
from core.stats import StatsFilter, group_names, totals_query

WHAT = "工作总结"
BY = ("city", "county", "industry")
IN_PROGRESS = (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.RETURNED)
# Decimals shown for each figure (万元 to the hundred yuan, tonnes of pollutant to the kilogram).
DIGITS = {"investment": 2, "economic_benefit": 2, "water_saved": 1, "cod_reduced": 3, "ammonia_reduced": 3,
          "other_reduced": 3, "energy_saved": 2}
# Units as the report writes them in sentences.
SENTENCE_UNITS = {"investment": "万元", "economic_benefit": "万元", "water_saved": "吨", "cod_reduced": "吨",
                  "ammonia_reduced": "吨", "other_reduced": "吨", "energy_saved": "吨标准煤"}


@dataclass(frozen=True)
class SummaryRow:
    """One area (or industry) line, or the total. Money and benefits: implemented options only."""

    key: str
    name: str
    enterprises: int  # enterprises in the campaign(s) (letters)
    low_cost: int  # options by kind, planned and implemented
    high_cost: int
    implemented: int  # options with status 已实施
    investment: float  # 万元, implemented options
    economic_benefit: float  # 万元/年
    water_saved: float  # t/a
    cod_reduced: float  # t/a
    ammonia_reduced: float  # t/a
    energy_saved: float  # tce/a
    other_reduced: float  # t/a
    evaluation_passed: int  # enterprises by their latest evaluation case
    evaluation_failed: int
    evaluation_in_review: int  # submitted, in review or returned
    acceptance_passed: int
    acceptance_failed: int
    acceptance_in_review: int
    low_cost_implemented: int = 0  # implemented options by kind
    high_cost_implemented: int = 0

    @property
    def options(self) -> int:
        return self.low_cost + self.high_cost

    @property
    def planned(self) -> int:
        """Options not yet implemented (计划实施)."""
        return self.options - self.implemented


def _zero(key: str = "all", name: str = "全部") -> SummaryRow:
    return SummaryRow(key, name, **{f.name: 0 for f in fields(SummaryRow) if f.name not in ("key", "name")})


def _key(by: str | None):
    if by is not None and by not in BY:
        raise ValueError(f"by 应为 {BY} 之一或 None，而不是 {by!r}")
    return {None: literal("all"), "city": T.city_code, "county": T.county_code, "industry": T.industry_major}[by]


OPTION_COUNTS = progress.OPTION_COUNTS
STATUS_GROUPS = (("passed", (CaseStatus.PASSED,)), ("failed", (CaseStatus.FAILED,)), ("in_review", IN_PROGRESS))


def work_summary(session: Session, actor: User, flt: StatsFilter = StatsFilter(),  # noqa: B008 (frozen)
                 by: str | None = None) -> list[SummaryRow]:
    """The summary of the actor's jurisdiction under `flt`: by=None → exactly one total row (zeros when
    nothing is in scope); "city" / "county" / "industry" → one row per group that has letters, by key.

    One grouped query over progress_totals, which holds per campaign, county and 大类 the options ledgers
    added up and the letters by their latest evaluation and acceptance status (core.progress_totals).
    Benefits and investment: implemented options only."""
    require_department(actor, WHAT)
    key = _key(by)
    columns = {f"{kind}_{name}": func.sum(getattr(T, f"latest_{kind}_{name}"))
               for kind in ("evaluation", "acceptance") for name, _ in STATUS_GROUPS}
    columns.update({k: func.sum(getattr(T, k)) for k in (*OPTION_COUNTS, *FIGURES)})
    stmt = (totals_query(actor, flt, [key.label("key"), func.sum(T.total).label("enterprises"),
                                      *(c.label(k) for k, c in columns.items())])
            .group_by(key).having(func.sum(T.total) > 0).order_by(key))
    results = session.execute(stmt).all()
    names = group_names(session, by, [r.key for r in results])
    rows = [SummaryRow(key=r.key, name=names.get(r.key, r.key), enterprises=int(r.enterprises),
                       **{k: (float if k in FIGURES else int)(r._mapping[k] or 0) for k in columns})
            for r in results]
    if by is None and not rows:
        return [_zero()]
    return rows


def total_of(rows: list[SummaryRow], name: str = "全部") -> SummaryRow:
    """The total of a grouping's rows, without a second query: every letter lies in exactly one city, county
    or industry, so the groups' counts and sums add up to work_summary(by=None)'s."""
    total = _zero(name=name)
    return replace(total, **{f.name: sum((getattr(r, f.name) for r in rows), getattr(total, f.name))
                             for f in fields(SummaryRow) if f.name not in ("key", "name")})


# -- presentation shared by the screen, the Excel export and the PDF ---------------------------------------------


def fmt(value: float, key: str = "investment") -> str:
    """A figure as the report writes it: rounded to the figure's decimals, trailing zeros dropped."""
    text = f"{value:.{DIGITS.get(key, 2)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def figure_label(key: str) -> str:
    """e.g. "节水（t/a）"."""
    label, unit, _ = FIGURES[key]
    return f"{label}（{unit}）"


# (field, column label) of the per-area table, in order; figures are of implemented options.
COUNT_COLUMNS = (
    ("enterprises", "企业数"),
    ("evaluation_passed", "评估通过"), ("evaluation_failed", "评估未通过"), ("evaluation_in_review", "评估办理中"),
    ("acceptance_passed", "验收通过"), ("acceptance_failed", "验收未通过"), ("acceptance_in_review", "验收办理中"),
    ("low_cost", "无/低费方案"), ("high_cost", "中/高费方案"), ("implemented", "已实施方案"), ("planned", "计划实施方案"),
)
FIGURE_ORDER = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "energy_saved",
                "other_reduced")
TABLE_NOTE = "注：投资及各项效益为已实施方案的合计；评估、验收结果按每家企业最近一次申请统计。"


def record(row: SummaryRow, name_label: str) -> dict:
    """One table line: {name_label: name, 企业数: …, …, 投资（万元）: …} (figures rounded)."""
    return {name_label: row.name, **{label: getattr(row, k) for k, label in COUNT_COLUMNS},
            **{figure_label(k): round(getattr(row, k), DIGITS[k]) for k in FIGURE_ORDER}}


def table_records(rows: list[SummaryRow], total: SummaryRow, name_label: str) -> list[dict]:
    """The per-area lines and a 合计 line."""
    return [record(r, name_label) for r in rows] + [record(_renamed(total, "合计"), name_label)]


def _renamed(row: SummaryRow, name: str) -> SummaryRow:
    return replace(row, name=name)


def summary_items(total: SummaryRow) -> list[dict]:
    """The totals as (指标, 数值, 单位) lines, for the 汇总 sheet."""
    counts = [("企业数", total.enterprises, "家"),
              ("评估通过", total.evaluation_passed, "家"), ("评估未通过", total.evaluation_failed, "家"),
              ("评估办理中", total.evaluation_in_review, "家"),
              ("验收通过", total.acceptance_passed, "家"), ("验收未通过", total.acceptance_failed, "家"),
              ("验收办理中", total.acceptance_in_review, "家"),
              ("清洁生产方案", total.options, "项"), ("无/低费方案", total.low_cost, "项"),
              ("中/高费方案", total.high_cost, "项"), ("已实施方案", total.implemented, "项"),
              ("已实施无/低费方案", total.low_cost_implemented, "项"),
              ("已实施中/高费方案", total.high_cost_implemented, "项"), ("计划实施方案", total.planned, "项")]
    figures = [(f"已实施方案{FIGURES[k][0]}", round(getattr(total, k), DIGITS[k]), FIGURES[k][1]) for k in FIGURE_ORDER]
    return [{"指标": label, "数值": value, "单位": unit} for label, value, unit in counts + figures]


def narrative(total: SummaryRow, scope: str = "本辖区") -> dict[str, str]:
    """The summary in sentences, by section: 基本情况, 清洁生产方案, 效益 (plain text, numbers included)."""
    t = total
    basics = (f"{scope}共有 {t.enterprises} 家企业列入强制性清洁生产审核。"
              f"评估：通过 {t.evaluation_passed} 家，未通过 {t.evaluation_failed} 家，"
              f"正在办理 {t.evaluation_in_review} 家；"
              f"验收：通过 {t.acceptance_passed} 家，未通过 {t.acceptance_failed} 家，"
              f"正在办理 {t.acceptance_in_review} 家。")
    # No two punctuation marks in a row: ReportLab's CJK line breaking hangs only one in the margin.
    options = (f"企业共提出清洁生产方案 {t.options} 项，其中无/低费方案 {t.low_cost} 项、中/高费方案 {t.high_cost} 项。"
               f"已实施方案 {t.implemented} 项，其中无/低费方案 {t.low_cost_implemented} 项、"
               f"中/高费方案 {t.high_cost_implemented} 项；计划实施方案 {t.planned} 项。"
               f"已实施方案累计投资 {fmt(t.investment, 'investment')} 万元。")
    u = SENTENCE_UNITS
    benefits = (f"已实施方案年经济效益 {fmt(t.economic_benefit, 'economic_benefit')} 万元；"
                f"环境效益：年节水 {fmt(t.water_saved, 'water_saved')} {u['water_saved']}，"
                f"年削减 COD {fmt(t.cod_reduced, 'cod_reduced')} {u['cod_reduced']}、"
                f"氨氮 {fmt(t.ammonia_reduced, 'ammonia_reduced')} {u['ammonia_reduced']}、"
                f"其他污染物 {fmt(t.other_reduced, 'other_reduced')} {u['other_reduced']}，"
                f"年节能 {fmt(t.energy_saved, 'energy_saved')} {u['energy_saved']}。")
    return {"基本情况": basics, "清洁生产方案": options, "效益": benefits}
