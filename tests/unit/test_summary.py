"""工作总结: the figures of the small statistics campaign, with 玖福's options ledger and an acceptance
added here, counted by hand; the scopes of each department; the PDF read back."""

from __future__ import annotations

import io
import re
from dataclasses import asdict
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core import summary
from core.errors import PermissionDenied
from core.models import User
from core.notice_models import AuditNotice
from core.project_models import (
    AuditProject,
    Case,
    CaseKind,
    CaseStatus,
    CleanerOption,
    OptionKind,
    OptionStatus,
)
from core.stats import StatsFilter, funnel
from core.summary import TABLE_NOTE, SummaryRow, fmt, narrative, total_of, work_summary
from core.summary_pdf import TITLE, render_summary
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, ZHUOZHOU, user
from tests.support.stats import campaign

IMPLEMENTED, PLANNED = OptionStatus.IMPLEMENTED, OptionStatus.PLANNED
LOW, HIGH = OptionKind.LOW_COST, OptionKind.HIGH_COST
FIGURES = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "energy_saved",
           "other_reduced")
# 玖福's ledger: (kind, status, investment 万元, benefit 万元/a, water t/a, COD t/a, NH3-N t/a, energy tce/a, other t/a)
LEDGER = (
    (LOW, IMPLEMENTED, 3.5, 1.2, 1200, 0.8, 0.05, 2, 0),
    (HIGH, IMPLEMENTED, 120, 30, 5000, 2.5, 0.3, 40, 1.5),
    (HIGH, PLANNED, 80, 20, 3000, 1.0, 0.1, 10, 0.4),  # planned: counted, its figures left out
    (LOW, PLANNED, 0.5, 0.2, 100, 0.01, 0.002, 0.5, 0),
)
ZERO = dict(low_cost=0, high_cost=0, implemented=0, low_cost_implemented=0, high_cost_implemented=0,
            **{k: 0.0 for k in FIGURES}, evaluation_passed=0, evaluation_failed=0, evaluation_in_review=0,
            acceptance_passed=0, acceptance_failed=0, acceptance_in_review=0)
# By hand: the two implemented options added up; 2 low-cost + 2 high-cost, 2 implemented (one of each kind);
# failed-then-passed evaluation counts once as passed; the acceptance passed.
JIUFU = {"low_cost": 2, "high_cost": 2, "implemented": 2, "low_cost_implemented": 1, "high_cost_implemented": 1,
         "investment": 123.5, "economic_benefit": 31.2, "water_saved": 6200.0, "cod_reduced": 3.3,
         "ammonia_reduced": 0.35, "energy_saved": 42.0, "other_reduced": 1.5,
         "evaluation_passed": 1, "evaluation_failed": 0, "evaluation_in_review": 0,
         "acceptance_passed": 1, "acceptance_failed": 0, "acceptance_in_review": 0}


def project_of_jiufu(s) -> AuditProject:
    return s.scalar(select(AuditProject))  # the only enterprise of the campaign that accepted


def summary_campaign(s) -> int:
    """tests.support.stats.campaign, with 玖福's options ledger and a passed acceptance."""
    notice_id = campaign(s)
    project = project_of_jiufu(s)
    for i, (kind, status, *values) in enumerate(LEDGER):
        s.add(CleanerOption(project_id=project.id, kind=kind, status=status, name=f"方案{i + 1}",
                            stage="option_generation", **dict(zip(FIGURES, values, strict=True))))
    s.add(Case(project_id=project.id, kind=CaseKind.ACCEPTANCE, status=CaseStatus.PASSED))
    s.flush()
    return notice_id


def figures(row: SummaryRow) -> dict:
    return {k: v for k, v in asdict(row).items() if k not in ("key", "name", "enterprises")}


def line(row: SummaryRow) -> tuple:
    return row.key, row.name, row.enterprises


def test_per_county_and_total_counted_by_hand(uow):
    with uow() as s:
        summary_campaign(s)
        city = user(s, CITY)
        [total] = work_summary(s, city)
        assert line(total) == ("all", "全部", 3)
        assert figures(total) == pytest.approx(JIUFU)
        assert (total.options, total.planned) == (4, 2)
        qingyuan, zhuozhou = work_summary(s, city, by="county")
        assert line(qingyuan) == (QINGYUAN, "清苑区", 1) and figures(qingyuan) == pytest.approx(JIUFU)
        assert line(zhuozhou) == (ZHUOZHOU, "涿州市", 2) and figures(zhuozhou) == ZERO
        assert figures(total_of([qingyuan, zhuozhou])) == pytest.approx(figures(total))
        assert total_of([qingyuan, zhuozhou]).enterprises == 3
        # The same enterprises as 统计分析 counts, in every grouping.
        assert [r.enterprises for r in work_summary(s, city, by="county")] == [r["total"] for r in
                                                                             funnel(s, city, by="county")]
        [industry] = [r for r in work_summary(s, city, by="industry") if r.key == "13"]
        assert (industry.name, industry.enterprises, industry.implemented) == ("农副食品加工业", 1, 2)


