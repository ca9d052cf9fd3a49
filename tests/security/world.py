"""A portal full of hostile text: every user-supplied field that a screen shows holds a payload.

The records are made by the core functions (so that every screen has something to show: two roster
tasks, one of them under review and returned, the notice, the letter, a passed evaluation with its
result, an acceptance case in 线上文审, a permit whose confirmation was revoked, a disclosure), and the
texts are then replaced in the database: what is tested is the rendering, whatever the validators of
the day accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select, update

from core import (
    applications,
    disclosure,
    expert_draw,
    full_review,
    permits,
    roster,
    roster_list,
)
from core.cases import StageVerdict, enterprise_of, intake
from core.disclosure_models import DisclosureChannel, DisclosureRecord, PermitClass
from core.models import User, utcnow
from core.notice_models import AuditNotice, NoticeAssignment, NoticeLetter
from core.project_models import (
    AuditMode,
    AuditProject,
    Case,
    CaseKind,
    CaseRemark,
    CleanerOption,
    StageRecord,
)
from core.review_models import (
    CaseResult,
    Conclusion,
    Expert,
    ExpertOpinion,
    IntakeOpinion,
    PanelMember,
    SiteReview,
)
from core.stages import stages_of
from core.workflow_models import (
    Attachment,
    RosterAssignment,
    RosterEntry,
    RosterReview,
    RosterTask,
)
from tests.security.hostile import payload
from tests.support.projects import FORM, complete_phase
from tests.support.review import pool
from tests.support.roster import (
    CITY,
    LIANCHI,
    PROVINCE,
    QINGYUAN,
    ZHUOZHOU,
    new_task,
    part,
    pdf_bytes,
    png_bytes,
    user,
)
from tests.support.roster import entries as roster_entries
from tests.unit.test_full_review import applicant, at_document_review, to_result

ENTERPRISE_NAME = payload(128, heading=True)


@dataclass
class World:
    enterprise_login: str
    enterprise_id: int
    project_id: int
    evaluation_id: int
    acceptance_id: int
    option_id: int
    expert_id: int
    parts: dict[str, list[int]] = field(default_factory=dict)  # login -> roster parts (task 1, task 2)
    notice_parts: dict[str, int] = field(default_factory=dict)  # login -> notice part


def build(s) -> World:
    case, city = at_document_review(s)
    to_result(s, case, city)
    full_review.issue_result(s, city, case.id, case.version, passed=True, agreed=True,
                             opinion="经专家组线上文审和现场审核，该企业清洁生产审核评估通过。")
    enterprise_user = applicant(s, case)
    project_id = case.project_id

    complete_phase(s, enterprise_user, project_id, "acceptance")
    acceptance = applications.submit(s, enterprise_user, project_id, CaseKind.ACCEPTANCE, FORM, agreed=True)
    verdicts = {stage.key: StageVerdict(True) for stage in stages_of("acceptance")}
    for login in (QINGYUAN, CITY):
        intake(s, user(s, login), acceptance.id, acceptance.version, verdicts, agreed=True)
    pool(s, 4, prefix="乙")
    expert_draw.draw(s, city, acceptance.id, acceptance.version, seed=11)
    expert_draw.confirm_panel(s, city, acceptance.id, acceptance.version)
    first = expert_draw.active_panel(s, acceptance.id)[0]
    full_review.record_opinion(s, city, acceptance.id, first.expert_id,
                               full_review.OpinionForm(80.0, Conclusion.PASS, "报告完整，方案可行，同意通过。"))

    permits.save_permit(s, enterprise_user, project_id,
                        permits.PermitForm("91130608MA07ABCD1X001P", PermitClass.KEY, True, date.today() - timedelta(days=3)),
                        [("许可证.pdf", pdf_bytes())])
    county = user(s, QINGYUAN)
    record = permits.permit_record_of(s, project_id)
    permits.confirm_permit(s, county, project_id, record.version, agreed=True)
    permits.revoke_confirmation(s, county, project_id, record.version, "编号与扫描件不一致")
    disclosure.add_disclosure(s, enterprise_user, project_id,
                              disclosure.DisclosureForm(DisclosureChannel.OTHER, "保定日报第3版", date.today()),
                              [("报纸.png", png_bytes())])

    second = _roster_under_review(s)
    _make_hostile(s, enterprise_user, project_id, case.id, acceptance.id)

    world = World(enterprise_login=enterprise_user.login, enterprise_id=enterprise_of(s, case).id,
                  project_id=project_id, evaluation_id=case.id, acceptance_id=acceptance.id,
                  option_id=s.scalar(select(CleanerOption.id).where(CleanerOption.project_id == project_id)),
                  expert_id=s.scalar(select(Expert.id).order_by(Expert.id.desc())))
    first_task = s.scalar(select(RosterTask.id).where(RosterTask.id != second).order_by(RosterTask.id))
    for login in (PROVINCE, CITY, QINGYUAN, ZHUOZHOU):
        world.parts[login] = [p.id for task in (first_task, second) if (p := part(s, task, login)) is not None]
    for login in (PROVINCE, CITY, QINGYUAN):
        world.notice_parts[login] = s.scalar(select(NoticeAssignment.id).where(NoticeAssignment.division_code == login))
    return world


def _roster_under_review(s) -> int:
    """A second roster task: 涿州市 excluded an enterprise and submitted; 清苑区 was returned."""
    province = new_task(s)
    roster.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
    task_id = province.task_id
    city = part(s, task_id, CITY)
    roster.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    zhuozhou = part(s, task_id, ZHUOZHOU)
    entry = roster_entries(s, user(s, ZHUOZHOU), zhuozhou)[0]
    roster_list.mark_excluded(s, user(s, ZHUOZHOU), [(entry.id, entry.version)], "该企业已关停",
                              [("关停证明.pdf", pdf_bytes())])
    for county in (ZHUOZHOU, QINGYUAN):
        mine = part(s, task_id, county)
        roster.submit(s, user(s, county), mine.id, mine.version, agreed=True, final_list_name="最终名单.pdf",
                      final_list=pdf_bytes())
    qingyuan = part(s, task_id, QINGYUAN)
    roster.review(s, user(s, CITY), qingyuan.id, qingyuan.version, approve=False, comment="请补充材料")
    return task_id


def _set(s, model, column: str, value) -> None:
    s.execute(update(model).values({column: value}))


def _make_hostile(s, enterprise_user: User, project_id: int, evaluation_id: int, acceptance_id: int) -> None:
    project = s.get(AuditProject, project_id)
    project.audit_mode = AuditMode.SELF  # tests.support marks the startup submitted without its data
    enterprise = project.enterprise
    enterprise.name = ENTERPRISE_NAME
    enterprise.address = payload(256)
    enterprise.legal_representative = payload(64)
    enterprise_user.display_name = ENTERPRISE_NAME
    s.scalar(select(User).where(User.login == LIANCHI)).display_name = payload(128)
    other = s.scalar(select(RosterEntry).where(RosterEntry.included.is_(False))).enterprise
    other.name = payload(128, heading=True)

    _set(s, RosterTask, "name", payload(128, heading=True))
    _set(s, RosterTask, "batch", payload(64))
    _set(s, RosterTask, "requirements", payload(5000, multiline=True, heading=True))
    _set(s, RosterAssignment, "requirements", payload(5000, multiline=True))
    _set(s, RosterReview, "comment", payload(2000, multiline=True, heading=True))
    s.execute(update(RosterEntry).where(RosterEntry.included.is_(False)).values(
        exclusion_reason=payload(1000, multiline=True, heading=True)))

    _set(s, AuditNotice, "doc_number", payload(64))
    _set(s, AuditNotice, "batch", payload(64))
    _set(s, AuditNotice, "name", payload(128, heading=True))
    _set(s, AuditNotice, "basis", payload(500))
    _set(s, AuditNotice, "requirements", payload(5000, multiline=True, heading=True))
    _set(s, AuditNotice, "contact_person", payload(32))
    _set(s, AuditNotice, "contact_phone", payload(32))
    _set(s, NoticeAssignment, "requirements", payload(5000, multiline=True))
    _set(s, NoticeAssignment, "contact_person", payload(32))
    _set(s, NoticeAssignment, "contact_phone", payload(32))
    _set(s, NoticeLetter, "project_leader", payload(32))

    s.execute(update(StageRecord).where(StageRecord.text_value.is_not(None)).values(
        text_value=payload(5000, multiline=True, heading=True)))
    _set(s, CleanerOption, "name", payload(128, heading=True))
    for case_id in (evaluation_id, acceptance_id):
        case = s.get(Case, case_id)
        case.application = {"contact": payload(32), "phone": payload(24),
                            "summary": payload(5000, multiline=True, heading=True, long=True)}
    _set(s, IntakeOpinion, "opinion", payload(2000, multiline=True))
    now = utcnow()
    for case_id, resolved in ((evaluation_id, now), (acceptance_id, None)):
        for stage in ("preparation", "assessment") if case_id == evaluation_id else ("implementation",):
            s.add(CaseRemark(case_id=case_id, stage=stage, remark=payload(2000, multiline=True, heading=True),
                             round=1, at=now, resolved_at=resolved))
    _set(s, ExpertOpinion, "opinion", payload(5000, multiline=True))
    _set(s, SiteReview, "attendees", payload(5000, multiline=True))
    _set(s, SiteReview, "findings", payload(5000, multiline=True, heading=True))
    _set(s, CaseResult, "opinion", payload(5000, multiline=True, heading=True))
    _set(s, Expert, "name", payload(32))
    _set(s, Expert, "organisation", payload(128))
    _set(s, Expert, "title", payload(32))
    _set(s, Expert, "conflicts", [payload(128)])
    _set(s, PanelMember, "decline_reason", payload(200))

    record = permits.permit_record_of(s, project_id)
    record.permit_number = payload(40)
    record.revoke_reason = payload(500, multiline=True, heading=True)
    _set(s, DisclosureRecord, "location", payload(500, heading=True))
    _set(s, Attachment, "original_name", payload(200, heading=True))
    s.flush()
