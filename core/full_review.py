"""全流程审核 after the expert draw: 线上文审 (expert opinions), 现场审核 (site review), 审核结果 (result).

Officials enter each expert's score and opinion (the README says why experts have no accounts); the
department that holds the case records the site review with photos and issues the result, which is
rendered once as the 评估意见 / 验收意见 PDF and stored, so that what the enterprise downloads is
exactly what was issued.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, audit, counters
from core.cases import advance, enterprise_of, require_turn, visible_case
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.jurisdiction import require_enterprise
from core.expert_draw import active_panel
from core.models import Tier, User, utcnow
from core.project_models import AuditProject, Case, CaseStatus, CaseStep
from core.projects import campaign_name
from core.startup_fields import BEIJING, today
from core.review_models import CaseResult, Conclusion, ExpertOpinion, SiteReview
from core.review_pdf import ExpertLine, ResultData, render_result, result_filename
from core.text import clean

OWNER_SITE_REVIEW = "site_review"
OWNER_RESULT = "case_result"
PHOTO = "site_photo"
RESULT_PDF = "result_pdf"
PHOTO_KINDS = ("jpg", "png")
MAX_TEXT = 5000


def _text(value: str | None, label: str, field: str, low: int, high: int = MAX_TEXT) -> str:
    text = clean(value, label, high, field=field, multiline=True)
    if len(text) < low:
        raise ValidationError(f"请填写{label}（不少于 {low} 个字）", field=field)
    return text


def _agreed(agreed: bool) -> None:
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")


# -- 线上文审 -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpinionForm:
    score: float | None
    conclusion: Conclusion | None
    opinion: str


def record_opinion(session: Session, actor: User, case_id: int, expert_id: int, form: OpinionForm) -> ExpertOpinion:
    """Enter (or correct, until 线上文审 is finished) one panel expert's score, conclusion and opinion."""
    case = require_turn(session, actor, case_id, "record_opinion")
    if expert_id not in {m.expert_id for m in active_panel(session, case.id)}:
        raise RuleViolation("该专家不在本案专家组中（或已谢绝参加）")
    score = form.score
    if score is None or not isinstance(score, int | float) or math.isnan(score) or not 0 <= score <= 100:
        raise ValidationError("评分应为 0–100 之间的数字", field="score")
    if form.conclusion is None:
        raise ValidationError("请选择专家结论", field="conclusion")
    text = _text(form.opinion, "专家意见", "opinion", 10)
    row = session.scalar(select(ExpertOpinion).where(ExpertOpinion.case_id == case.id,
                                                     ExpertOpinion.round == case.round,
                                                     ExpertOpinion.expert_id == expert_id))
    before = None if row is None else {"score": row.score, "conclusion": row.conclusion.value}
    if row is None:
        row = ExpertOpinion(case_id=case.id, round=case.round, expert_id=expert_id, score=float(score),
                            conclusion=form.conclusion, opinion=text, entered_by_user_id=actor.id)
        session.add(row)
    else:
        row.score, row.conclusion, row.opinion = float(score), form.conclusion, text
        row.entered_by_user_id, row.at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="case.expert_opinion", object_type="case", object_id=case.id,
                 before=before, after={"expert_id": expert_id, "round": case.round, "score": float(score),
                                       "conclusion": form.conclusion.value})
    return row


def opinions_of(session: Session, case_id: int, round_: int | None = None) -> list[ExpertOpinion]:
    stmt = select(ExpertOpinion).where(ExpertOpinion.case_id == case_id)
    if round_ is not None:
        stmt = stmt.where(ExpertOpinion.round == round_)
    return list(session.scalars(stmt.order_by(ExpertOpinion.round, ExpertOpinion.id)))


def released_opinions(session: Session, actor: User, case_id: int) -> list[ExpertOpinion]:
    """The expert opinions the enterprise receives: those of finished 线上文审 rounds only (opinions being
    entered are the department's until the round is done), for the enterprise's own case."""
    case = session.get(Case, case_id)
    require_enterprise(actor, "查看专家审核意见")
    if case is None or enterprise_of(session, case).id != actor.enterprise_id:
        raise PermissionDenied("该申请不属于本企业")
    still_open = case.step is CaseStep.DOCUMENT_REVIEW and case.status is not CaseStatus.RETURNED
    return [o for o in opinions_of(session, case.id) if not (still_open and o.round == case.round)]


