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
from tests.app.conftest import click, open_as, shown, texts
from tests.app.test_roster_screens import _open
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, approved_task, pdf_bytes, png_bytes, user
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


def test_the_city_sees_each_countys_progress_in_the_statistics_step(db):
    with unit_of_work() as s:
        from tests.support.stats import campaign

        campaign(s)
        part_id = s.scalar(select(NoticeAssignment.id).where(NoticeAssignment.division_code == CITY))
    at = open_as(CITY, "pages/notice_tasks.py")
    at.session_state["notice_part_id"] = part_id
    at.switch_page("pages/notice_task.py").run()
    at.radio(key=f"notice_step_{part_id}").set_value("任务统计").run()
    assert not at.exception, at.exception
    assert "下级区县 **2** 个，已派发 **1** 个；企业 **3** 家，已告知 **1** 家，已接受任务 **1** 家。" in texts(at)
    table = at.dataframe[0].value
    assert list(table["区县"]) == ["清苑区", "涿州市", "合计"]
    assert list(table["任务状态"]) == ["已派发", "待派发", ""]
    assert list(table["告知书已盖章上传"]) == [1, 0, 1] and list(table["评估通过"]) == [1, 0, 1]


def _zhuozhou_issued() -> NoticeAssignment:
    _to_counties()
    county = _part(ZHUOZHOU)
    with unit_of_work() as s:
        notice.issue_letters(s, user(s, ZHUOZHOU), county.id)
    return county


def test_county_uploads_many_stamped_scans_after_a_preview_of_the_matching(db):
    county = _zhuozhou_issued()
    with unit_of_work() as s:
        first, second = (x.letter_number for x in notice.letters_in(s, county))
    at = _open(ZHUOZHOU, "pages/notice_task.py", id=str(county.id))
    at.radio(key=f"notice_step_{county.id}").set_value("企业告知书").run()
    at.file_uploader(key="stamp_batch_0").set_value([
        (f"告知书_{first}_涿州市飞耀金属制品有限公司.pdf", pdf_bytes(), "application/pdf"),
        (f"盖章_{second}.png", png_bytes(), "image/png"),
        ("扫描件（无编号）.pdf", pdf_bytes(), "application/pdf"),
        (f"{first}_重扫.pdf", pdf_bytes(), "application/pdf")]).run()
    preview = at.dataframe[-1].value
    assert list(preview["匹配结果"]) == ["重复", "已匹配", "未匹配", "重复"]
    assert list(preview["告知书编号"]) == [first, second, "", first]
    assert "文件名中没有告知书编号" in preview["说明"][2]
    assert "共 4 个文件：已匹配 1 个，3 个不会上传" in texts(at)
    with unit_of_work() as s:
        assert notice.stamped_scans(s, [x.id for x in notice.letters_in(s, county)]) == {}  # nothing yet

    at.file_uploader(key="stamp_batch_0").set_value([
        (f"告知书_{first}_涿州市飞耀金属制品有限公司.pdf", pdf_bytes(), "application/pdf"),
        (f"盖章_{second}.png", png_bytes(), "image/png"),
        ("扫描件（无编号）.pdf", pdf_bytes(), "application/pdf")]).run()
    at = click(at, "确认上传已匹配的 2 个文件")
    assert not at.exception, at.exception
    shown_text = texts(at)
    assert "已上传 2 份盖章告知书（涿州市飞耀金属制品有限公司、涿州迅利达创新科技发展有限公司）" in shown_text
    assert "未上传 1 个文件：“扫描件（无编号）.pdf”：未匹配" in shown_text
    with unit_of_work() as s:
        letters = notice.letters_in(s, county)
        scans = notice.stamped_scans(s, [x.id for x in letters])
        assert sorted(a.kind for a in scans.values()) == ["pdf", "png"]
    assert not [u for u in at.file_uploader if u.key == "stamp_batch_0"]  # emptied: nothing is sent twice
    assert list(at.dataframe[0].value["盖章版"]) == [f"告知书_{first}_涿州市飞耀金属制品有限公司.pdf", f"盖章_{second}.png"]


