"""Every workflow event writes its messages (and SMS) in its own transaction; the inbox reads and marks them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import notifications, roster
from core.cases import StageVerdict, intake, return_for_rectification
from core.errors import RuleViolation
from core.full_review import issue_result
from core.models import ManagingTier, User
from core.notification_models import Channel, DeliveryState, Message, MessageKind, OutboxItem
from core.stages import stages_of
from tests.support.projects import accepted_project, submitted_case
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, new_task, part, pdf_bytes, user
from tests.unit.test_full_review import applicant, at_document_review, to_result
from tests.unit.test_notice import the_part


def inbox_of(s, login: str) -> list[Message]:
    account = s.scalar(select(User).where(User.login == login))
    return list(s.scalars(select(Message).where(Message.recipient_user_id == account.id).order_by(Message.id)))


def sms(s) -> list[OutboxItem]:
    return list(s.scalars(select(OutboxItem).where(OutboxItem.channel == Channel.SMS).order_by(OutboxItem.id)))


# --- roster tasks ----------------------------------------------------------------------------------

def test_roster_dispatch_submit_return_and_approval_reach_the_department_concerned(uow):
    with uow() as s:
        province_part = new_task(s)
        task_id = province_part.task_id
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
    with uow() as s:
        city_part = part(s, task_id, CITY)
        [received] = inbox_of(s, CITY)
        assert (received.kind, received.link_page, received.link_id) == (MessageKind.ROSTER, "pages/roster_task.py",
                                                                         city_part.id)
        assert received.title.startswith("名单核定任务已下发") and "截止日期" in received.body
        assert inbox_of(s, QINGYUAN) == []  # the counties hear of it only when the city dispatches
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
    with uow() as s:
        county = part(s, task_id, QINGYUAN)
        assert [m.link_id for m in inbox_of(s, QINGYUAN)] == [county.id]
        assert [m.link_id for m in inbox_of(s, ZHUOZHOU)] == [part(s, task_id, ZHUOZHOU).id]
        roster.submit(s, user(s, QINGYUAN), county.id, county.version, agreed=True, final_list_name="名单.pdf",
                      final_list=pdf_bytes())
    with uow() as s:
        latest = inbox_of(s, CITY)[-1]
        assert latest.title.startswith("名单核定结果待审核") and "清苑区" in latest.body
        county = part(s, task_id, QINGYUAN)
        roster.review(s, user(s, CITY), county.id, county.version, approve=False, comment="请补充玖福食品的佐证材料")
    with uow() as s:
        returned = inbox_of(s, QINGYUAN)[-1]
        assert returned.title.startswith("名单核定任务已退回")
        assert "审核意见：请补充玖福食品的佐证材料" in returned.body
        county = part(s, task_id, QINGYUAN)
        roster.submit(s, user(s, QINGYUAN), county.id, county.version, agreed=True, final_list_name="名单.pdf",
                      final_list=pdf_bytes())
        roster.review(s, user(s, CITY), county.id, county.version, approve=True, comment="")
    with uow() as s:
        assert inbox_of(s, QINGYUAN)[-1].title.startswith("名单核定任务已通过")
        assert sms(s) == []  # departments have no mobile on record: inbox only


def test_a_refused_transition_leaves_no_message(uow):
    with uow() as s:
        province_part = new_task(s)
        before = s.scalar(select(func.count()).select_from(Message))
    with pytest.raises(RuleViolation):
        with uow() as s:
            roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
            raise RuleViolation("后续步骤失败")  # the unit rolls back: the dispatch and its messages alike
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == before


# --- audit notices, letters, acceptance ---------------------------------------------------------

def test_the_notice_cascade_letters_and_acceptance(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        notice_id = project.notice_id
        login = enterprise.login
    with uow() as s:
        [city_message] = [m for m in inbox_of(s, CITY) if m.kind is MessageKind.NOTICE]
        assert city_message.link_page == "pages/notice_task.py"
        assert city_message.link_id == the_part(s, notice_id, CITY).id
        [county_message] = [m for m in inbox_of(s, QINGYUAN) if m.kind is MessageKind.NOTICE]
        assert county_message.link_id == the_part(s, notice_id, QINGYUAN).id
        issued, dispatched = inbox_of(s, login)
        assert issued.title.startswith("告知书已签发") and "202613060800001" in issued.body
        assert dispatched.title.startswith("清审任务已下发") and "接受清审任务" in dispatched.body
        assert dispatched.link_page == "pages/enterprise_tasks.py"
        [text] = sms(s)  # acceptance: the leader's mobile, just given, gets its first SMS
        assert (text.address, text.state, text.attempts) == ("13812345678", DeliveryState.QUEUED, 0)
        assert "项目负责人" in text.body and text.body.startswith("【清洁生产审核】")


# --- cases -----------------------------------------------------------------------------------------

def verdicts(case, failed: str | None = None) -> dict[str, StageVerdict]:
    return {stage.key: StageVerdict(stage.key != failed, "" if stage.key != failed else "审核报告缺少物料平衡分析")
            for stage in stages_of(case.kind.value)}


def test_a_submitted_case_goes_to_the_county_then_the_city_then_the_province(uow):
    with uow() as s:
        case, _ = submitted_case(s, ManagingTier.PROVINCE)
        case_id = case.id
    with uow() as s:
        [todo] = inbox_of(s, QINGYUAN)[-1:]
        assert (todo.kind, todo.link_page, todo.link_id) == (MessageKind.CASE_TODO, "pages/case.py", case_id)
        assert todo.title.startswith("待受理：保定玖福食品有限公司的评估申请")
        from core.project_models import Case

        case = s.get(Case, case_id)
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts(case), agreed=True)
    with uow() as s:
        forwarded = inbox_of(s, CITY)[-1]
        assert forwarded.kind is MessageKind.CASE_TODO and "地市受理审核" in forwarded.body
        case = s.get(Case, case_id)
        intake(s, user(s, CITY), case.id, case.version, verdicts(case), agreed=True)
    with uow() as s:
        assert "省级受理审核" in inbox_of(s, PROVINCE)[-1].body


def test_the_city_moving_its_own_case_on_does_not_notify_itself(uow):
    with uow() as s:
        case, _ = submitted_case(s, ManagingTier.CITY)
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts(case), agreed=True)
        intake(s, user(s, CITY), case.id, case.version, verdicts(case), agreed=True)  # on to the city's 专家抽取
    with uow() as s:
        assert [m.title[:4] for m in inbox_of(s, CITY) if m.kind is MessageKind.CASE_TODO] == ["待办理："]


def test_a_return_tells_the_enterprise_why_by_inbox_and_sms(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts(case, failed="pre_audit"), agreed=True)
        login = enterprise.login
    with uow() as s:
        returned = [m for m in inbox_of(s, login) if m.kind is MessageKind.CASE_RETURN]
        assert len(returned) == 1 and returned[0].link_page == "pages/applications.py"
        assert "退回原因" in returned[0].body and "预审核：审核报告缺少物料平衡分析" in returned[0].body
        assert "区县受理审核" in returned[0].body
        assert [t.subject for t in sms(s)][-1] == returned[0].title
        assert "物料平衡" not in sms(s)[-1].body  # the SMS says what happened; the reasons are in the portal


def test_a_resubmission_goes_back_to_the_department_that_returned_it(uow):
    from core import applications, stage_records
    from tests.support.projects import fill

    with uow() as s:
        case, enterprise = submitted_case(s)
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts(case), agreed=True)
        intake(s, user(s, CITY), case.id, case.version, verdicts(case, failed="assessment"), agreed=True)
        stage = next(x for x in stages_of("evaluation") if x.key == "assessment")
        fill(s, enterprise, case.project_id, stage)
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        case_id = case.id
    with uow() as s:
        resubmitted = inbox_of(s, CITY)[-1]
        assert resubmitted.title.startswith("整改后重新提交：保定玖福食品有限公司的评估申请")
        assert "地市受理审核" in resubmitted.body and resubmitted.link_id == case_id
        assert not [m for m in inbox_of(s, QINGYUAN) if m.title.startswith("整改后")]


def test_a_return_during_the_full_review_quotes_the_experts_remarks(uow):
    with uow() as s:
        case, city = at_document_review(s)
        return_for_rectification(s, city, case.id, case.version, {"assessment": "物料平衡数据前后矛盾"}, agreed=True)
        login = applicant(s, case).login
    with uow() as s:
        assert "审核：物料平衡数据前后矛盾" in inbox_of(s, login)[-1].body
        assert "线上文审" in inbox_of(s, login)[-1].body


@pytest.mark.parametrize("passed", [True, False])
def test_the_result_reaches_the_enterprise(uow, passed):
    with uow() as s:
        case, city = at_document_review(s)
        to_result(s, case, city)
        issue_result(s, city, case.id, case.version, passed=passed, agreed=True,
                     opinion="经专家组线上文审和现场审核，形成综合审核意见如上，请按意见执行。")
        login = applicant(s, case).login
    with uow() as s:
        result = inbox_of(s, login)[-1]
        assert result.kind is MessageKind.CASE_RESULT
        assert result.title.startswith(f"评估审核结果：{'通过' if passed else '不通过'}")
        assert sms(s)[-1].subject == result.title


# --- the inbox -------------------------------------------------------------------------------------

def test_inbox_pages_counts_and_marks_only_ones_own_messages(uow):
    with uow() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_part = part(s, province_part.task_id, CITY)
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
    with uow() as s:
        city, county = user(s, CITY), user(s, QINGYUAN)
        assert notifications.unread_count(s, city) == notifications.count(s, city) == 1
        [mine] = notifications.inbox(s, county, limit=5)
        with pytest.raises(RuleViolation, match="不属于本账户"):
            notifications.mark_read(s, city, mine.id)
        assert notifications.mark_read(s, county, mine.id) is True
        assert notifications.mark_read(s, county, mine.id) is False
        assert notifications.unread_count(s, county) == 0 and notifications.count(s, county) == 1
        assert notifications.inbox(s, county, unread_only=True) == []
        assert notifications.inbox(s, county)[0].read_at is not None
        seen = notifications.latest_id(s, city)
    with uow() as s:  # a message that arrives after the page was drawn stays unread
        county_part = part(s, province_part.task_id, QINGYUAN)
        roster.submit(s, user(s, QINGYUAN), county_part.id, county_part.version, agreed=True,
                      final_list_name="名单.pdf", final_list=pdf_bytes())
    with uow() as s:
        city = user(s, CITY)
        assert notifications.mark_all_read(s, city, seen) == 1
        assert [m.title[:8] for m in notifications.inbox(s, city, unread_only=True)] == ["名单核定结果待审"]
        assert [m.id for m in notifications.inbox(s, city, offset=1, limit=1)] == [seen]
