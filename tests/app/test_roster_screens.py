"""The roster task screens, driven as each department would use them."""

from __future__ import annotations

from datetime import date, timedelta

from core import roster
from core.db import unit_of_work
from core.demo import ROSTER_CSV
from core.workflow_models import RosterStatus
from tests.app.conftest import activate, click, sign_in_as, texts
from tests.conftest import demo_password
from tests.support.roster import CITY, PROVINCE, ZHUOZHOU, new_task, part, pdf_bytes, png_bytes, user


def _open(account: str, page: str = "pages/roster_tasks.py", **query):
    activate(account)
    at = sign_in_as(account, demo_password(account)).run()
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _detail(account: str, assignment_id: int):
    return _open(account, "pages/roster_task.py", id=str(assignment_id))


def test_province_creates_a_task_and_imports_the_seed_list(db):
    at = _open(PROVINCE)
    assert "没有符合条件的名单核定任务" in texts(at)
    at.text_input[0].input("2021年白洋淀流域第二批涉水企业名单核定")
    at.text_input[1].input("第二批")
    at.date_input[0].set_value(date.today() + timedelta(days=20))
    [b for b in at.button if b.label == "创建任务"][0].click()
    at.run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        [mine] = roster.task_list(s, user(s, PROVINCE))
    at = _detail(PROVINCE, mine.id)
    at.radio(key=f"roster_step_{mine.id}").set_value("企业名单").run()
    at.file_uploader[0].set_value(("名单.csv", ROSTER_CSV.read_bytes(), "text/csv")).run()
    shown = texts(at)
    assert "共 77 行，其中 2 行需要处理" in shown, shown
    import_button = [b for b in at.button if b.label == "导入 77 家企业"][0]
    assert import_button.disabled
    confirmed = 0
    while boxes := [s for s in at.selectbox if s.key and s.key.startswith(f"confirm_{mine.id}_")]:
        boxes[0].set_value(boxes[0].options[1]).run()  # the best proposal, as a person would confirm it
        confirmed += 1
    assert confirmed == 2
    at = click(at, "导入 77 家企业")
    assert "新增 77 家企业（其中 0 家新加入企业名录）" in texts(at)
    assert "共 77 家企业，当前第 1 页" in texts(at)
    first = list(at.dataframe[0].value["序号"])
    assert len(first) == 50  # a page; the list is read from the database a page at a time
    at.number_input(key=f"list_page_{mine.id}").set_value(2).run()
    second = list(at.dataframe[0].value["序号"])
    assert len(second) == 27 and sorted(first + second) == list(range(1, 78))


def _dispatched_to_counties():
    """A task the province and the city have dispatched: 涿州 and 清苑 hold it."""
    with unit_of_work() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_part = part(s, province_part.task_id, CITY)
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
        return province_part.task_id, city_part.id, part(s, province_part.task_id, ZHUOZHOU).id


def _step(at, assignment_id: int, step: str):
    at.radio(key=f"roster_step_{assignment_id}").set_value(step).run()
    assert not at.exception, at.exception
    return at


def test_city_list_filters_by_status(db):
    with unit_of_work() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
    at = _open(CITY)
    assert "共 **1** 项任务" in texts(at) and "待确认" in texts(at)
    at.radio(key="roster_status_filter").set_value("已提交").run()
    assert "没有符合条件的名单核定任务" in texts(at)
    at.radio(key="roster_status_filter").set_value("待确认").run()
    assert "共 **1** 项任务" in texts(at)


