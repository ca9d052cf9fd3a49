"""排污许可与信息公开 (enterprise) and 许可与公开跟踪 (county) screens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import unit_of_work
from core.disclosure_models import DisclosureChannel, PermitClass, PermitRecord
from core.startup_fields import today
from tests.app.conftest import click, open_as, texts
from tests.support.projects import accepted_project
from tests.support.roster import CITY, QINGYUAN, pdf_bytes, png_bytes, user

NUMBER = "91130608MA07ABCD1X001P"


def test_the_enterprise_records_its_permit_and_the_county_confirms_it(db):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        pid, login = project.id, enterprise.login

    at = open_as(login, "pages/disclosure.py")
    assert "未填报" in texts(at)
    at.text_input(key=f"permit_number_{pid}_0").input(NUMBER)
    at.selectbox(key=f"permit_class_{pid}_0").set_value(PermitClass.KEY)
    at.radio(key=f"permit_written_{pid}_0").set_value("是")
    at.date_input(key=f"permit_written_on_{pid}_0").set_value(today() + timedelta(days=3))
    at.file_uploader(key=f"permit_upload_{pid}_0").set_value([("排污许可证.pdf", pdf_bytes(), "application/pdf")])
    at = click(at, "保存排污许可证信息")
    assert "写入日期不能晚于今天" in texts(at)
    with unit_of_work() as s:
        assert s.scalar(select(PermitRecord)) is None
    assert at.text_input(key=f"permit_number_{pid}_0").value == NUMBER  # what was typed stays

    written_on = today() - timedelta(days=10)
    at.date_input(key=f"permit_written_on_{pid}_0").set_value(written_on)
    at.file_uploader(key=f"permit_upload_{pid}_0").set_value([("排污许可证.pdf", pdf_bytes(), "application/pdf")])
    at = click(at, "保存排污许可证信息")
    assert "排污许可证信息已保存" in texts(at), texts(at)
    assert "已填报待确认" in texts(at) and "排污许可证.pdf" in texts(at)

    county = open_as(QINGYUAN, "pages/disclosure_tracking.py")
    [row] = county.dataframe[0].value.to_dict("records")
    assert (row["企业名称"], row["排污许可证"], row["许可证编号"], row["写入日期"], row["填报方"]) == (
        "保定玖福食品有限公司", "已填报待确认", NUMBER, written_on.isoformat(), "企业")
    county.selectbox(key="track_pick").set_value(pid).run()
    assert "排污许可证.pdf" in texts(county)
    county = click(county, "确认")
    assert "请先阅读并勾选" in texts(county)
    county.checkbox(key=f"track_confirm_agree_{pid}").check().run()
    county = click(county, "确认")
    assert "已确认排污许可证信息" in texts(county)
    assert county.dataframe[0].value["排污许可证"].tolist() == ["已确认"]
    with unit_of_work() as s:
        record = s.scalar(select(PermitRecord))
        assert (record.permit_number, record.written_on, record.confirmed_at is not None) == (NUMBER, written_on, True)

    at = open_as(login, "pages/disclosure.py")
    assert "企业不能再修改" in texts(at)
    assert not [b for b in at.button if b.label == "保存排污许可证信息"]


def test_the_enterprise_records_a_disclosure_that_the_city_sees(db):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        pid, login = project.id, enterprise.login
        user(s, CITY)

    at = open_as(login, "pages/disclosure.py")
    at.selectbox(key=f"disclosure_channel_{pid}_0").set_value(DisclosureChannel.ENTERPRISE_SITE)
    at.text_input(key=f"disclosure_location_{pid}_0").input("www.jiufu-food.com/gs")
    at.date_input(key=f"disclosure_on_{pid}_0").set_value(today() - timedelta(days=1))
    at.file_uploader(key=f"disclosure_upload_{pid}_0").set_value([("网页截图.png", png_bytes(), "image/png")])
    at = click(at, "登记信息公开")
    assert "企业网站的网址应以 http:// 或 https:// 开头" in texts(at)
    at.text_input(key=f"disclosure_location_{pid}_0").input("https://www.jiufu-food.com/gs")
    at.file_uploader(key=f"disclosure_upload_{pid}_0").set_value([("网页截图.png", png_bytes(), "image/png")])
    at = click(at, "登记信息公开")
    assert "已登记信息公开" in texts(at) and "已登记 **1** 次公开" in texts(at) and "网页截图.png" in texts(at)

    city = open_as(CITY, "pages/disclosure_tracking.py")
    [row] = city.dataframe[0].value.to_dict("records")
    assert (row["排污许可证"], row["信息公开次数"], row["最近公开日期"], row["逾期"]) == (
        "未填报", 1, (today() - timedelta(days=1)).isoformat(), "")
    city.selectbox(key="track_pick").set_value(pid).run()
    assert "网页截图.png" in texts(city) and "企业尚未填报排污许可证信息" in texts(city)
    assert not [b for b in city.button if b.label in ("确认", "保存排污许可证信息")]  # the city only looks


def test_the_audit_contract_uploaded_after_the_startup_is_previewed_by_the_county(db):
    from core.models import utcnow
    from core.project_models import AuditMode

    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        project.startup_submitted_at, project.audit_mode = utcnow(), AuditMode.CONSULTANCY
        pid, login = project.id, enterprise.login

    at = open_as(login, "pages/project_startup.py")
    assert "尚未上传审核合同" in texts(at)
    at.file_uploader(key=f"contract_upload_{pid}_0").set_value([
        ("审核合同.pdf", pdf_bytes(4), "application/pdf"), ("说明.pdf", b"hello", "application/pdf")]).run()
    at = click(at, "上传合同")
    shown = texts(at)
    assert "已上传 1 个合同文件" in shown and "未上传 1 个文件" in shown and "说明.pdf" in shown
    assert "审核合同.pdf" in shown and "尚未上传审核合同" not in shown

    county = open_as(QINGYUAN, "pages/disclosure_tracking.py")
    county.selectbox(key="track_pick").set_value(pid).run()
    assert "清洁生产审核合同" in texts(county) and "审核合同.pdf" in texts(county)
    assert not county.get("image")
    [toggle] = [t for t in county.toggle if t.label == "预览"]
    toggle.set_value(True).run()
    assert "共 4 页，预览前 3 页，完整内容请下载" in texts(county)
    assert len(county.get("image")) == 3  # the first three pages, drawn
