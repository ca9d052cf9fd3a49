"""清审任务通知: the audit notice cascading province -> city -> county -> enterprise (seed 000 §2.2, §3.2, §4.1).

The province creates the notice for an approved roster; each department adds its requirements and
dispatches to the level below. A county issues a 告知书 for each enterprise (with the enterprise's
account and a one-time password printed only in the letter), uploads each stamped scan, and may
dispatch only when every letter is uploaded. The enterprise then accepts its task.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core import attachments, audit, counters, dates, files, jurisdiction, roster
from core.db import bump, flush_or_stale, lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.jurisdiction import covers
from core.models import Division, Enterprise, Tier, User, utcnow
from core.notice_models import (
    MILESTONES,
    AuditNotice,
    NoticeAssignment,
    NoticeLetter,
    NoticeStatus,
)
from core.projects import open_project
from core.text import Limit, clean
from core.workflow_models import Attachment, RosterAssignment, RosterStatus, RosterTask

S = NoticeStatus
OWNER_NOTICE = "audit_notice"
OWNER_PART = "notice_assignment"
OWNER_LETTER = "notice_letter"
STAMPED_LETTER = "stamped_letter"
MOBILE = re.compile(r"1[3-9]\d{9}")
PHONE = re.compile(r"[0-9][0-9\-]{6,19}")
STALE_MESSAGE = "该任务已被本部门其他用户修改，请刷新页面后重试（您填写的内容仍保留在页面上）"
STALE_LETTER = "该企业的告知书已被本部门其他用户更新，请刷新页面后重试"
ACTION_LABELS = {"dispatch": "下发任务"}
# The state table: (level, action) -> (from, to). Anything else is refused.
TRANSITIONS = {(level, "dispatch"): (S.PENDING_DISPATCH, S.DISPATCHED)
               for level in (Tier.PROVINCE, Tier.CITY, Tier.COUNTY)}


def _require_department(actor: User) -> None:
    jurisdiction.require_department(actor, "清审任务通知")


def get_part(session: Session, actor: User, part_id: int) -> NoticeAssignment:
    _require_department(actor)
    part = session.get(NoticeAssignment, part_id)
    if part is None:
        raise RuleViolation("任务不存在或已被删除")
    if not covers(actor.division, part.division):
        raise PermissionDenied("您无权查看该任务：不在本部门管辖范围内")
    return part


def own_part(session: Session, actor: User, part_id: int, expected_version: int | None = None, *,
             locked: bool = False) -> NoticeAssignment:
    """The actor's own department's part, checked against the version the page showed; `locked`:
    held until the transaction ends (core.db.lock), for a change decided on its current state."""
    part = get_part(session, actor, part_id)
    if part.division_code != actor.division_code:
        raise PermissionDenied("只能办理本部门的任务")
    if locked:
        lock(session, part, STALE_MESSAGE)
    if expected_version is not None and part.version != expected_version:
        raise RuleViolation(STALE_MESSAGE)
    return part


# --- the province creates the notice -----------------------------------------------------------

def approved_rosters(session: Session, actor: User) -> list[RosterTask]:
    """Roster tasks whose final list is fixed and that have no notice yet."""
    _require_department(actor)
    done = select(RosterAssignment.task_id).where(RosterAssignment.level == Tier.PROVINCE,
                                                  RosterAssignment.status == RosterStatus.APPROVED)
    noticed = select(AuditNotice.roster_task_id)
    return list(session.scalars(select(RosterTask).where(RosterTask.id.in_(done), RosterTask.id.not_in(noticed),
                                                         RosterTask.province_code == actor.division_code)
                                .order_by(RosterTask.created_at.desc())))


@dataclass(frozen=True)
class NoticeForm:
    doc_number: str
    batch: str
    name: str
    basis: str
    requirements: str
    publish_date: date | None
    deadline: date | None
    contact_person: str
    contact_phone: str
    milestones: dict[str, date | None]


def _checked(form: NoticeForm, today: date | None = None) -> dict:
    values = {}
    for key, label, limit in (("doc_number", "文号", Limit.SHORT), ("batch", "批次", Limit.SHORT),
                              ("name", "任务名称", Limit.NAME), ("contact_person", "联系人", Limit.PERSON)):
        text = clean(getattr(form, key), label, limit, field=key)
        if not text:
            raise ValidationError(f"请填写{label}", field=key)
        values[key] = text
    phone = clean(form.contact_phone, "联系电话", Limit.PHONE, field="contact_phone")
    if not PHONE.fullmatch(phone):
        raise ValidationError("联系电话应为固定电话（如 0311-87908917）或手机号码", field="contact_phone")
    values["contact_phone"] = phone
    if form.publish_date is None or form.deadline is None:
        raise ValidationError("请选择发布日期和截止日期", field="publish_date")
    previous, previous_label = form.publish_date, "发布日期"
    for key, label in MILESTONES:
        day = form.milestones.get(key)
        if day is None:
            raise ValidationError(f"请填写时间节点：{label}", field=key)
        if day < previous:
            raise ValidationError(f"时间节点“{label}”（{day:%Y-%m-%d}）不能早于“{previous_label}”"
                                  f"（{previous:%Y-%m-%d}）", field=key)
        values[key], previous, previous_label = day, day, label
    if form.deadline < form.publish_date:
        raise ValidationError("截止日期不能早于发布日期", field="deadline")
    # the publish date may lie before today (a notice entered after it was signed); what is still to be
    # done may not
    for key, label in MILESTONES:
        dates.not_past(values[key], f"时间节点“{label}”", key, today=today)
    dates.not_past(form.deadline, "截止日期", "deadline", today=today)
    values.update(basis=clean(form.basis, "工作依据", Limit.BASIS, field="basis"),
                  requirements=clean(form.requirements, "通知要求", Limit.LONG, field="requirements", multiline=True),
                  publish_date=form.publish_date, deadline=form.deadline)
    return values


def create_notice(session: Session, actor: User, roster_task_id: int, form: NoticeForm, *,
                  today: date | None = None) -> NoticeAssignment:
    """The province's notice for an approved roster; one letter (with its number) per kept enterprise.

    `today`: the day the notice counts as entered (default: today in Hebei); the demo campaign
    (core.demo_campaign) enters its notice on its publish day, months back, as roster.create_task allows."""
    _require_department(actor)
    if actor.tier is not Tier.PROVINCE:
        raise PermissionDenied("只有省级生态环境部门可以创建清审任务通知")
    task = session.get(RosterTask, roster_task_id)
    if task is None or task.province_code != actor.division_code:
        raise RuleViolation("名单核定任务不存在")
    lock(session, task)  # a second notice for the same roster waits here, then finds this one
    if session.scalar(select(AuditNotice.id).where(AuditNotice.roster_task_id == roster_task_id)):
        raise RuleViolation("该名单已创建清审任务通知")
    kept = roster.final_roster(session, roster_task_id)  # refuses a roster that is not final
    values = _checked(form, today)
    notice = AuditNotice(roster_task_id=roster_task_id, province_code=actor.division_code,
                         created_by_user_id=actor.id, **values)
    session.add(notice)
    session.flush()
    part = NoticeAssignment(notice_id=notice.id, division_code=actor.division_code, level=Tier.PROVINCE)
    session.add(part)
    numbers = _letter_numbers(session, values["publish_date"].year, [e.county_code for e in kept])
    for entry in kept:
        session.add(NoticeLetter(notice_id=notice.id, enterprise_id=entry.enterprise_id,
                                 county_code=entry.county_code, letter_number=next(numbers[entry.county_code])))
    session.flush()
    audit.record(session, actor=actor, action="notice.create", object_type=OWNER_NOTICE, object_id=notice.id,
                 after={"doc_number": values["doc_number"], "name": values["name"], "letters": len(kept)})
    return part


def _letter_numbers(session: Session, year: int, counties: list[str]) -> dict[str, Iterator[str]]:
    """Letter numbers by county: year + county code + 5-digit sequence (as the seed's project numbers),
    each county's block reserved at once from its counter (core.counters)."""
    result = {}
    for county in sorted(set(counties)):
        prefix = f"{year}{county}"
        block = counters.next_values(session, f"letter:{prefix}", counties.count(county),
                                     lambda p=prefix: counters.highest_suffix(session, NoticeLetter.letter_number, p))
        result[county] = iter([f"{prefix}{n:05d}" for n in block])
    return result


# --- the cascade ---------------------------------------------------------------------------

def save_requirements(session: Session, actor: User, part_id: int, expected_version: int, text: str,
                      contact_person: str | None = None, contact_phone: str | None = None) -> None:
    """本级任务要求 and, when given, the department's own contact (both or neither), which the enterprise
    sees beside the province's."""
    part = own_part(session, actor, part_id, expected_version, locked=True)
    if part.status is not S.PENDING_DISPATCH:
        raise RuleViolation("任务已下发，不能再修改本级任务要求")
    after = {"requirements": clean(text, "任务要求", Limit.LONG, field="requirements", multiline=True)}
    if contact_person is not None or contact_phone is not None:
        after["contact_person"], after["contact_phone"] = _part_contact(contact_person or "", contact_phone or "")
    before = {key: getattr(part, key) for key in after}
    changed = {key: value for key, value in after.items() if value != before[key]}
    if changed:
        for key, value in changed.items():
            setattr(part, key, value)
        flush_or_stale(session, STALE_MESSAGE)
        audit.record(session, actor=actor, action="notice.requirements", object_type=OWNER_PART, object_id=part.id,
                     before={key: before[key] for key in changed}, after=changed)


def _part_contact(person: str, phone: str) -> tuple[str, str]:
    person = clean(person, "联系人", Limit.PERSON, field="contact_person")
    phone = re.sub(r"\s", "", clean(phone, "联系电话", Limit.PHONE, field="contact_phone"))
    if bool(person) != bool(phone):
        raise ValidationError("请同时填写本级联系人和联系电话（或都不填）",
                              field="contact_phone" if person else "contact_person")
    if phone and not PHONE.fullmatch(phone):
        raise ValidationError("联系电话应为固定电话（如 0312-3037280）或手机号码", field="contact_phone")
    return person, phone


def attach_file(session: Session, actor: User, part_id: int, name: str, data: bytes) -> None:
    part = own_part(session, actor, part_id)
    if part.status is not S.PENDING_DISPATCH:
        raise RuleViolation("任务已下发，不能再上传文件")
    owner = (OWNER_NOTICE, part.notice_id) if part.level is Tier.PROVINCE else (OWNER_PART, part.id)
    attachments.attach(session, actor, *owner, attachments.REQUIREMENTS_FILE, name, data, files.DOCUMENT_KINDS)


def letters_in(session: Session, part: NoticeAssignment) -> list[NoticeLetter]:
    """The letters of a department's area, by county and number."""
    stmt = select(NoticeLetter).where(NoticeLetter.notice_id == part.notice_id)
    if part.level is Tier.CITY:
        stmt = stmt.join(Division, Division.code == NoticeLetter.county_code) \
            .where(Division.city_code == part.division_code)
    elif part.level is Tier.COUNTY:
        stmt = stmt.where(NoticeLetter.county_code == part.division_code)
    return list(session.scalars(stmt.order_by(NoticeLetter.county_code, NoticeLetter.letter_number)))


def is_stamped():
    """SQL: the NoticeLetter of the statement has a stamped scan uploaded."""
    return select(Attachment.id).where(Attachment.owner_type == OWNER_LETTER, Attachment.purpose == STAMPED_LETTER,
                                       Attachment.owner_id == NoticeLetter.id).exists()


def unstamped(session: Session, part: NoticeAssignment, names: int = 5) -> tuple[int, list[str]]:
    """How many of a county's letters have no stamped scan yet, and the first few enterprises' names
    (by letter number): what stops its dispatch, counted in SQL (a county's letters grow with the province)."""
    where = (NoticeLetter.notice_id == part.notice_id, NoticeLetter.county_code == part.division_code, ~is_stamped())
    count = session.scalar(select(func.count()).select_from(NoticeLetter).where(*where))
    first = session.scalars(select(Enterprise.name).join(NoticeLetter, NoticeLetter.enterprise_id == Enterprise.id)
                            .where(*where).order_by(NoticeLetter.letter_number).limit(names))
    return count, list(first)


def stamped_scans(session: Session, letter_ids: list[int]) -> dict[int, attachments.Attachment]:
    """The current stamped scan of each letter that has one."""
    return {a.owner_id: a for a in attachments.of(session, OWNER_LETTER, letter_ids, STAMPED_LETTER)}


def dispatch(session: Session, actor: User, part_id: int, expected_version: int, *, agreed: bool) -> None:
    """下发任务 to the level below; a county only when every enterprise's stamped letter is uploaded."""
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    part = own_part(session, actor, part_id, expected_version, locked=True)
    source, target = TRANSITIONS[(part.level, "dispatch")]
    if part.status is not source:
        raise RuleViolation(f"任务当前状态为“{part.status.label}”，不能下发")
    letters = letters_in(session, part)
    if not letters:
        raise RuleViolation("本级名单中没有企业，无需下发")
    if part.level is Tier.COUNTY:
        missing, first = unstamped(session, part, names=3)
        if missing:
            names = "、".join(first) + ("等" if missing > 3 else "")
            raise RuleViolation(f"还有 {missing} 家企业的盖章告知书未上传（{names}），不能下发")
        children: list[str] = []
    elif part.level is Tier.PROVINCE:
        children = sorted({_city_of(session, x.county_code) for x in letters})
    else:
        children = sorted({x.county_code for x in letters})
    part.status, part.dispatched_at = target, utcnow()
    flush_or_stale(session, STALE_MESSAGE)
    child_level = {Tier.PROVINCE: Tier.CITY, Tier.CITY: Tier.COUNTY}.get(part.level)
    for code in children:
        session.add(NoticeAssignment(notice_id=part.notice_id, division_code=code, level=child_level,
                                     parent_id=part.id))
    session.flush()
    audit.record(session, actor=actor, action="notice.dispatch", object_type=OWNER_PART, object_id=part.id,
                 before={"status": source.value}, after={"status": target.value, "to": children or "enterprises"},
                 statement=audit.STATEMENT)


def _city_of(session: Session, county_code: str) -> str:
    return session.get(Division, county_code).city_code


# --- letters -------------------------------------------------------------------------------

def issue_letters(session: Session, actor: User, part_id: int, letter_ids: list[int] | None = None,
                  progress=None):
    """Issue (or reissue) letters in one transaction; see core.letter_issue (the screen's three phases).

    Each enterprise gets its account and a new one-time password, returned to be printed in the letter
    and stored only as a hash; issuing a letter again makes the earlier letter's password void.
    """
    from core.letter_issue import issue_letters as issue

    return issue(session, actor, part_id, letter_ids, progress)


def upload_stamped(session: Session, actor: User, letter_id: int, name: str, data: bytes,
                   expected_version: int | None = None) -> None:
    """The county's stamped scan of a letter (PDF/JPG/PNG); replaceable until dispatch.

    `expected_version` is the letter's version the page showed: two officials replacing the same scan
    at once cannot both succeed. The part is locked, so that a dispatch at the same moment comes
    before (and the upload is refused) or after (and sees the scan).
    """
    letter = session.get(NoticeLetter, letter_id)
    if letter is None:
        raise RuleViolation("告知书不存在")
    part = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == letter.notice_id,
                                                         NoticeAssignment.division_code == letter.county_code))
    if part is None or part.division_code != actor.division_code:
        raise PermissionDenied("只能上传本县企业的盖章告知书")
    own_part(session, actor, part.id, locked=True)
    if part.status is not S.PENDING_DISPATCH:
        raise RuleViolation("任务已下发，盖章告知书不能再更换")
    lock(session, letter, STALE_LETTER)
    if expected_version is not None and letter.version != expected_version:
        raise RuleViolation(STALE_LETTER)
    if letter.generated_at is None:
        raise RuleViolation("请先生成并下载该企业的告知书，盖章后再上传扫描件")
    replace_stamped(session, actor, letter, attachments.accepted(name, data))