def test_city_saves_its_requirements_on_next_and_dispatch_needs_the_statement(db):
    with unit_of_work() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_id = part(s, province_part.task_id, CITY).id
    at = _step(_detail(CITY, city_id), city_id, "市级任务")
    at.text_area(key=f"req_text_{city_id}").input("请于10日内完成核实").run()
    at = click(at, "下一步")
    assert "本级任务要求已保存" in texts(at)
    assert at.radio(key=f"roster_step_{city_id}").value == "企业清单"
    at = _step(at, city_id, "下发任务")
    at = click(at, "下发任务")
    assert "请先阅读并勾选“我同意上述内容”" in texts(at)
    with unit_of_work() as s:
        city_part = part(s, province_part.task_id, CITY)
        assert city_part.status is RosterStatus.PENDING and city_part.requirements == "请于10日内完成核实"
    at.checkbox(key=f"dispatch_agree_{city_id}").check().run()
    at = click(at, "下发任务")
    assert "任务已下发至区县" in texts(at)
    with unit_of_work() as s:
        assert part(s, province_part.task_id, ZHUOZHOU).status is RosterStatus.PENDING


def test_county_marking_no_needs_evidence_and_keeps_what_was_typed(db):
    _, _, county_id = _dispatched_to_counties()
    at = _step(_detail(ZHUOZHOU, county_id), county_id, "企业清单")
    select = at.multiselect(key=f"sel_{county_id}_0")
    entry_id = next(o for o in select.options if "飞耀" in o)
    select.select(entry_id).run()
    at.text_area(key=f"reason_{county_id}_0").input("该企业已关停").run()
    at = click(at, "标注为“否”")
    assert "请上传至少一份佐证材料" in texts(at)
    assert at.text_area(key=f"reason_{county_id}_0").value == "该企业已关停"
    at.file_uploader(key=f"evidence_{county_id}_0").set_value([("关停证明.pdf", pdf_bytes(), "application/pdf")])
    at.run()
    at = click(at, "标注为“否”")
    assert "已将 1 家企业标注为“否”" in texts(at)
    assert "否" in at.dataframe[0].value.set_index("企业名称").loc["涿州市飞耀金属制品有限公司", "是否列入"]


def test_county_is_told_to_ask_the_platform_for_an_unknown_enterprise(db):
    _, _, county_id = _dispatched_to_counties()
    at = _step(_detail(ZHUOZHOU, county_id), county_id, "企业清单")
    at.radio(key=f"action_{county_id}").set_value("增补企业").run()
    at.text_input(key=f"add_text_{county_id}").input("不存在的某某化工厂").run()
    assert "河北省污染源环境管理数据平台" in texts(at)


def test_a_second_user_of_the_department_does_not_overwrite_the_first(db):
    _, _, county_id = _dispatched_to_counties()
    first = _step(_detail(ZHUOZHOU, county_id), county_id, "企业清单")
    second = _step(_detail(ZHUOZHOU, county_id), county_id, "企业清单")
    for at, reason in ((first, "已关停"), (second, "已搬迁至外省")):
        select = at.multiselect(key=f"sel_{county_id}_0")
        select.select(next(o for o in select.options if "飞耀" in o)).run()
        at.text_area(key=f"reason_{county_id}_0").input(reason).run()
        at.file_uploader(key=f"evidence_{county_id}_0").set_value([("证明.pdf", pdf_bytes(), "application/pdf")])
        at.run()
    first = click(first, "标注为“否”")
    assert "已将 1 家企业标注为“否”" in texts(first)
    second = click(second, "标注为“否”")
    assert "已被本部门其他用户修改" in texts(second)
    assert second.text_area(key=f"reason_{county_id}_0").value == "已搬迁至外省"
    with unit_of_work() as s:
        from core.workflow_models import RosterEntry

        excluded = [e for e in s.query(RosterEntry) if not e.included]
        assert [e.exclusion_reason for e in excluded] == ["已关停"]