def finish_document_review(session: Session, actor: User, case_id: int, version: int, *, agreed: bool) -> None:
    """线上文审 done once every active panel expert's opinion of this round is in."""
    case = require_turn(session, actor, case_id, "finish_document_review", version)
    given = {o.expert_id for o in opinions_of(session, case.id, case.round)}
    missing = [m.expert.name for m in active_panel(session, case.id) if m.expert_id not in given]
    if missing:
        raise RuleViolation(f"还有专家意见未录入：{'、'.join(missing)}")
    _agreed(agreed)
    advance(session, actor, case, "finish_document_review")


# -- 现场审核 -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteForm:
    visit_date: date | None
    attendees: str
    findings: str


def site_review_of(session: Session, case: Case) -> SiteReview | None:
    return session.scalar(select(SiteReview).where(SiteReview.case_id == case.id, SiteReview.round == case.round))


def save_site_review(session: Session, actor: User, case_id: int, form: SiteForm) -> SiteReview:
    """Record (or correct) the site review of this round: date, attendees, findings."""
    case = require_turn(session, actor, case_id, "record_site_review")
    if form.visit_date is None:
        raise ValidationError("请填写现场审核日期", field="visit_date")
    if form.visit_date > today():
        raise ValidationError("现场审核日期不能晚于今天", field="visit_date")
    if form.visit_date < case.submitted_at.astimezone(BEIJING).date():
        raise ValidationError("现场审核日期不能早于申请提交日期", field="visit_date")
    attendees = _text(form.attendees, "参加人员", "attendees", 2, 1000)
    findings = _text(form.findings, "现场审核发现的问题及结论", "findings", 10)
    row = site_review_of(session, case)
    if row is None:
        row = SiteReview(case_id=case.id, round=case.round, visit_date=form.visit_date, attendees=attendees,
                         findings=findings, recorded_by_user_id=actor.id)
        session.add(row)
    else:
        row.visit_date, row.attendees, row.findings = form.visit_date, attendees, findings
        row.recorded_by_user_id = actor.id
    session.flush()
    audit.record(session, actor=actor, action="case.site_review", object_type="case", object_id=case.id,
                 after={"round": case.round, "visit_date": form.visit_date.isoformat()})
    return row


def add_site_photos(session: Session, actor: User, case_id: int,
                    uploads: list[tuple[str, bytes]]) -> attachments.Batch:
    case = require_turn(session, actor, case_id, "record_site_review")
    row = site_review_of(session, case)
    if row is None:
        raise RuleViolation("请先保存现场审核记录，再上传现场照片")
    if not uploads:
        raise ValidationError("请选择要上传的现场照片", field="photos")
    return attachments.attach_each(session, actor, OWNER_SITE_REVIEW, row.id, PHOTO, uploads, PHOTO_KINDS)


def remove_site_photo(session: Session, actor: User, case_id: int, attachment_id: int) -> None:
    case = require_turn(session, actor, case_id, "record_site_review")
    row = site_review_of(session, case)
    photo = session.get(attachments.Attachment, attachment_id)
    if row is None or photo is None or photo.owner_type != OWNER_SITE_REVIEW or photo.owner_id != row.id:
        raise RuleViolation("照片不存在或不属于本次现场审核")
    attachments.remove(session, actor, photo)


def site_photos(session: Session, review: SiteReview | None) -> list:
    return [] if review is None else attachments.of(session, OWNER_SITE_REVIEW, review.id, PHOTO)


def finish_site_review(session: Session, actor: User, case_id: int, version: int, *, agreed: bool) -> None:
    case = require_turn(session, actor, case_id, "finish_site_review", version)
    review = site_review_of(session, case)
    if review is None:
        raise RuleViolation("请先填写现场审核记录")
    if not site_photos(session, review):
        raise RuleViolation("请至少上传一张现场审核照片")
    _agreed(agreed)
    advance(session, actor, case, "finish_site_review")


