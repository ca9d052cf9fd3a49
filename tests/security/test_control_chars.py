"""Finding 8 of issue 12: control characters and over-long text are refused with a Chinese message.

Every free-text field of every core validator (and every search) is fed NUL, other C0 and C1 controls,
DEL and a lone surrogate, then text one character over its limit: each must be a ValidationError
(nothing written), on SQLite and PostgreSQL alike, never a database error. Behind the validators, the
engine refuses NUL in any statement's parameters (core.db), and an id in an address is read strictly.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import (
    applications,
    auth,
    cases,
    disclosure,
    enterprises,
    expert_draw,
    expert_import,
    experts,
    full_review,
    notice,
    options,
    permits,
    roster,
    roster_list,
    roster_reading,
    stage_records,
    startup,
)
from core.accounts import managed_accounts
from core.cases import StageVerdict
from core.db import unit_of_work
from core.disclosure_models import DisclosureChannel, PermitClass
from core.errors import ValidationError
from core.models import Enterprise, ManagingTier, User
from core.notice_models import NoticeLetter
from core.project_models import CaseKind, OptionKind, OptionStatus
from core.roster_import import preview
from core.stages import ItemKind, stages_of
from core.startup_fields import today
from core.text import Limit
from core.workflow_models import RosterEntry
from tests.support.projects import (
    FORM,
    accepted_project,
    an_option,
    complete_phase,
    save_item,
    started,
    submitted_case,
)
from tests.support.roster import (
    CITY,
    HEADER,
    PROVINCE,
    QINGYUAN,
    ZHUOZHOU,
    approved_task,
    new_task,
    part,
    pdf_bytes,
    png_bytes,
    user,
)
from tests.unit.test_full_review import GOOD_SITE, at_document_review
from tests.unit.test_notice import form as notice_form
from tests.unit.test_startup import VALID
from ui.widgets import parse_id

CONTROLS = ("a\x00b", "\x00", "a\x07b", "a\x1b[31mb", "a\x7fb", "a\x85b", "a\x1fb", "a\ud800b")


def refused(call, value) -> str:
    """`call(session, value)` in its own unit of work must be refused as input; returns the message."""
    with pytest.raises(ValidationError) as caught:
        with unit_of_work() as s:
            call(s, value)
    return caught.value.message


def check_fields(fields: dict[str, tuple[int | None, object]]) -> None:
    """Each field (label -> (its length limit or None, call)) refuses every control and over-long text."""
    for label, (limit, call) in fields.items():
        for value in CONTROLS:
            message = refused(call, value)
            assert "控制字符" in message or "不可见" in message or "请" in message, (label, value, message)
        if limit is not None:
            refused(call, "长" * (limit + 1))


def entry_of(s, login: str, task_id: int):
    row = roster_reading.entry_rows(s, user(s, login), part(s, task_id, login), limit=1)[0]
    return s.get(RosterEntry, row.entry_id)


def test_roster_fields(db):
    with unit_of_work() as s:
        draft = new_task(s)
        task_id = new_task(s, name="第二个任务").task_id
        province = part(s, task_id, PROVINCE)
        roster.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
        city = part(s, task_id, CITY)
        roster.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
        zhuozhou = part(s, task_id, ZHUOZHOU)
        roster.submit(s, user(s, ZHUOZHOU), zhuozhou.id, zhuozhou.version, agreed=True,
                      final_list_name="最终名单.pdf", final_list=pdf_bytes())
        draft_id, zhuozhou_id, qingyuan_id = draft.id, zhuozhou.id, part(s, task_id, QINGYUAN).id
    deadline = date.today() + timedelta(days=9)

    def task(**fields):
        values = dict(name="名单核定", batch="第二批", requirements="逐一核实", deadline=deadline) | fields
        return lambda s, v: roster.create_task(s, user(s, PROVINCE), **{k: (v if x is None else x)
                                                                          for k, x in values.items()})

    def update(field):
        values = dict(name="名单核定", batch="第二批", requirements="逐一核实", deadline=deadline)
        return lambda s, v: roster.update_task(s, user(s, PROVINCE), draft_id, roster.own_assignment(
            s, user(s, PROVINCE), draft_id).version, **(values | {field: v}))

    def correct(field):
        def call(s, v):
            entry = entry_of(s, QINGYUAN, task_id)
            roster_list.correct(s, user(s, QINGYUAN), entry.id, entry.version, {field: v})
        return call

    def exclude(s, v):
        entry = entry_of(s, QINGYUAN, task_id)
        roster_list.mark_excluded(s, user(s, QINGYUAN), [(entry.id, entry.version)], v, [("证明.pdf", pdf_bytes())])

    check_fields({
        "任务名称": (Limit.NAME, task(name=None)), "批次": (Limit.SHORT, task(batch=None)),
        "任务要求": (Limit.LONG, task(requirements=None)),
        "修改任务名称": (Limit.NAME, update("name")), "修改任务要求": (Limit.LONG, update("requirements")),
        "本级任务要求": (Limit.LONG, lambda s, v: roster.save_requirements(
            s, user(s, QINGYUAN), qingyuan_id, roster.own_assignment(s, user(s, QINGYUAN), qingyuan_id).version, v)),
        "审核意见": (Limit.COMMENT, lambda s, v: roster.review(
            s, user(s, CITY), zhuozhou_id, roster.get_assignment(s, user(s, CITY), zhuozhou_id).version,
            approve=False, comment=v)),
        "情况说明": (roster_list.MAX_REASON, exclude),
        "企业名称": (Limit.NAME, correct("name")), "地址": (Limit.ADDRESS, correct("address")),
        "法定代表人": (Limit.SHORT, correct("legal_representative")), "统一社会信用代码": (None, correct("credit_code")),
        "增补查找": (Limit.SEARCH, lambda s, v: roster_reading.addable(s, user(s, QINGYUAN),
                                                              part(s, task_id, QINGYUAN), v)),
        "任务附件文件名": (None, lambda s, v: roster.attach_file(s, user(s, PROVINCE), draft_id, f"{v}.pdf", pdf_bytes())),
    })


def test_an_imported_list_with_control_characters_is_refused_row_by_row(db):
    bad = HEADER + "1,保定\x00玖福食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n" \
                   "2,涿州市飞耀金属制品有限公司,保定市,涿州市,金属\x1b制品业,金属结构制造,河北省生态环境厅\n"
    with unit_of_work() as s:
        checked = preview(s, "名单.csv", bad.encode("utf-8"))
    assert not checked.ok
    assert all(any("控制字符" in e for e in row.errors) for row in checked.rows)


def test_directory_and_account_fields(db):
    def create(field):
        values = dict(name="保定新企业有限公司", county_code=QINGYUAN, industry_code="1713",
                      managing_tier=ManagingTier.CITY, credit_code="", address="清苑区")
        return lambda s, v: enterprises.create_enterprise(s, user(s, PROVINCE), **(values | {field: v}))

    check_fields({
        "企业名称": (Limit.NAME, create("name")), "地址": (Limit.ADDRESS, create("address")),
        "统一社会信用代码": (None, create("credit_code")),
        "企业名录查找": (Limit.SEARCH, lambda s, v: enterprises.search(
            s, user(s, PROVINCE), enterprises.DirectoryFilter(name=v), page=1, page_size=10)),
        "账户查找": (Limit.SEARCH, lambda s, v: managed_accounts(s, user(s, PROVINCE), v)),
        "专家查找": (Limit.SEARCH, lambda s, v: experts.pool(s, user(s, PROVINCE), search=v)),
    })


def test_notice_fields(db):
    with unit_of_work() as s:
        task_id = approved_task(s)
    fields = {f"通知{field}": (limit, lambda s, v, f=field: notice.create_notice(
                  s, user(s, PROVINCE), task_id, notice_form(**{f: v})))
              for field, limit in (("doc_number", Limit.SHORT), ("batch", Limit.SHORT), ("name", Limit.NAME),
                                   ("basis", Limit.BASIS), ("requirements", Limit.LONG),
                                   ("contact_person", Limit.PERSON), ("contact_phone", None))}
    check_fields(fields)
    with unit_of_work() as s:
        part_id = notice.create_notice(s, user(s, PROVINCE), task_id, notice_form()).id
    check_fields({"本级任务要求": (Limit.LONG, lambda s, v: notice.save_requirements(
        s, user(s, PROVINCE), part_id, notice.own_part(s, user(s, PROVINCE), part_id).version, v))})


def test_accepting_a_task_refuses_control_characters(db):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        letter_id, login = project.letter_id, enterprise.login
        s.get(NoticeLetter, letter_id).accepted_at = None  # as if not yet accepted
    check_fields({"项目负责人": (Limit.PERSON, lambda s, v: notice.accept(
        s, s.scalar(select(User).where(User.login == login)), letter_id, project_leader=v, mobile="13812345678"))})


def test_startup_fields(db):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        pid, login = project.id, enterprise.login

    def step(name, change):
        def call(s, v):
            data = dict(VALID[name])
            if name in ("products", "monitoring"):
                key = "products" if name == "products" else "points"
                data[key] = [dict(data[key][0]) | {change: v}]
            else:
                data[change] = v
            actor = s.scalar(select(User).where(User.login == login))
            startup.save_step(s, actor, pid, name, data, s.get(type(project), pid).version)
        return call

    check_fields({
        "企业名称": (128, step("basic", "name")), "法定代表人": (32, step("basic", "legal_representative")),
        "地址": (256, step("basic", "address")), "产品名称": (64, step("products", "name")),
        "环评批复文号": (64, step("eia", "approval_number")), "审批部门": (64, step("eia", "authority")),
        "排放口名称": (64, step("monitoring", "outlet")), "污染物": (32, step("monitoring", "pollutant")),
        "执行标准": (128, step("monitoring", "standard")), "验收文号": (64, step("acceptance", "document_number")),
        "验收部门": (64, step("acceptance", "authority")),
    })


def test_stage_texts_options_and_applications(db):
    with unit_of_work() as s:
        project, enterprise = started(s)
        pid, login = project.id, enterprise.login
        an_option(s, enterprise, pid)
        complete_phase(s, enterprise, pid, "evaluation")
    text_item = next((stage, item) for stage in stages_of("evaluation") for item in stage.items
                     if item.kind is ItemKind.TEXT)

    def me(s):
        return s.scalar(select(User).where(User.login == login))

    def option(s, v):
        options.save_option(s, me(s), pid, options.OptionForm(kind=OptionKind.LOW_COST, name=v, stage="option_generation",
                                                              status=OptionStatus.PLANNED))

    def apply(field):
        return lambda s, v: applications.submit(s, me(s), pid, CaseKind.EVALUATION, FORM | {field: v}, agreed=True)

    check_fields({
        "阶段文字": (stage_records.MAX_TEXT, lambda s, v: save_item(s, me(s), pid, text_item[0].key, text_item[1].key, v)),
        "方案名称": (Limit.NAME, option),
        "申请联系人": (Limit.PERSON, apply("contact")), "联系电话": (None, apply("phone")),
        "审核工作概述": (Limit.LONG, apply("summary")),
    })


def test_review_fields(db):
    with unit_of_work() as s:
        case, _ = submitted_case(s)
        intake_id = case.id
    stages = [stage.key for stage in stages_of("evaluation")]

    def intake(s, v):
        verdicts = {k: StageVerdict(k != stages[0], v if k == stages[0] else "") for k in stages}
        cases.intake(s, user(s, QINGYUAN), intake_id, s.get(type(case), intake_id).version, verdicts, agreed=True)

    check_fields({"受理意见": (cases.MAX_OPINION, intake)})


def test_full_review_fields(db):
    with unit_of_work() as s:
        case, holder = at_document_review(s)
        case_id, expert_id = case.id, expert_draw.active_panel(s, case.id)[0].expert_id

    def version(s):
        return s.get(type(case), case_id).version

    check_fields({
        "专家意见": (full_review.MAX_TEXT, lambda s, v: full_review.record_opinion(
            s, user(s, CITY), case_id, expert_id, full_review.OpinionForm(80.0, list(full_review.Conclusion)[0], v))),
        "整改意见": (cases.MAX_OPINION, lambda s, v: cases.return_for_rectification(
            s, user(s, CITY), case_id, version(s), {stages_of("evaluation")[0].key: v}, agreed=True)),
        "谢绝原因": (expert_draw.MAX_REASON, lambda s, v: expert_draw.decline_and_redraw(
            s, user(s, CITY), case_id, version(s), expert_id, v)),
    })
    with unit_of_work() as s:
        from tests.unit.test_full_review import all_opinions

        all_opinions(s, s.get(type(case), case_id), user(s, CITY))
        full_review.finish_document_review(s, user(s, CITY), case_id, version(s), agreed=True)

    def site(field):
        return lambda s, v: full_review.save_site_review(s, user(s, CITY), case_id, GOOD_SITE.__class__(
            **{"visit_date": GOOD_SITE.visit_date, "attendees": GOOD_SITE.attendees,
               "findings": GOOD_SITE.findings} | {field: v}))

    check_fields({"参加人员": (full_review.MAX_TEXT, site("attendees")),
                  "发现的问题": (full_review.MAX_TEXT, site("findings"))})


def test_expert_fields(db):
    def add(field):
        values = dict(name="张伟", organisation="河北省环境科学研究院", title="高级工程师", specialties=["13"],
                      region_code=QINGYUAN, phone="13912345678", conflicts=[])
        return lambda s, v: experts.add_expert(s, user(s, PROVINCE), experts.ExpertForm(
            **(values | {field: [v] if field == "conflicts" else v})))

    check_fields({"姓名": (experts.NAME_LIMITS[1], add("name")),
                  "工作单位": (experts.ORGANISATION_LIMITS[1], add("organisation")),
                  "职称": (experts.MAX_TITLE, add("title")), "联系电话": (None, add("phone")),
                  "回避单位": (experts.MAX_CONFLICT, add("conflicts"))})
    header = ",".join(expert_import.IMPORT_COLUMNS)
    row = ",".join(expert_import.EXAMPLE_ROW).replace("张伟", "张\x00伟")
    with unit_of_work() as s:
        checked = expert_import.import_preview(s, user(s, PROVINCE), "专家.csv", f"{header}\n{row}\n".encode())
    # A NUL is refused for the whole file (core.table_reader: it is not a text file), other controls per cell.
    assert not checked.ok and not checked.rows and "空字符" in checked.file_error
    row = ",".join(expert_import.EXAMPLE_ROW).replace("张伟", "张\x01伟")
    with unit_of_work() as s:
        checked = expert_import.import_preview(s, user(s, PROVINCE), "专家.csv", f"{header}\n{row}\n".encode())
    assert not checked.ok and any("控制字符" in e for e in checked.rows[0].errors)


def test_permit_and_disclosure_fields(db):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        pid, login = project.id, enterprise.login
        permits.save_permit(s, enterprise, pid, permits.PermitForm("91130608MA07ABCD1X001P", PermitClass.KEY, True,
                                                                   today() - timedelta(days=2)), [("证.pdf", pdf_bytes())])
        record = permits.permit_record_of(s, pid)
        permits.confirm_permit(s, user(s, QINGYUAN), pid, record.version, agreed=True)

    def me(s):
        return s.scalar(select(User).where(User.login == login))

    def permit(s, v):
        permits.save_permit(s, me(s), pid, permits.PermitForm(v, PermitClass.KEY, True, today()),
                            [("证.pdf", pdf_bytes())], permits.permit_record_of(s, pid).version)

    check_fields({
        "撤销原因": (disclosure.REASON_HIGH, lambda s, v: permits.revoke_confirmation(
            s, user(s, QINGYUAN), pid, permits.permit_record_of(s, pid).version, v)),
        "公开位置": (disclosure.LOCATION_HIGH, lambda s, v: disclosure.add_disclosure(
            s, me(s), pid, disclosure.DisclosureForm(DisclosureChannel.OTHER, v, today()), [("截图.png", png_bytes())])),
        "公开网址": (None, lambda s, v: disclosure.add_disclosure(
            s, me(s), pid, disclosure.DisclosureForm(DisclosureChannel.ENTERPRISE_SITE, f"https://e.cn/{v}", today()),
            [("截图.png", png_bytes())])),
    })
    with unit_of_work() as s:
        permits.revoke_confirmation(s, user(s, QINGYUAN), pid, permits.permit_record_of(s, pid).version, "编号有误")
    check_fields({"许可证编号": (disclosure.NUMBER_HIGH, permit)})


def test_the_database_refuses_nul_whatever_the_path(db):
    """The safety net: a statement whose parameters hold NUL is refused before it is sent."""
    with pytest.raises(ValidationError, match="控制字符"):
        with unit_of_work() as s:
            s.scalar(select(Enterprise).where(Enterprise.name == "玖福\x00"))
    with pytest.raises(ValidationError):
        with unit_of_work() as s:
            s.get(Enterprise, 1).name = "玖福\x00"
    with unit_of_work() as s:  # the login form's account name is refused with a message before any query
        refused = auth.authenticate(s, "130000\x00", "whatever")
    assert not refused.ok and refused.message == auth.MSG_LOGIN_FORMAT
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.name.contains("\x01"))) == 0


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (12, 12), ("1", 1), ("2147483647", 2147483647),
    ("0", None), ("-1", None), ("+1", None), ("01", None), (" 1", None), ("1 ", None), ("1.0", None), ("1e3", None),
    ("²", None), ("١٢", None), ("１２", None), ("12\x00", None), ("2147483648", None), ("9" * 40, None),
    ("", None), (None, None), (True, None), ("0x1F", None), (["1"], None),
])
def test_ids_in_addresses_are_plain_positive_ascii_numbers(raw, expected):
    assert parse_id(raw) == expected
