"""The 专家库 screen: a city adds an expert (a refused phone keeps what was typed), edits and stops one,
imports a list through the preview; a county only reads."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, select

from core import expert_import, experts
from core.db import unit_of_work
from core.review_models import Expert
from tests.app.conftest import activate, click, open_as, texts
from tests.support.roster import CITY, PROVINCE, QINGYUAN, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def empty_pool(db):
    """These tests build their own pools: the demo's province pool is taken away first."""
    with unit_of_work() as session:
        session.execute(delete(Expert))


def _open(login: str):
    activate(login)
    return open_as(login, "pages/expert_pool.py")


def _fill(at, name: str, phone: str):
    prefix = "expert_new_0"
    at.text_input(key=f"{prefix}_name").input(name)
    at.text_input(key=f"{prefix}_organisation").input("河北省环境科学研究院")
    at.multiselect(key=f"{prefix}_specialties").select("13").select("26")
    at.selectbox(key=f"{prefix}_region").select(QINGYUAN)
    at.text_input(key=f"{prefix}_phone").input(phone)
    at.text_area(key=f"{prefix}_conflicts").input("保定玖福食品有限公司\n\n河北清源环境咨询有限公司")


def _submit(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    button.click()
    return at.run()


def test_the_city_adds_an_expert_after_fixing_the_phone(db):
    at = _open(CITY)
    assert "共 **0** 名专家" in texts(at)
    _fill(at, "王建国", "12345")
    at = _submit(at, "保存到专家库")
    assert "联系电话“12345”格式不正确" in texts(at)
    assert at.text_input(key="expert_new_0_name").value == "王建国"
    assert at.multiselect(key="expert_new_0_specialties").value == ["13", "26"]
    with unit_of_work() as s:
        assert s.scalar(select(Expert)) is None
    at.text_input(key="expert_new_0_phone").input("13912345678")
    at = _submit(at, "保存到专家库")
    assert "已将专家“王建国”加入专家库" in texts(at)
    table = at.dataframe[0].value
    assert table["姓名"].tolist() == ["王建国"]
    assert table["专业领域"].tolist() == ["13 农副食品加工业、26 化学原料和化学制品制造业"]
    assert table["所在地区"].tolist() == ["保定市清苑区"] and table["所属专家库"].tolist() == ["保定市生态环境局"]
    assert table["回避单位"].tolist() == ["保定玖福食品有限公司、河北清源环境咨询有限公司"]
    assert at.text_input(key="expert_new_1_name").value == ""  # a fresh form for the next one

    expert_id = _expert_id("王建国")
    at.selectbox(key="expert_edit_pick").select(expert_id).run()
    assert at.text_input(key=f"expert_edit_{expert_id}_0_phone").value == "13912345678"
    at.text_input(key=f"expert_edit_{expert_id}_0_title").input("正高级工程师")
    at = _submit(at, "保存修改")
    assert "已保存专家“王建国”的信息" in texts(at)
    at = click(at, "停用该专家")
    assert "已停用专家“王建国”" in texts(at)
    assert at.dataframe[0].value["状态"].tolist() == ["停用"]
    with unit_of_work() as s:
        expert = s.scalar(select(Expert))
        assert (expert.title, expert.active, expert.version) == ("正高级工程师", False, 3)


def _expert_id(name: str) -> int:
    with unit_of_work() as s:
        return s.scalar(select(Expert.id).where(Expert.name == name))


def test_a_county_sees_the_pool_without_the_forms(db):
    with unit_of_work() as s:
        experts.add_expert(s, user(s, PROVINCE), experts.ExpertForm(
            name="省库专家", organisation="河北省环境科学研究院", specialties=["13"], region_code="130102",
            phone="13912345670"))
        experts.add_expert(s, user(s, "130100"), experts.ExpertForm(
            name="石家庄专家", organisation="石家庄某研究院", specialties=["13"], region_code="130102",
            phone="13912345671"))
    at = _open(QINGYUAN)
    shown = texts(at)
    assert "专家库由省级和地市生态环境部门维护" in shown
    assert at.dataframe[0].value["姓名"].tolist() == ["省库专家"]
    assert not [b for b in at.button if b.label in ("保存到专家库", "保存修改", "确认导入")]
    assert not at.expander or all(e.label not in ("新增专家", "批量导入") for e in at.expander)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(expert_import.IMPORT_COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_through_the_preview(db):
    at = _open(CITY)
    bad = _xlsx([["赵一", "河北省环境科学研究院", "", "13", "清苑区", "13912340001", "", ""],
                 ["钱二", "保定市环境监测中心", "", "99", "保定市", "0312-1234567", "", ""]])
    at.file_uploader(key="expert_import_file_0").set_value(("专家名单.xlsx", bad, XLSX))
    at.run()
    assert "共 2 行，其中 1 行有问题" in texts(at)
    preview = at.dataframe[-1].value  # the pool is still empty: the preview is the only table
    assert preview["行号"].tolist() == [3, 2]  # problem rows first
    assert "专业领域“99”" in preview["检查结果"].tolist()[0]
    assert next(b for b in at.button if b.label == "确认导入").disabled

    good = _xlsx([["赵一", "河北省环境科学研究院", "", "13", "清苑区", "13912340001", "", ""],
                  ["钱二", "保定市环境监测中心", "", "26 化学原料和化学制品制造业", "保定市", "0312-1234567", "", "停用"]])
    at.file_uploader(key="expert_import_file_0").set_value(("专家名单.xlsx", good, XLSX))
    at.run()
    assert "共 2 行，全部检查通过" in texts(at)
    assert not next(b for b in at.button if b.label == "确认导入").disabled
    at = click(at, "确认导入")
    assert "已导入 2 名专家" in texts(at)
    assert sorted(at.dataframe[0].value["姓名"].tolist()) == ["赵一", "钱二"]
    assert "共 2 行" not in texts(at)  # the uploader was emptied


def test_the_province_sees_every_registry_and_a_stale_edit_is_refused(db):
    with unit_of_work() as s:
        province = user(s, PROVINCE)
        mine = experts.add_expert(s, province, experts.ExpertForm(
            name="省库专家", organisation="河北省环境科学研究院", specialties=["13"], region_code="130102",
            phone="13912345670"))
        experts.add_expert(s, user(s, "130100"), experts.ExpertForm(
            name="石家庄专家", organisation="石家庄某研究院", specialties=["13"], region_code="130102",
            phone="13912345671"))
        expert_id, version = mine.id, mine.version
    at = _open(PROVINCE)
    assert sorted(at.dataframe[0].value["姓名"].tolist()) == ["省库专家", "石家庄专家"]
    assert at.selectbox(key="expert_edit_pick").options == ["省库专家（河北省环境科学研究院）"]  # its own only
    at.selectbox(key="expert_edit_pick").select(expert_id).run()
    with unit_of_work() as s:  # meanwhile, someone else changes the expert
        experts.update_expert(s, user(s, PROVINCE), expert_id, version, experts.ExpertForm(
            name="省库专家", organisation="河北省环境科学研究院", title="教授", specialties=["13"],
            region_code="130102", phone="13912345670"))
    at.text_input(key=f"expert_edit_{expert_id}_0_title").input("研究员")
    at = _submit(at, "保存修改")
    assert "该专家信息已被他人修改，请刷新后重试" in texts(at)
    with unit_of_work() as s:
        assert s.get(Expert, expert_id).title == "教授"