def replace_stamped(session: Session, actor: User, letter: NoticeLetter, upload: files.Upload,
                    stale: str = STALE_LETTER) -> None:
    """`upload` (checked) becomes the letter's stamped scan, an earlier one detached; the letter's version
    moves on. The caller has checked who may and locked the letter (one upload, or a batch)."""
    for old in attachments.of(session, OWNER_LETTER, letter.id, STAMPED_LETTER):
        attachments.remove(session, actor, old)
    attachments.attach_checked(session, actor, OWNER_LETTER, letter.id, STAMPED_LETTER, upload)
    bump(session, letter, stale)


# --- the enterprise ------------------------------------------------------------------------

def enterprise_letters(session: Session, actor: User, letter_id: int | None = None) -> list[NoticeLetter]:
    """接受清审任务: the enterprise's letters whose county has dispatched the notice (or that one letter)."""
    jurisdiction.require_enterprise(actor, "查看本企业的清审任务")
    stmt = (select(NoticeLetter)
            .join(NoticeAssignment, and_(NoticeAssignment.notice_id == NoticeLetter.notice_id,
                                         NoticeAssignment.division_code == NoticeLetter.county_code))
            .where(NoticeLetter.enterprise_id == actor.enterprise_id, NoticeAssignment.level == Tier.COUNTY,
                   NoticeAssignment.status == S.DISPATCHED))
    if letter_id is not None:
        stmt = stmt.where(NoticeLetter.id == letter_id)
    return list(session.scalars(stmt.order_by(NoticeLetter.id.desc())))