def test_the_province_sees_the_citys_totals(uow):
    with uow() as s:
        summary_campaign(s)
        province = user(s, PROVINCE)
        [baoding] = work_summary(s, province, by="city")
        assert line(baoding) == (CITY, "保定市", 3) and figures(baoding) == pytest.approx(JIUFU)
        assert asdict(work_summary(s, province)[0]) == asdict(work_summary(s, user(s, CITY))[0])
        # The province picks the city to see its counties.
        assert [line(r) for r in work_summary(s, province, StatsFilter(city_code=CITY), by="county")] == [
            (QINGYUAN, "清苑区", 1), (ZHUOZHOU, "涿州市", 2)]
        [qingyuan] = work_summary(s, province, StatsFilter(county_code=QINGYUAN))
        assert qingyuan.enterprises == 1 and figures(qingyuan) == pytest.approx(JIUFU)


def test_each_county_sees_only_its_own(uow):
    with uow() as s:
        summary_campaign(s)
        [zhuozhou] = work_summary(s, user(s, ZHUOZHOU))
        assert zhuozhou.enterprises == 2 and figures(zhuozhou) == ZERO
        assert [line(r) for r in work_summary(s, user(s, ZHUOZHOU), by="county")] == [(ZHUOZHOU, "涿州市", 2)]
        [qingyuan] = work_summary(s, user(s, QINGYUAN))
        assert qingyuan.enterprises == 1 and figures(qingyuan) == pytest.approx(JIUFU)
        # 莲池区 has no enterprise in the campaign: one total line of zeros, no area lines.
        [lianchi] = work_summary(s, user(s, LIANCHI))
        assert line(lianchi) == ("all", "全部", 0) and figures(lianchi) == ZERO
        assert work_summary(s, user(s, LIANCHI), by="county") == []
        assert work_summary(s, user(s, "130100"), by="city") == []  # 石家庄


def test_campaign_and_batch_filters(uow):
    with uow() as s:
        notice_id = summary_campaign(s)
        city = user(s, CITY)
        assert figures(work_summary(s, city, StatsFilter(notice_id=notice_id))[0]) == pytest.approx(JIUFU)
        assert work_summary(s, city, StatsFilter(notice_id=notice_id + 1))[0].enterprises == 0
        assert work_summary(s, city, StatsFilter(batch="第九批"))[0].enterprises == 0
        batch = s.scalar(select(AuditNotice.batch).where(AuditNotice.id == notice_id))
        assert work_summary(s, city, StatsFilter(batch=batch))[0].enterprises == 3


def test_each_kind_counts_its_latest_case(uow):
    with uow() as s:
        summary_campaign(s)
        project = project_of_jiufu(s)
        city = user(s, CITY)
        # A later acceptance application (the passed one was an earlier id): the latest one counts.
        s.add(Case(project_id=project.id, kind=CaseKind.ACCEPTANCE, status=CaseStatus.FAILED))
        s.flush()
        row = work_summary(s, city)[0]
        assert (row.acceptance_passed, row.acceptance_failed, row.acceptance_in_review) == (0, 1, 0)
        assert (row.evaluation_passed, row.evaluation_failed, row.evaluation_in_review) == (1, 0, 0)
        for status in (CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.IN_REVIEW):
            case = Case(project_id=project.id, kind=CaseKind.ACCEPTANCE, status=status)
            s.add(case)
            s.flush()
            row = work_summary(s, city)[0]
            assert (row.acceptance_passed, row.acceptance_failed, row.acceptance_in_review) == (0, 0, 1), status
            case.status = CaseStatus.FAILED  # a project has one open case of a kind (uq_cases_open_kind)
            s.flush()
        assert row.enterprises == 3 and row.implemented == 2  # cases do not multiply the options


def test_only_departments(uow):
    with uow() as s:
        summary_campaign(s)
        enterprise = s.scalar(select(User).where(User.enterprise_id.is_not(None),
                                                 User.must_change_password.is_(False)))
        with pytest.raises(PermissionDenied, match="工作总结只能由生态环境部门办理"):
            work_summary(s, enterprise)
        with pytest.raises(ValueError):
            work_summary(s, user(s, CITY), by="enterprise")