def test_a_return_needs_a_comment_and_changes_nothing_without_one(db):
    task_id, city_id, county_id = _dispatched_to_counties()
    with unit_of_work() as s:
        county_part = part(s, task_id, ZHUOZHOU)
        roster.submit(s, user(s, ZHUOZHOU), county_part.id, county_part.version, agreed=True,
                      final_list_name="最终名单.pdf", final_list=pdf_bytes())
    at = _step(_detail(CITY, city_id), city_id, "区县核定情况")
    progress = at.dataframe[0].value.set_index("区县")["状态"]
    assert progress.to_dict() == {"清苑区": "待确认", "涿州市": "已提交"}
    at.checkbox(key=f"review_confirm_{county_id}").check().run()
    at = click(at, "退回整改")
    assert "退回时必须填写审核意见" in texts(at)
    with unit_of_work() as s:
        assert part(s, task_id, ZHUOZHOU).status is RosterStatus.SUBMITTED
    at.text_area(key=f"review_comment_{county_id}").input("请补充佐证材料").run()
    at = click(at, "退回整改")
    assert "已将任务退回涿州市整改" in texts(at)
    county = _detail(ZHUOZHOU, county_id)
    assert "请补充佐证材料" in texts(county) and "已退回" in texts(county)


def test_county_submission_needs_the_stamped_list(db):
    task_id, _, county_id = _dispatched_to_counties()
    at = _step(_detail(ZHUOZHOU, county_id), county_id, "提交任务")
    assert "本级最终名单共 **2** 家企业" in texts(at)
    at.checkbox(key=f"submit_agree_{county_id}").check().run()
    at = click(at, "提交至地市")
    assert "请上传本级最终名单的盖章扫描件" in texts(at)
    at.file_uploader(key=f"final_upload_{county_id}").set_value(("名单.exe.pdf", b"MZ" + b"\0" * 64,
                                                                 "application/pdf"))
    at.run()
    at = click(at, "提交至地市")
    assert "文件内容不是允许的格式" in texts(at)
    with unit_of_work() as s:
        assert part(s, task_id, ZHUOZHOU).status is RosterStatus.PENDING


def test_a_county_cannot_open_another_countys_task(db):
    _, _, county_id = _dispatched_to_counties()
    at = _detail("130606", county_id)  # 莲池区
    assert "无权" in texts(at)


def test_province_sees_row_errors_of_a_broken_list_and_cannot_import_it(db):
    with unit_of_work() as s:
        province_part = roster.create_task(s, user(s, PROVINCE), name="测试任务", batch="第一批",
                                           requirements="", deadline=date.today() + timedelta(days=5))
        assignment_id = province_part.id
    broken = ("序号,企业名称,所属城市,所属区县,行业大类名称,行业名称,负责评估验收部门,统一社会信用代码\n"
              "1,甲公司,保定市,莲花区,金属制品业,金属结构制造,保定市生态环境局,\n"
              "2,乙公司,保定市,莲池区,金属制品业,金属结构制造,保定市生态环境局,91110108551385082R\n"
              "3,乙公司,保定市,莲池区,金属制品业,金属结构制造,某某单位,\n")
    at = _step(_detail(PROVINCE, assignment_id), assignment_id, "企业名单")
    at.file_uploader(key=f"import_file_{assignment_id}_0").set_value(("名单.csv", broken.encode("gbk"), "text/csv"))
    at.run()
    assert "共 3 行，其中 3 行需要处理" in texts(at)
    results = at.dataframe[0].value.set_index("行号")["检查结果"]
    assert "莲花区" in results[2]
    assert "统一社会信用代码校验位不正确" in results[3]
    assert "重复" in results[4] and "负责评估验收部门" in results[4]
    assert [b for b in at.button if b.label == "导入 3 家企业"][0].disabled


def test_province_adds_an_enterprise_to_the_directory(db):
    at = _open(PROVINCE, "pages/enterprise_directory.py")
    form_inputs = [t for t in at.text_input if t.label == "企业名称 *"]
    form_inputs[0].input("保定某某新材料有限公司")
    [s for s in at.selectbox if s.label == "所属区县 *"][0].set_value("130681")
    [s for s in at.selectbox if s.label == "行业小类 *"][0].set_value("3311")
    [b for b in at.button if b.label == "保存到企业名录"][0].click()
    at.run()
    assert "已将“保定某某新材料有限公司”加入企业名录" in texts(at)
    at.text_input(key="dir_name").input("某某新材料").run()
    assert "共检索到 **1** 条记录" in texts(at)