def enterprise_letter(session: Session, actor: User, letter_id: int) -> NoticeLetter:
    """One of the enterprise's own dispatched letters; refused otherwise."""
    found = enterprise_letters(session, actor, letter_id)
    if not found:
        raise PermissionDenied("该清审任务不属于本企业或尚未下发")
    return found[0]


def accept(session: Session, actor: User, letter_id: int, *, project_leader: str, mobile: str) -> None:
    """The enterprise accepts its task, naming its project leader and a mobile that receives SMS."""
    letter = enterprise_letter(session, actor, letter_id)
    lock(session, letter)  # a second acceptance at the same moment waits, then finds this one
    if letter.accepted_at is not None:
        raise RuleViolation("本企业已接受该清审任务")
    leader = clean(project_leader, "项目负责人", Limit.PERSON, field="project_leader")
    if not 2 <= len(leader) <= Limit.PERSON:
        raise ValidationError("请填写项目负责人姓名（2–32 个字）", field="project_leader")
    mobile = re.sub(r"[\s\-]", "", mobile or "")
    if not MOBILE.fullmatch(mobile):
        raise ValidationError("请填写正确的 11 位手机号码（可接收短信），例如 13812345678", field="mobile")
    letter.project_leader, letter.leader_mobile, letter.accepted_at = leader, mobile, utcnow()
    flush_or_stale(session, STALE_MESSAGE)
    open_project(session, actor, letter)
    audit.record(session, actor=actor, action="notice.accept", object_type=OWNER_LETTER, object_id=letter.id,
                 after={"project_leader": leader, "mobile": mobile}, statement=None)


# --- reading -------------------------------------------------------------------------------

def notice_list(session: Session, actor: User, status: NoticeStatus | None = None) -> list[NoticeAssignment]:
    _require_department(actor)
    stmt = select(NoticeAssignment).where(NoticeAssignment.division_code == actor.division_code)
    if status is not None:
        stmt = stmt.where(NoticeAssignment.status == status)
    return list(session.scalars(stmt.order_by(NoticeAssignment.received_at.desc(), NoticeAssignment.id.desc())))


def parent_of(session: Session, part: NoticeAssignment) -> NoticeAssignment | None:
    return session.get(NoticeAssignment, part.parent_id) if part.parent_id else None