# -- 审核结果 -------------------------------------------------------------------------------------

def _document_number(session: Session, case: Case, actor: User) -> str:
    prefix = f"冀清审{'评' if case.kind.value == 'evaluation' else '验'}〔{today():%Y}〕{actor.division_code}-"
    return counters.numbered(session, "result", CaseResult.document_number, prefix)


def _result_data(session: Session, case: Case, result: CaseResult, department: str) -> ResultData:
    project = session.get(AuditProject, case.project_id)
    enterprise = enterprise_of(session, case)
    basic = (project.startup or {}).get("basic", {})
    county = enterprise.division
    city = county.city_code and county.city_code != county.code and session.get(type(county), county.city_code)
    opinions = {o.expert_id: o for o in opinions_of(session, case.id, case.round)}
    experts = tuple(ExpertLine(m.expert.name, m.expert.organisation, m.expert.title or "",
                               opinions[m.expert_id].score if m.expert_id in opinions else None,
                               opinions[m.expert_id].conclusion.label if m.expert_id in opinions else "")
                    for m in active_panel(session, case.id))
    review = site_review_of(session, case)
    return ResultData(
        kind_label=case.kind.label, document_number=result.document_number, enterprise_name=enterprise.name,
        credit_code=enterprise.credit_code or "", county_name=f"{city.name if city else ''}{county.short_name}",
        industry_name=enterprise.industry.name if enterprise.industry else "", project_number=project.project_number,
        campaign=campaign_name(session, project), consultancy=basic.get("consultancy_name") or "企业自行开展",
        submitted_on=case.submitted_at.astimezone(BEIJING).date(), site_review_date=review.visit_date if review else None,
        site_findings=review.findings if review else "", experts=experts, passed=result.passed,
        opinion=result.opinion, department_name=department, issue_date=result.issued_at.astimezone(BEIJING).date())


def issue_result(session: Session, actor: User, case_id: int, version: int, *, passed: bool | None, opinion: str,
                 agreed: bool) -> CaseResult:
    """审核结果: 通过 / 不通过 with the consolidated opinion; issues the PDF and closes the case."""
    case = require_turn(session, actor, case_id, "issue_result", version)
    if passed is None:
        raise ValidationError("请选择审核结论（通过 / 不通过）", field="passed")
    text = _text(opinion, "综合审核意见", "opinion", 20)
    _agreed(agreed)
    result = CaseResult(case_id=case.id, passed=passed, opinion=text, document_number=_document_number(session, case, actor),
                        issued_by_user_id=actor.id, issued_at=utcnow())
    session.add(result)
    session.flush()
    data = _result_data(session, case, result, actor.display_name)
    attachments.attach(session, actor, OWNER_RESULT, result.id, RESULT_PDF, result_filename(data), render_result(data),
                       ("pdf",))
    before = case.step
    case.status = CaseStatus.PASSED if passed else CaseStatus.FAILED
    case.step = CaseStep.DONE
    session.flush()
    audit.record(session, actor=actor, action="case.result", object_type="case", object_id=case.id,
                 before={"step": before.value}, after={"status": case.status.value,
                                                       "document_number": result.document_number},
                 statement=audit.STATEMENT)
    return result


def result_of(session: Session, case_id: int) -> CaseResult | None:
    return session.scalar(select(CaseResult).where(CaseResult.case_id == case_id))


def result_pdf(session: Session, actor: User, case_id: int) -> tuple[str, bytes]:
    """The issued 评估意见 / 验收意见: for the enterprise itself and the departments over it."""
    case = session.get(Case, case_id)
    if case is None:
        raise RuleViolation("申请不存在")
    if actor.tier is Tier.ENTERPRISE:
        require_enterprise(actor, "下载审核意见")
        if enterprise_of(session, case).id != actor.enterprise_id:
            raise PermissionDenied("该审核意见不属于本企业")
    else:
        visible_case(session, actor, case_id)
    result = result_of(session, case.id)
    if result is None:
        raise RuleViolation("审核结果尚未出具")
    [pdf] = attachments.of(session, OWNER_RESULT, result.id, RESULT_PDF)
    return pdf.original_name, attachments.content(pdf)

