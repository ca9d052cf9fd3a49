"""The audit notice screens: the province's notice, the county's letters, the enterprise's acceptance."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from core import auth, notice
from core.db import unit_of_work
from core.models import User
from core.notice_models import NoticeAssignment, NoticeStatus
from tests.app.conftest import click, open_as, texts
from tests.app.test_roster_screens import _open
from tests.support.roster import CITY, PROVINCE, QINGYUAN, approved_task, pdf_bytes, user
from tests.unit.test_notice import form


def _part(code: str) -> NoticeAssignment:
    with unit_of_work() as s:
        return s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == code))


def _to_counties() -> None:
    with unit_of_work() as s:
        task_id = approved_task(s)
        part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        city = s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == CITY))
        notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)


def test_province_creates_a_notice_from_the_final_roster(db):
    with unit_of_work() as s:
        approved_task(s)
    at = _open(PROVINCE, "pages/notice_tasks.py")
    assert "没有符合条件的清审任务" in texts(at)
    inputs = {t.label: t for t in at.text_input}
    inputs["文号 *"].input("冀环科〔2026〕12号")
    inputs["批次 *"].input("第二批")
    inputs["任务名称 *"].input("2026年白洋淀流域涉水企业清洁生产审核")
    inputs["联系人 *"].input("王贵磊")
    inputs["联系电话 *"].input("电话")
    [b for b in at.button if b.label == "创建通知"][0].click()
    at.run()
    assert "联系电话应为固定电话" in texts(at)
    {t.label: t for t in at.text_input}["联系电话 *"].input("0311-87908917")
    [b for b in at.button if b.label == "创建通知"][0].click()
    at.run()
    assert "清审任务通知已创建" in texts(at) and "共 **1** 项任务" in texts(at)
    assert "本级企业 **3** 家" in texts(at)


def test_county_generates_uploads_and_dispatches_then_the_enterprise_accepts(db):
    _to_counties()
    county = _part(QINGYUAN)
    at = _open(QINGYUAN, "pages/notice_task.py", id=str(county.id))
    at.radio(key=f"notice_step_{county.id}").set_value("下发任务").run()
    at.checkbox(key=f"notice_agree_{county.id}").check().run()
    at = click(at, "下发任务")
    assert "盖章告知书未上传" in texts(at)

    at.radio(key=f"notice_step_{county.id}").set_value("企业告知书").run()
    at = click(at, "生成告知书（1 份）")
    assert "已生成 1 份告知书" in texts(at)
    assert [d for d in at.get("download_button") if "ZIP" in d.proto.label]
    bundle = at.session_state["notice_letter_bundle"]
    with zipfile.ZipFile(io.BytesIO(bundle[1])) as archive:
        [name] = archive.namelist()
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(name))).pages)
    compact = "".join(text.split())
    assert "保定玖福食品有限公司" in compact
    account = compact.split("登录账户：")[1][:12]
    password = compact.split("初始密码为：")[1][:12]
    at.file_uploader(key="stamp_upload_0").set_value(("盖章.pdf", pdf_bytes(), "application/pdf")).run()
    at = click(at, "上传盖章版")
    assert "已上传“保定玖福食品有限公司”的盖章告知书" in texts(at)
    at.radio(key=f"notice_step_{county.id}").set_value("下发任务").run()
    at.checkbox(key=f"notice_agree_{county.id}").check().run()
    at = click(at, "下发任务")
    assert "任务已下发至企业" in texts(at)
    assert _part(QINGYUAN).status is NoticeStatus.DISPATCHED

    with unit_of_work() as s:  # the letter's credentials work; the forced change is covered elsewhere
        assert auth.authenticate(s, account, password).ok
        account_user = s.scalar(select(User).where(User.login == account))
        account_user.must_change_password = False
    enterprise = open_as(account, "pages/enterprise_tasks.py")
    assert "2026年白洋淀流域涉水企业清洁生产审核" in texts(enterprise)
    inputs = {t.label: t for t in enterprise.text_input}
    inputs["项目负责人 *"].input("张三")
    inputs["移动电话 *（可接收短信）"].input("12345")
    [b for b in enterprise.button if b.label == "确认接受"][0].click()
    enterprise.run()
    assert "正确的 11 位手机号码" in texts(enterprise)
    {t.label: t for t in enterprise.text_input}["移动电话 *（可接收短信）"].input("13812345678")
    [b for b in enterprise.button if b.label == "确认接受"][0].click()
    enterprise.run()
    assert "已接受清审任务" in texts(enterprise) and "项目负责人：张三" in texts(enterprise)


def test_the_enterprise_list_step_shows_the_industry_table_and_filters_in_sql(db):
    with unit_of_work() as s:
        from tests.support.stats import campaign

        campaign(s)
        part_id = s.scalar(select(NoticeAssignment.id).where(NoticeAssignment.division_code == PROVINCE))
    at = open_as(PROVINCE, "pages/notice_tasks.py")
    at.session_state["notice_part_id"] = part_id
    at.switch_page("pages/notice_task.py").run()
    at.radio(key=f"notice_step_{part_id}").set_value("企业名单").run()
    assert not at.exception, at.exception
    assert "本级共 **3** 家企业。" in texts(at)
    industry, listing = at.dataframe[0].value, at.dataframe[1].value
    assert list(industry["企业数量"]) == [1, 1, 1]
    assert list(listing["企业名称"]) == ["保定玖福食品有限公司", "涿州市飞耀金属制品有限公司", "涿州迅利达创新科技发展有限公司"]
    assert list(listing.columns[:5]) == ["序号", "清审行业", "双超", "双有", "项目编号"]
    at.text_input(key=f"nl_name_{part_id}").input("迅利达").run()
    assert "共检索到 1 条记录" in texts(at)
    assert list(at.dataframe[1].value["办理机构"]) == ["地市级"]
