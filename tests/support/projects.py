"""An enterprise that accepted its task: the starting point of the enterprise-side tests."""

from __future__ import annotations

from sqlalchemy import select

from core import applications, notice, options, stage_records
from core.models import ManagingTier, User, utcnow
from core.notice_models import NoticeAssignment
from core.project_models import AuditProject, Case, CaseKind, OptionKind, OptionStatus
from core.stages import ItemKind, stages_of
from tests.support.roster import CITY, HEADER, PROVINCE, QINGYUAN, approved_task, pdf_bytes, png_bytes, user
from tests.unit.test_notice import form

FORM = {"contact": "张三", "phone": "13812345678", "summary": "本轮审核完成了审核准备、预审核、审核等六个阶段的工作。"}
ONE_ENTERPRISE = HEADER + "37,保定玖福食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n"


def accepted_project(session) -> tuple[AuditProject, User]:
    """保定玖福食品有限公司 (清苑区) has accepted its task; returns its project and its active account."""
    task_id = approved_task(session, ONE_ENTERPRISE)
    part = notice.create_notice(session, user(session, PROVINCE), task_id, form())
    notice.dispatch(session, user(session, PROVINCE), part.id, part.version, agreed=True)
    city = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                         NoticeAssignment.division_code == CITY))
    notice.dispatch(session, user(session, CITY), city.id, city.version, agreed=True)
    county = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                           NoticeAssignment.division_code == QINGYUAN))
    [issued] = notice.issue_letters(session, user(session, QINGYUAN), county.id)
    notice.upload_stamped(session, user(session, QINGYUAN), issued.letter_id, "盖章.pdf", pdf_bytes())
    notice.dispatch(session, user(session, QINGYUAN), county.id, county.version, agreed=True)
    enterprise = session.scalar(select(User).where(User.login == issued.account))
    enterprise.must_change_password = False
    notice.accept(session, enterprise, issued.letter_id, project_leader="张三", mobile="13812345678")
    project = session.scalar(select(AuditProject).where(AuditProject.letter_id == issued.letter_id))
    return project, enterprise


def started(s):
    project, enterprise = accepted_project(s)
    project.startup_submitted_at = utcnow()  # the startup wizard has its own tests
    s.flush()
    return project, enterprise


def save_item(s, account, project_id, stage_key: str, item_key: str, value) -> None:
    """Save a stage item as a user who has just looked at it (with the version on the screen)."""
    seen = stage_records.state(s, project_id, stage_key).versions[item_key]
    stage_records.save_value(s, account, project_id, stage_key, item_key, value, seen=seen)


def fill(s, enterprise, project_id, stage, skip: str | None = None) -> None:
    for item in stage.items:
        if item.key == skip:
            continue
        if item.kind is ItemKind.DOCUMENT:
            stage_records.add_files(s, enterprise, project_id, stage.key, item.key, [(f"{item.key}.pdf", pdf_bytes())])
        elif item.kind is ItemKind.PHOTO:
            stage_records.add_files(s, enterprise, project_id, stage.key, item.key, [(f"{item.key}.png", png_bytes())])
        elif item.kind is ItemKind.FIGURE:
            save_item(s, enterprise, project_id, stage.key, item.key, 120.5)
        else:
            save_item(s, enterprise, project_id, stage.key, item.key, f"{item.label}的说明")


def an_option(s, enterprise, project_id, **changes):
    values = dict(kind=OptionKind.LOW_COST, name="冷却水循环利用", stage="option_generation",
                  status=OptionStatus.IMPLEMENTED, investment=3.5, economic_benefit=1.2, water_saved=1200,
                  cod_reduced=0.8, ammonia_reduced=0.05)
    values.update(changes)
    return options.save_option(s, enterprise, project_id, options.OptionForm(**values))


def complete_phase(s, enterprise, project_id, phase: str) -> None:
    for stage in stages_of(phase):
        fill(s, enterprise, project_id, stage)
        stage_records.complete_stage(s, enterprise, project_id, stage.key)


def submitted_case(session, managing: ManagingTier = ManagingTier.CITY) -> tuple[Case, User]:
    """The enterprise (清苑区, managed as `managing`) completed the evaluation phase and applied."""
    project, enterprise = started(session)
    project.enterprise.managing_tier = managing
    an_option(session, enterprise, project.id)
    complete_phase(session, enterprise, project.id, "evaluation")
    case = applications.submit(session, enterprise, project.id, CaseKind.EVALUATION, FORM, agreed=True)
    return case, enterprise
