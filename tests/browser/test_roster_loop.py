"""The roster loop in the browser: province -> city -> county -> city (return) -> county -> city -> province."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import attachments
from core.db import unit_of_work
from core.workflow_models import RosterAssignment
from tests.app.conftest import activate
from tests.browser.conftest import ARTIFACTS, choose_radio, reran, settle
from tests.conftest import demo_password
from tests.support.roster import CITY, HEADER, PROVINCE, ZHUOZHOU, pdf_bytes, png_bytes

pytestmark = pytest.mark.browser

TASK = "2021年白洋淀流域第二批涉水企业名单核定"
# Two enterprises of seed 001's list, both in 涿州市: the city dispatches to that county only.
LIST = HEADER + (
    "6,涿州市飞耀金属制品有限公司,保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅\n"
    "12,涿州迅利达创新科技发展有限公司,保定市,涿州市,仪器仪表制造业,光学仪器制造,保定市生态环境分局\n"
)


def login(page, account: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(demo_password(account))
    page.get_by_role("button", name="立即登录").click()
    page.get_by_text("欢迎，").first.wait_for()


def logout(page) -> None:
    settle(page)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("用户登录").first.wait_for()


def open_task(page, step: str | None = None) -> None:
    with reran(page):
        page.get_by_role("link", name="名单核定任务").first.click()
    page.get_by_role("button", name="详情").first.click()
    page.get_by_text("办理步骤").first.wait_for()
    if step:
        choose_step(page, step)


def choose_step(page, step: str) -> None:
    choose_radio(page, page.locator('[data-testid="stRadio"]').filter(has_text="办理步骤"), step)


def choose_action(page, action: str) -> None:
    choose_radio(page, page.locator('[data-testid="stRadio"]').filter(has_text="核定操作"), action)


def press(page, name: str) -> None:
    with reran(page):
        page.get_by_role("button", name=name, exact=True).first.click()


def tick(page, label: str) -> None:
    with reran(page):
        page.get_by_text(label, exact=True).click()


def agree(page) -> None:
    tick(page, "我同意上述内容")


def leave(page, label: str, text: str) -> None:
    """Type `text` into the field labelled `label` and leave it, which sends it (one run)."""
    with reran(page):
        box = page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Tab")


def upload(page, label: str, *paths) -> None:
    """Put files into the uploader whose label starts with `label`, as a user picking them would.

    The upload is done when the uploader lists every file. (A text typed just before must have been
    sent first, with `leave`: a run it starts meanwhile would redraw the uploader.)
    """
    box = page.locator('[data-testid="stFileUploader"]').filter(has_text=label).first
    with reran(page):  # the uploader runs the script once it has the files
        box.locator('input[type="file"]').set_input_files([str(p) for p in paths])
    for path in paths:
        box.get_by_text(path.stem[:6]).first.wait_for()


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the selectbox or multiselect labelled `label`."""
    settle(page)
    box = page.get_by_label(label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.wait_for()
    with reran(page):
        box.press("Enter")
    box.press("Escape")


def expect(page, text: str) -> None:
    page.get_by_text(text).first.wait_for()


def test_the_roster_loop_with_exclusion_addition_and_rework(page, tmp_path):
    for account in (PROVINCE, CITY, ZHUOZHOU):
        activate(account)
    files = {"list": tmp_path / "省级名单.csv", "proof": tmp_path / "关停证明.pdf",
             "photo": tmp_path / "现场照片.png", "final": tmp_path / "涿州最终名单.pdf",
             "city": tmp_path / "保定市核定要求.pdf"}
    files["list"].write_text(LIST, encoding="utf-8")
    files["proof"].write_bytes(pdf_bytes())
    files["photo"].write_bytes(png_bytes())
    files["final"].write_bytes(pdf_bytes(2))
    files["city"].write_bytes(pdf_bytes(3))

    # Province: create the task, import its list, dispatch to the city.
    login(page, PROVINCE)
    with reran(page):
        page.get_by_role("link", name="名单核定任务").first.click()
    page.get_by_text("新建名单核定任务").first.click()
    page.get_by_label("任务名称 *").fill(TASK)
    page.get_by_label("批次 *").fill("第二批")
    press(page, "创建任务")
    expect(page, "任务已创建")
    choose_step(page, "企业名单")
    upload(page, "选择名单文件", files["list"])
    expect(page, "共 2 行，全部检查通过")
    press(page, "导入 2 家企业")
    expect(page, "名单已导入：新增 2 家企业")
    choose_step(page, "下发任务")
    agree(page)
    press(page, "下发任务")
    expect(page, "任务已下发至地市")
    logout(page)

    # City: its own requirements, then dispatch to 涿州市 (the county concerned).
    login(page, CITY)
    open_task(page, "市级任务")
    leave(page, "本级任务要求", "请于10日内完成核实")
    upload(page, "上传任务文件", files["city"])  # chosen, but not sent with 上传该文件
    press(page, "下一步")
    expect(page, "本级任务要求已保存，并已上传“保定市核定要求.pdf”")
    with unit_of_work() as s:  # the file went with the step, not lost
        city_part = s.scalar(select(RosterAssignment).where(RosterAssignment.division_code == CITY))
        assert [a.original_name for a in attachments.of(s, "roster_assignment", city_part.id)] == ["保定市核定要求.pdf"]
    choose_step(page, "下发任务")
    expect(page, "将下发至以下 1 个区县")
    agree(page)
    press(page, "下发任务")
    expect(page, "任务已下发至区县")
    logout(page)

    # County: one enterprise 否 with evidence, one added from the directory, submit.
    login(page, ZHUOZHOU)
    open_task(page, "企业清单")
    pick(page, "选择企业（可多选）", "涿州市飞耀金属制品有限公司 · 涿州市")
    leave(page, "情况说明 *", "该企业已于2021年3月关停")
    upload(page, "佐证材料", files["proof"])
    press(page, "标注为“否”")
    expect(page, "已将 1 家企业标注为“否”")
    choose_action(page, "增补企业")
    page.get_by_label("企业名称（输入名称中的文字查找）").fill("清雅义齿")
    with reran(page):
        page.keyboard.press("Enter")
    press(page, "增补到名单")
    expect(page, "已增补“涿州市清雅义齿制作有限公司")
    choose_step(page, "提交任务")
    expect(page, "本级最终名单共 2 家企业")
    upload(page, "上传最终名单", files["final"])
    agree(page)
    press(page, "提交至地市")
    expect(page, "任务已提交至地市")
    logout(page)

    # City: return it with a comment.
    login(page, CITY)
    open_task(page, "区县核定情况")
    expect(page, "标注否：涿州市飞耀金属制品有限公司")
    page.get_by_label("审核意见（退回时必填）").fill("请补充现场照片作为佐证")
    tick(page, "我已审核该单位提交的名单和材料")
    press(page, "退回整改")
    expect(page, "已将任务退回涿州市整改")
    logout(page)

    # County: sees the comment, reworks (adds a photo by marking again) and resubmits.
    login(page, ZHUOZHOU)
    open_task(page)
    expect(page, "请补充现场照片作为佐证")
    choose_step(page, "企业清单")
    pick(page, "选择企业（可多选）", "涿州市飞耀金属制品有限公司（否） · 涿州市")
    choose_action(page, "恢复列入")
    press(page, "恢复列入所选企业")
    expect(page, "已恢复 1 家企业")
    choose_action(page, "标注“否”")
    pick(page, "选择企业（可多选）", "涿州市飞耀金属制品有限公司 · 涿州市")
    leave(page, "情况说明 *", "该企业已于2021年3月关停，附现场照片")
    upload(page, "佐证材料", files["proof"], files["photo"])
    press(page, "标注为“否”")
    expect(page, "已将 1 家企业标注为“否”")
    choose_step(page, "提交任务")
    upload(page, "上传最终名单", files["final"])
    agree(page)
    press(page, "提交至地市")
    expect(page, "任务已提交至地市")
    logout(page)

    # City: approve, then submit to the province with its stamped list.
    login(page, CITY)
    open_task(page, "区县核定情况")
    tick(page, "我已审核该单位提交的名单和材料")
    press(page, "审核通过")
    expect(page, "已审核通过涿州市的名单")
    choose_step(page, "提交任务")
    upload(page, "上传最终名单", files["final"])
    agree(page)
    press(page, "提交至省级")
    expect(page, "任务已提交至省级")
    logout(page)

    # Province: approve the city and fix the final roster.
    login(page, PROVINCE)
    open_task(page, "地市核定情况")
    tick(page, "我已审核该单位提交的名单和材料")
    press(page, "审核通过")
    expect(page, "已审核通过保定市的名单")
    choose_step(page, "最终名单")
    agree(page)
    press(page, "确定最终名单")
    expect(page, "最终名单已确定")
    expect(page, "共 2 家企业")
    page.screenshot(path=str(ARTIFACTS / "roster_final.png"), full_page=True)