def test_home_page_lists_the_roster_tasks_waiting_for_the_department(db):
    with unit_of_work() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
    at = _open(CITY, "pages/home.py")
    assert "您有 **1** 项名单核定任务待办理" in texts(at)
    at = _open(ZHUOZHOU, "pages/home.py")
    assert "名单核定任务待办理" not in texts(at)


# --- short paths and the full review (issue "What officials hit in a real campaign") -------------------

def _submitted(task_id: int, *counties: str) -> None:
    with unit_of_work() as s:
        for code in counties:
            own = part(s, task_id, code)
            roster.submit(s, user(s, code), own.id, own.version, agreed=True, final_list_name="最终名单.pdf",
                          final_list=pdf_bytes())


def test_county_with_nothing_to_change_submits_from_the_first_screen(db):
    task_id, _, county_id = _dispatched_to_counties()
    at = _detail(ZHUOZHOU, county_id)
    assert at.radio(key=f"roster_step_{county_id}").value == "上级任务"
    assert "名单无变化？直接提交" in texts(at) and "地市下发的名单共 **2** 家企业" in texts(at)
    at = click(at, "名单无变化，直接提交")
    assert "请先阅读并勾选“我同意上述内容”" in texts(at)
    at.checkbox(key=f"quick_agree_{county_id}").check().run()
    at = click(at, "名单无变化，直接提交")
    assert "请上传本级最终名单的盖章扫描件" in texts(at)
    with unit_of_work() as s:
        assert part(s, task_id, ZHUOZHOU).status is RosterStatus.PENDING
    at.file_uploader(key=f"quick_upload_{county_id}").set_value(("涿州最终名单.pdf", pdf_bytes(), "application/pdf"))
    at.run()
    at = click(at, "名单无变化，直接提交")
    assert "名单无变化，任务已提交至地市" in texts(at)
    with unit_of_work() as s:
        assert part(s, task_id, ZHUOZHOU).status is RosterStatus.SUBMITTED
    assert not [b for b in at.button if b.label == "名单无变化，直接提交"]


def test_county_that_changed_its_list_is_sent_to_the_submit_step(db):
    from core import roster_list
    from tests.support.roster import entries

    task_id, _, county_id = _dispatched_to_counties()
    with unit_of_work() as s:
        entry = entries(s, user(s, ZHUOZHOU), part(s, task_id, ZHUOZHOU))[0]
        roster_list.set_flags(s, user(s, ZHUOZHOU), [(entry.id, entry.version)], double_toxic=True)
    at = _detail(ZHUOZHOU, county_id)
    assert "本级名单已有 1 家企业被标注“否”、增补或修正" in texts(at)
    assert not [b for b in at.button if b.label == "名单无变化，直接提交"]


def test_city_review_shows_corrections_before_and_after(db):
    from core import roster_list
    from tests.support.roster import entries

    task_id, city_id, county_id = _dispatched_to_counties()
    with unit_of_work() as s:
        county = user(s, ZHUOZHOU)
        xunlida = next(e for e in entries(s, county, part(s, task_id, ZHUOZHOU)) if "迅利达" in e.enterprise.name)
        roster_list.set_flags(s, county, [(xunlida.id, xunlida.version)], double_exceed=True)
    _submitted(task_id, ZHUOZHOU)
    at = _step(_detail(CITY, city_id), city_id, "区县核定情况")
    assert at.dataframe[0].value.set_index("区县").loc["涿州市", "变更企业"] == 1
    assert "**该单位对名单的变更**（标注“否”、增补、修正，共 1 家企业）" in texts(at)
    [expander] = [e for e in at.expander if "迅利达" in e.label]
    assert expander.label.startswith("修正：")
    table = expander.dataframe[0].value
    assert table.to_dict("records") == [{"修正项目": "是否双超", "修正前": "否", "修正后": "是"}]


