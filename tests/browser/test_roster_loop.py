"""The roster loop in the browser: province -> city -> county -> city (return) -> county -> city -> province."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import attachments
from core.db import unit_of_work
from core.workflow_models import RosterAssignment
from tests.app.conftest import activate
from tests.browser.conftest import ARTIFACTS, choose_radio, pick_option, reran, settle
from tests.conftest import demo_password
from tests.support.roster import CITY, HEADER, PROVINCE, QINGYUAN, ZHUOZHOU, pdf_bytes, png_bytes

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

    # County: sees the comment, reworks (the 否 keeps its reason and file; a photo is added) and resubmits.
    login(page, ZHUOZHOU)
    open_task(page)
    expect(page, "请补充现场照片作为佐证")
    choose_step(page, "企业清单")
    choose_action(page, "修改“否”的说明和佐证")
    expect(page, "保留：关停证明.pdf")
    assert page.get_by_label("情况说明 *", exact=True).input_value() == "该企业已于2021年3月关停"
    upload(page, "补充佐证材料", files["photo"])
    press(page, "保存修改")
    expect(page, "已修改“涿州市飞耀金属制品有限公司”的情况说明和佐证材料")
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


def test_a_county_submits_an_unchanged_list_at_once_and_the_city_approves_two_together(page, tmp_path):
    from core import roster
    from core.workflow_models import RosterStatus
    from tests.support.roster import new_task, part, user

    for account in (CITY, ZHUOZHOU):
        activate(account)
    with unit_of_work() as s:  # the small list (涿州 2, 清苑 1) dispatched to both; 清苑 has submitted
        province_part = new_task(s, name=TASK)
        task_id = province_part.task_id
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_part = part(s, task_id, CITY)
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
        qingyuan = part(s, task_id, QINGYUAN)
        roster.submit(s, user(s, QINGYUAN), qingyuan.id, qingyuan.version, agreed=True,
                      final_list_name="清苑最终名单.pdf", final_list=pdf_bytes())
    final = tmp_path / "涿州最终名单.pdf"
    final.write_bytes(pdf_bytes(2))

    # County: nothing to change, so the stamped list and the statement on the task's first screen.
    login(page, ZHUOZHOU)
    open_task(page)
    expect(page, "名单无变化？直接提交")
    upload(page, "上传最终名单", final)
    agree(page)
    press(page, "名单无变化，直接提交")
    expect(page, "名单无变化，任务已提交至地市")
    logout(page)

    # City: both counties approved in one step, with the statement and a confirmation.
    login(page, CITY)
    open_task(page, "区县核定情况")
    expect(page, "批量审核通过（2 个区县待审核）")
    box = page.get_by_label("选择要审核通过的区县")
    for name in ("涿州市（名单无变化）", "清苑区（名单无变化）"):
        with reran(page):
            pick_option(page, box, name)
    agree(page)
    tick(page, "确认审核通过所选的 2 个区县")
    press(page, "批量审核通过")
    expect(page, "已审核通过 2 个区县：清苑区、涿州市")
    page.screenshot(path=str(ARTIFACTS / "roster_bulk_approval.png"), full_page=True)
    with unit_of_work() as s:
        assert {part(s, task_id, c).status for c in (ZHUOZHOU, QINGYUAN)} == {RosterStatus.APPROVED}