def test_county_is_warned_before_issuing_letters_whose_dates_have_passed(db, monkeypatch):
    from datetime import timedelta

    from core import dates
    from tests.conftest import CAMPAIGN_DAY

    _to_counties()
    county = _part(QINGYUAN)
    at = _open(QINGYUAN, "pages/notice_task.py", id=str(county.id))
    at.radio(key=f"notice_step_{county.id}").set_value("企业告知书").run()
    assert not at.warning and not at.button(key=f"generate_{county.id}").disabled
    monkeypatch.setattr(dates, "beijing_today", lambda: CAMPAIGN_DAY + timedelta(days=25))
    at.run()
    [warning] = [w.value for w in at.warning]
    assert "1 个时间节点已过：企业登录系统填报并公布审核信息（2026-12-21）" in shown(warning)
    assert at.button(key=f"generate_{county.id}").disabled
    at.checkbox(key=f"passed_ok_{county.id}").check().run()
    at = click(at, "生成告知书（1 份）")
    assert "已生成 1 份告知书" in texts(at)


def test_the_city_sets_its_contact_and_the_enterprise_sees_every_level_then_the_departments_see_its_leader(db):
    with unit_of_work() as s:
        task_id = approved_task(s)
        part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
        notice.attach_file(s, user(s, PROVINCE), part.id, "省级通知.pdf", pdf_bytes())
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
    city = _part(CITY)
    at = _open(CITY, "pages/notice_task.py", id=str(city.id))
    at.radio(key=f"notice_step_{city.id}").set_value("市级任务").run()
    at.text_area(key=f"notice_req_{city.id}").input("市级：请于10月底前公开审核信息")
    at.text_input(key=f"notice_contact_{city.id}").input("袁喜全")
    at.text_input(key=f"notice_phone_{city.id}").input("电话")
    at = click(at, "保存并下一步")
    assert "联系电话应为固定电话" in texts(at)
    at.text_input(key=f"notice_phone_{city.id}").input("0312-3037280")
    at = click(at, "保存并下一步")
    assert "本级任务要求已保存" in texts(at)
    with unit_of_work() as s:
        notice.dispatch(s, user(s, CITY), city.id, _part(CITY).version, agreed=True)
        county = s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == QINGYUAN))
        notice.save_requirements(s, user(s, QINGYUAN), county.id, county.version, "县级：按时接受任务", "李亚龙",
                                 "0312-6788617")
        [issued] = notice.issue_letters(s, user(s, QINGYUAN), county.id)
        notice.upload_stamped(s, user(s, QINGYUAN), issued.letter_id, "盖章.pdf", pdf_bytes())
        notice.dispatch(s, user(s, QINGYUAN), county.id, county.version, agreed=True)
        s.scalar(select(User).where(User.login == issued.account)).must_change_password = False

    enterprise = open_as(issued.account, "pages/enterprise_tasks.py")
    page = texts(enterprise)
    for expected in ("省级任务要求 · 河北省生态环境厅", "按时完成", "王贵磊（0311-87908917）",
                     "市级任务要求 · 保定市生态环境局", "市级：请于10月底前公开审核信息", "袁喜全（0312-3037280）",
                     "县级任务要求 · 保定市生态环境局清苑区分局", "县级：按时接受任务", "李亚龙（0312-6788617）"):
        assert expected in page, expected
    assert "省级通知.pdf" in page
    assert len([d for d in enterprise.get("download_button") if d.proto.label == "下载"]) == 1  # the province's file
    inputs = {t.label: t for t in enterprise.text_input}
    inputs["项目负责人 *"].input("赵六")
    inputs["移动电话 *（可接收短信）"].input("13712345678")
    [b for b in enterprise.button if b.label == "确认接受"][0].click()
    enterprise.run()
    assert "已接受清审任务" in texts(enterprise)

    for login in (QINGYUAN, CITY):  # the county and the city find the leader in their enterprise list
        part_id = _part(login).id
        at = _open(login, "pages/notice_task.py", id=str(part_id))
        at.radio(key=f"notice_step_{part_id}").set_value("企业名单").run()
        listing = at.dataframe[1].value
        row = listing[listing["企业名称"] == "保定玖福食品有限公司"].iloc[0]
        assert (row["项目负责人"], row["移动电话"]) == ("赵六", "13712345678"), login
    county_part = _part(QINGYUAN).id
    at = _open(QINGYUAN, "pages/notice_task.py", id=str(county_part))
    at.radio(key=f"notice_step_{county_part}").set_value("企业告知书").run()
    assert list(at.dataframe[0].value["移动电话"]) == ["13712345678"]