def test_city_approves_several_counties_at_once(db):
    task_id, city_id, county_id = _dispatched_to_counties()
    _submitted(task_id, ZHUOZHOU, "130608")
    at = _step(_detail(CITY, city_id), city_id, "区县核定情况")
    assert "批量审核通过（2 个区县待审核）" in texts(at)
    with unit_of_work() as s:
        waiting = [part(s, task_id, c).id for c in (ZHUOZHOU, "130608")]
    pick = at.multiselect(key=f"bulk_pick_{city_id}")
    for child_id in waiting:
        pick.select(child_id)
    at.run()
    at.checkbox(key=f"bulk_agree_{city_id}").check().run()
    assert [b for b in at.button if b.label == "批量审核通过"][0].disabled  # not yet confirmed
    at.checkbox(key=f"bulk_confirm_{city_id}").check().run()
    at = click(at, "批量审核通过")
    assert "已审核通过 2 个区县：清苑区、涿州市" in texts(at), texts(at)
    with unit_of_work() as s:
        assert {part(s, task_id, c).status for c in (ZHUOZHOU, "130608")} == {RosterStatus.APPROVED}


def test_bulk_approval_without_the_statement_approves_nothing(db):
    task_id, city_id, _ = _dispatched_to_counties()
    _submitted(task_id, ZHUOZHOU, "130608")
    at = _step(_detail(CITY, city_id), city_id, "区县核定情况")
    with unit_of_work() as s:
        at.multiselect(key=f"bulk_pick_{city_id}").select(part(s, task_id, ZHUOZHOU).id).run()
    at.checkbox(key=f"bulk_confirm_{city_id}").check().run()
    at = click(at, "批量审核通过")
    assert "请先阅读并勾选“我同意上述内容”" in texts(at)
    with unit_of_work() as s:
        assert {part(s, task_id, c).status for c in (ZHUOZHOU, "130608")} == {RosterStatus.SUBMITTED}


def test_a_returned_no_is_revised_with_its_reason_and_files_kept(db):
    from core import roster_list, roster_reading
    from tests.support.roster import entries

    task_id, _, county_id = _dispatched_to_counties()
    with unit_of_work() as s:
        county = user(s, ZHUOZHOU)
        feiyao = next(e for e in entries(s, county, part(s, task_id, ZHUOZHOU)) if "飞耀" in e.enterprise.name)
        roster_list.mark_excluded(s, county, [(feiyao.id, feiyao.version)], "该企业已关停",
                                  [("关停证明.pdf", pdf_bytes())])
        entry_id = feiyao.id
    _submitted(task_id, ZHUOZHOU)
    with unit_of_work() as s:
        own = part(s, task_id, ZHUOZHOU)
        roster.review(s, user(s, "130600"), own.id, own.version, approve=False, comment="请补充现场照片")
    at = _step(_detail(ZHUOZHOU, county_id), county_id, "企业清单")
    at.radio(key=f"action_{county_id}").set_value("修改“否”的说明和佐证").run()
    [reason] = [t for t in at.text_area if t.label == "情况说明 *"]
    assert reason.value == "该企业已关停"  # prefilled, not typed again
    [keep] = [c for c in at.checkbox if "关停证明.pdf" in c.label]
    assert keep.value
    [files] = [u for u in at.file_uploader if u.label.startswith("补充佐证材料")]
    files.set_value([("现场照片.png", png_bytes(), "image/png")])
    at.run()
    at = click(at, "保存修改")
    assert "已修改“涿州市飞耀金属制品有限公司”的情况说明和佐证材料" in texts(at)
    with unit_of_work() as s:
        names = [a.original_name for a in roster_reading.evidence_of(s, [entry_id])[entry_id]]
        assert names == ["关停证明.pdf", "现场照片.png"]
