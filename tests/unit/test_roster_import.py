"""Reading the province's proposed list: the seed's own file, and a deliberately broken one."""

from __future__ import annotations

import io

import pandas as pd

from core.demo import ROSTER_CSV
from core.models import ManagingTier
from core.roster_import import confirm_proposal, managing_tier_of, preview

HEADER = "序号,企业名称,所属城市,所属区县,行业大类名称,行业名称,负责评估验收部门,统一社会信用代码,是否双超,是否双有\n"


def test_the_seed_list_previews_with_only_its_two_nonstandard_names_to_confirm(uow):
    with uow() as session:
        result = preview(session, "名单.csv", ROSTER_CSV.read_bytes())
    assert result.file_error is None and len(result.rows) == 77
    bad = {r.values["序号"]: r for r in result.rows if not r.ok}
    assert set(bad) == {"24", "71"}
    assert bad["24"].proposals["industry"][0][0] == "3563"
    assert "请确认" in bad["24"].errors[0]
    confirm_proposal(bad["24"], "industry", "3563")
    assert bad["24"].ok and bad["24"].industry_code == "3563"
    tiers = [r.managing_tier for r in result.rows]
    assert tiers.count(ManagingTier.PROVINCE) == 10 and tiers.count(ManagingTier.CITY) == 67
    assert next(r for r in result.rows if r.values["序号"] == "4").industry_code == "3741"


def test_a_broken_file_shows_every_row_error(uow):
    body = (
        "1,甲公司,保定市,莲池区,金属制品业,金属结构制造,保定市生态环境局,91110108551385082Q,是,否\n"
        "2,乙公司,保定市,莲花区,金属制品业,金属结构制造,保定市生态环境局,,否,否\n"
        "3,丙公司,保定市,莲池区,金属制品业,金属结构制造,保定市生态环境局,91110108551385082R,否,否\n"
        "4,丁公司,保定市,莲池区,金属制品业,不存在的行业哈哈哈哈哈哈,保定市生态环境局,,否,否\n"
        "5,甲公司,保定市,莲池区,金属制品业,金属结构制造,保定市生态环境局,91110108551385082Q,否,否\n"
        "6,戊公司,保定市,莲池区,金属制品业,金属结构制造,某某单位,,也许,否\n"
        ",,,,,,,,,\n"
    )
    with uow() as session:
        result = preview(session, "broken.csv", (HEADER + body).encode("utf-8"))
    rows = {r.values["序号"]: r for r in result.rows}
    assert len(rows) == 6 and not result.ok and result.error_count == 5
    assert rows["1"].ok and rows["1"].double_exceed and rows["1"].credit_code == "91110108551385082Q"
    assert "莲花区" in rows["2"].errors[0] and rows["2"].proposals["county"][0][0] == "130606"
    assert any("校验位" in e for e in rows["3"].errors)
    assert any("行业" in e for e in rows["4"].errors) and rows["4"].industry_code is None
    assert any("与第 2 行重复" in e for e in rows["5"].errors)  # same name and same code as line 2
    assert len([e for e in rows["5"].errors if "重复" in e]) == 2
    assert any("负责评估验收部门" in e for e in rows["6"].errors)
    assert any("是否双超" in e for e in rows["6"].errors)


def test_file_level_errors_are_explained(uow):
    with uow() as session:
        assert "只支持" in preview(session, "list.txt", b"x").file_error
        assert "缺少必需的列" in preview(session, "list.csv", "企业名称,所属城市\n甲,保定市\n".encode()).file_error
        assert "没有企业数据" in preview(session, "list.csv", HEADER.encode()).file_error
        assert "无法读取" in preview(session, "list.xlsx", b"PK\x03\x04 not really a workbook").file_error


def test_xlsx_and_gbk_csv_are_read(uow):
    frame = pd.read_csv(ROSTER_CSV, dtype=str).head(5)
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    gbk = frame.to_csv(index=False).encode("gb18030")
    with uow() as session:
        from_xlsx = preview(session, "名单.xlsx", buffer.getvalue())
        from_gbk = preview(session, "名单.csv", gbk)
    assert [r.name for r in from_xlsx.rows] == frame["企业名称"].tolist()
    assert [r.county_code for r in from_gbk.rows] == [r.county_code for r in from_xlsx.rows]
    assert from_xlsx.ok


def test_department_spellings():
    assert managing_tier_of("河北省生态环境厅") is ManagingTier.PROVINCE
    assert managing_tier_of("保定市生态环境局") is ManagingTier.CITY
    assert managing_tier_of("保定市生态环境分局") is ManagingTier.CITY
    assert managing_tier_of("保定市行政审批局") is None