def test_numbers_and_sentences():
    assert [fmt(123.5), fmt(6200.0, "water_saved"), fmt(0.35, "ammonia_reduced"), fmt(0.0), fmt(1e-9),
            fmt(2.0004, "cod_reduced"), fmt(31.199999999, "economic_benefit")] == [
        "123.5", "6200", "0.35", "0", "0", "2", "31.2"]
    row = SummaryRow("all", "全部", 3, **JIUFU)
    assert narrative(row, "保定市") == {
        "基本情况": "保定市共有 3 家企业列入强制性清洁生产审核。评估：通过 1 家，未通过 0 家，正在办理 0 家；"
                    "验收：通过 1 家，未通过 0 家，正在办理 0 家。",
        "清洁生产方案": "企业共提出清洁生产方案 4 项，其中无/低费方案 2 项、中/高费方案 2 项。"
                        "已实施方案 2 项，其中无/低费方案 1 项、中/高费方案 1 项；计划实施方案 2 项。"
                        "已实施方案累计投资 123.5 万元。",
        "效益": "已实施方案年经济效益 31.2 万元；环境效益：年节水 6200 吨，年削减 COD 3.3 吨、氨氮 0.35 吨、"
                "其他污染物 1.5 吨，年节能 42 吨标准煤。"}
    [record] = summary.table_records([], row, "区县")[-1:]
    assert record["区县"] == "合计" and record["已实施方案"] == 2 and record["投资（万元）"] == 123.5
    items = {i["指标"]: (i["数值"], i["单位"]) for i in summary.summary_items(row)}
    assert items["计划实施方案"] == (2, "项") and items["已实施方案节水"] == (6200.0, "t/a")


def _text(pdf: bytes) -> str:
    return "".join(re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_reads_back_with_the_numbers(uow):
    with uow() as s:
        summary_campaign(s)
        city = user(s, CITY)
        rows = work_summary(s, city, by="county")
        [total] = work_summary(s, city)
    pdf = render_summary("保定市<全市>&", "2026年第一批强制性清洁生产审核", rows, total, "保定市生态环境局",
                         date(2026, 11, 5), "区县")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == TITLE and reader.metadata.author == "保定市生态环境局"
    text = _text(pdf)
    for expected in (TITLE, "填报单位：保定市生态环境局", "清审批次：2026年第一批强制性清洁生产审核",
                     "统计范围：保定市<全市>&", "2026年11月5日", "一、基本情况", "二、清洁生产方案", "三、效益",
                     "保定市<全市>&共有3家企业列入强制性清洁生产审核", "评估：通过1家，未通过0家，正在办理0家",
                     "验收：通过1家，未通过0家，正在办理0家", "已实施方案2项，其中无/低费方案1项、中/高费方案1项",
                     "计划实施方案2项", "累计投资123.5万元", "年经济效益31.2万元", "年节水6200吨",
                     "COD3.3吨", "氨氮0.35吨", "其他污染物1.5吨", "年节能42吨标准煤"):
        assert expected in text, expected
    # The tables: one line per county and the 合计 line, in each of the three tables.
    assert text.count("清苑区") == 3 and text.count("涿州市") == 3
    assert text.count("合计") - TABLE_NOTE.count("合计") == 3
    assert "清苑区1100100" in text  # 企业数, 评估 通过/未通过/办理中, 验收 通过/未通过/办理中
    assert "清苑区2211" in text and "123.5" in text  # 方案数 2 2, 已实施 1 1, …
    assert "清苑区31.262003.30.35421.5" in text  # benefit, water, COD, NH3-N, energy, other
    assert "合计31.262003.30.35421.5" in text and "合计3100100" in text
    assert "涿州市2000000" in text and text.count("涿州市000000") == 2  # 2 enterprises, nothing else


def test_an_empty_jurisdiction_still_renders():
    zero = SummaryRow("all", "全部", 0, **ZERO)
    pdf = render_summary("莲池区", "全部批次", [], zero, "莲池区生态环境分局", date(2026, 11, 5))
    assert "莲池区共有0家企业" in _text(pdf)


def test_no_line_starts_with_a_comma():
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    before = (textsplit.ALL_CANNOT_START, paragraph.ALL_CANNOT_START)
    rows = [SummaryRow(QINGYUAN, "清苑区", 1, **JIUFU), SummaryRow(ZHUOZHOU, "涿州市", 2, **ZERO)]
    pdf = render_summary("保定市", "2026年第一批", rows, total_of(rows), "保定市生态环境局", date(2026, 11, 5), "区县")
    lines = [line.strip() for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]
    assert any(line.endswith("未通过 0 家，") for line in lines)  # this sentence breaks right after a comma
    assert not [line for line in lines if line[:1] in "，；：！？、。"]
    assert (textsplit.ALL_CANNOT_START, paragraph.ALL_CANNOT_START) == before  # only while the report is drawn
