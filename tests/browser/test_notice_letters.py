"""告知书 in the browser: the county issues letters, uploads one stamped scan alone and another with the bulk
uploader (after its preview of the matching) and dispatches; the enterprise logs in and accepts."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core import notice
from core.db import unit_of_work
from core.notice_models import NoticeAssignment
from tests.app.conftest import activate
from tests.browser.conftest import ARTIFACTS, reran, settle
from tests.browser.test_roster_loop import agree, choose_step, expect, logout, press, upload
from tests.support.roster import CITY, PROVINCE, ZHUOZHOU, approved_task, user
from tests.unit.test_notice import form

pytestmark = pytest.mark.browser


def login(page, account: str, password: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="立即登录").click()


def credentials(pdf: bytes) -> tuple[str, str, str]:
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    number = text.split("编号：")[1][:15]
    return number, text.split("登录账户：")[1][:12], text.split("初始密码为：")[1][:12]


def test_county_issues_letters_and_the_enterprise_accepts(page, tmp_path):
    with unit_of_work() as s:
        task_id = approved_task(s)
        part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        city = s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == CITY))
        notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    activate(ZHUOZHOU)
    from tests.conftest import demo_password

    login(page, ZHUOZHOU, demo_password(ZHUOZHOU))
    page.get_by_text("欢迎，").first.wait_for()
    with reran(page):
        page.get_by_role("link", name="清审任务管理").first.click()
    press(page, "详情")
    choose_step(page, "企业告知书")
    press(page, "生成告知书（2 份）")
    expect(page, "已生成 2 份告知书")
    page.get_by_role("button", name="下载合并 PDF（打印用）").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "notice_letters_issued.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 ZIP（2 份）").click()
    archive = tmp_path / "letters.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        letters = {name: z.read(name) for name in z.namelist()}
    assert len(letters) == 2
    # The merged PDF is built when its button is clicked: every letter's pages, in one file.
    with page.expect_download() as download:
        page.get_by_role("button", name="下载合并 PDF（打印用）").click()
    merged = PdfReader(download.value.path())
    assert len(merged.pages) == sum(len(PdfReader(io.BytesIO(pdf)).pages) for pdf in letters.values())
    accounts = [credentials(pdf)[1:] for pdf in letters.values()]
    (first, first_pdf), (second, second_pdf) = ((credentials(pdf)[0], pdf) for pdf in letters.values())
    # The first letter one by one: pick the enterprise, then its scan.
    stamped = tmp_path / f"盖章_{first}.pdf"
    stamped.write_bytes(first_pdf)  # stands in for the stamped scan
    settle(page)
    box = page.get_by_label("企业", exact=True)
    chosen = first in box.input_value()  # the combobox shows the chosen letter as its value
    box.click()
    box.fill(first)
    page.get_by_role("option").filter(has_text=first).first.wait_for()
    with reran(page, when=not chosen):  # choosing the letter already chosen runs nothing
        box.press("Enter")
    box.press("Escape")
    upload(page, "盖章扫描件（PDF", stamped)
    press(page, "上传盖章版")
    expect(page, "的盖章告知书")
    # The second with the bulk uploader, beside a scan whose name carries no letter number: the preview
    # says which is which, and only the matched one is stored.
    matched, stray = tmp_path / f"告知书_{second}_盖章.pdf", tmp_path / "扫描说明.pdf"
    matched.write_bytes(second_pdf)
    stray.write_bytes(second_pdf)
    upload(page, "盖章扫描件（可多选）", matched, stray)
    expect(page, "共 2 个文件：已匹配 1 个，1 个不会上传")
    page.screenshot(path=str(ARTIFACTS / "notice_bulk_preview.png"), full_page=True)
    press(page, "确认上传已匹配的 1 个文件")
    expect(page, "已上传 1 份盖章告知书")
    expect(page, "未上传 1 个文件：“扫描说明.pdf”：未匹配")
    with unit_of_work() as s:
        county = s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == ZHUOZHOU))
        scans = notice.stamped_scans(s, [x.id for x in notice.letters_in(s, county)])
        assert sorted(a.original_name for a in scans.values()) == sorted([stamped.name, matched.name])
    choose_step(page, "下发任务")
    agree(page)
    press(page, "下发任务")
    expect(page, "任务已下发至企业")
    page.screenshot(path=str(ARTIFACTS / "notice_county_dispatched.png"), full_page=True)
    logout(page)

    account, password = accounts[0]
    login(page, account, password)
    expect(page, "为保障账户安全")
    page.get_by_label("当前密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("Qiye#2026abc")
    page.get_by_label("确认新密码").fill("Qiye#2026abc")
    press(page, "确认修改")
    page.get_by_text("欢迎，").first.wait_for()
    page.get_by_role("link", name="接受清审任务").first.click()
    settle(page)
    page.get_by_label("项目负责人 *").fill("张三")
    page.get_by_label("移动电话 *（可接收短信）").fill("1381234567")
    press(page, "确认接受")
    expect(page, "正确的 11 位手机号码")
    page.get_by_label("移动电话 *（可接收短信）").fill("13812345678")
    press(page, "确认接受")
    expect(page, "已接受清审任务")
    page.screenshot(path=str(ARTIFACTS / "notice_enterprise_accepted.png"), full_page=True)
