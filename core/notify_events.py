"""Messages (站内消息) and SMS written by the workflow's events, in the transaction of the event.

Where the events come from: every transition already records itself in the audit log, in its own
transaction, with who, what object, before -> after (core.audit.record, appended at commit). The
messages are derived from those entries as they are flushed (a Session hook, as core/progress.py keeps
letter_progress current), so that
- no workflow module (roster, notice, letter_issue, applications, cases, full_review) is edited, and a
  transition that is not audited cannot notify anyone either;
- the message and the SMS commit or roll back with the event: a refused or conflicting step leaves no
  message behind, and the retry of core.db.run_write writes them once.
Hooking the workflow tables' columns instead would mean reading the transition back from column
differences, a second copy of each state table; explicit calls would touch every transition.
The entry carries what the transition decided (the new step, the round, the result), so a message says
what happened at that moment even when several steps share one transaction.

Recipients: a department's account (one per division code) or an enterprise's account. The accounts
have no e-mail address, so nothing is queued by e-mail; the enterprise's project leader gets an SMS on
the mobile given when the task was accepted (可接收短信). Departments get inbox messages only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.models import AuditLogEntry, Division, Enterprise, Tier, User
from core.notification_models import Channel, Message, MessageKind, OutboxItem
from core.notice_models import AuditNotice, NoticeAssignment, NoticeLetter
from core.project_models import AuditProject, Case, CaseKind, CaseRemark, CaseStep
from core.stages import BY_KEY
from core.workflow_models import RosterAssignment, RosterTask

ROSTER_PAGE = "pages/roster_task.py"
NOTICE_PAGE = "pages/notice_task.py"
CASE_PAGE = "pages/case.py"
ENTERPRISE_TASKS_PAGE = "pages/enterprise_tasks.py"
APPLICATIONS_PAGE = "pages/applications.py"
SMS_SIGNATURE = "【清洁生产审核】"
SMS_TAIL = "请登录强制性清洁生产审核管理系统查看。"
_SEEN = "notify_entries"


@dataclass
class Outgoing:
    """The messages and SMS one transaction writes."""

    messages: list[dict] = field(default_factory=list)
    sms: list[dict] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # actors' names: a batch of letters has one issuer

    def message(self, user_ids, kind: MessageKind, title: str, body: str, page: str | None = None,
                link_id: int | None = None, dedupe_key: str | None = None) -> None:
        for user_id in user_ids:
            self.messages.append({"recipient_user_id": user_id, "kind": kind, "title": title[:200], "body": body,
                                  "link_page": page, "link_id": link_id, "dedupe_key": dedupe_key})

    def text(self, mobile: str | None, title: str) -> None:
        if mobile:
            self.sms.append({"channel": Channel.SMS, "address": mobile, "subject": title[:200],
                             "body": f"{SMS_SIGNATURE}{title}。{SMS_TAIL}"})

    def write(self, connection: Connection) -> None:
        if self.messages:
            connection.execute(insert(Message.__table__), self.messages)
        if self.sms:
            connection.execute(insert(OutboxItem.__table__), self.sms)


# --- who receives --------------------------------------------------------------------------------

def department_users(connection: Connection, codes) -> dict[str, list[int]]:
    """The active department accounts of these division codes, by code."""
    found: dict[str, list[int]] = {}
    rows = connection.execute(select(User.division_code, User.id).where(
        User.division_code.in_(set(codes)), User.tier != Tier.ENTERPRISE, User.is_active.is_(True)))
    for code, user_id in rows:
        found.setdefault(code, []).append(user_id)
    return found


def enterprise_users(connection: Connection, enterprise_id: int) -> list[int]:
    return list(connection.scalars(select(User.id).where(User.enterprise_id == enterprise_id,
                                                         User.is_active.is_(True))))


def _name(connection: Connection, code: str | None) -> str:
    if not code:
        return ""
    return connection.scalar(select(Division.short_name).where(Division.code == code)) or code


def _actor(connection: Connection, entry: AuditLogEntry, out: Outgoing) -> str:
    if entry.actor_user_id is None:
        return entry.actor_login or ""
    if entry.actor_user_id not in out.names:
        out.names[entry.actor_user_id] = connection.scalar(
            select(User.display_name).where(User.id == entry.actor_user_id)) or ""
    return out.names[entry.actor_user_id]


# --- roster tasks --------------------------------------------------------------------------------

def _roster(connection: Connection, entry: AuditLogEntry, out: Outgoing) -> None:
    action = entry.action.removeprefix("roster.")
    if action not in ("dispatch", "submit", "approve", "return"):
        return
    part = connection.execute(select(RosterAssignment.id, RosterAssignment.division_code, RosterAssignment.parent_id,
                                     RosterTask.name, RosterTask.batch, RosterTask.deadline)
                              .join(RosterTask, RosterTask.id == RosterAssignment.task_id)
                              .where(RosterAssignment.id == int(entry.object_id))).one_or_none()
    if part is None:
        return
    actor = _actor(connection, entry, out)
    after = entry.after or {}
    if action == "dispatch":
        children = connection.execute(select(RosterAssignment.id, RosterAssignment.division_code)
                                      .where(RosterAssignment.parent_id == part.id)).all()
        users = department_users(connection, [code for _, code in children])
        for child_id, code in children:
            out.message(users.get(code, []), MessageKind.ROSTER, f"名单核定任务已下发：{part.name}",
                        f"{actor}已下发名单核定任务“{part.name}”（{part.batch}），截止日期 {part.deadline:%Y-%m-%d}，"
                        "请核定本辖区的企业名单。", ROSTER_PAGE, child_id)
    elif action == "submit":
        parent_code = connection.scalar(select(RosterAssignment.division_code)
                                        .where(RosterAssignment.id == part.parent_id))
        users = department_users(connection, [parent_code]) if parent_code else {}
        out.message(users.get(parent_code, []), MessageKind.ROSTER, f"名单核定结果待审核：{part.name}",
                    f"{_name(connection, part.division_code)}已提交名单核定任务“{part.name}”的核定结果，请审核。",
                    ROSTER_PAGE, part.parent_id)
    else:
        verdict = "已通过" if action == "approve" else "已退回"
        comment = after.get("comment") or ""
        body = f"{actor}审核了本部门提交的名单核定任务“{part.name}”：{verdict}。"
        if comment:
            body += f"\n审核意见：{comment}"
        if action == "return":
            body += "\n请按审核意见修改后重新提交。"
        users = department_users(connection, [part.division_code])
        out.message(users.get(part.division_code, []), MessageKind.ROSTER, f"名单核定任务{verdict}：{part.name}",
                    body, ROSTER_PAGE, part.id)


# --- audit notices and letters -------------------------------------------------------------------

def _notice(connection: Connection, entry: AuditLogEntry, out: Outgoing) -> None:
    if entry.action == "notice.dispatch":
        part = connection.execute(select(NoticeAssignment.id, NoticeAssignment.notice_id,
                                         NoticeAssignment.division_code, AuditNotice.name, AuditNotice.doc_number)
                                  .join(AuditNotice, AuditNotice.id == NoticeAssignment.notice_id)
                                  .where(NoticeAssignment.id == int(entry.object_id))).one_or_none()
        if part is None:
            return
        actor = _actor(connection, entry, out)
        if (entry.after or {}).get("to") == "enterprises":
            letters = connection.execute(select(NoticeLetter.enterprise_id, NoticeLetter.letter_number).where(
                NoticeLetter.notice_id == part.notice_id, NoticeLetter.county_code == part.division_code)).all()
            for enterprise_id, number in letters:
                out.message(enterprise_users(connection, enterprise_id), MessageKind.NOTICE,
                            f"清审任务已下发：{part.name}",
                            f"{actor}已下发清洁生产审核任务“{part.name}”（{part.doc_number}，告知书编号 {number}）。"
                            "请在“接受清审任务”中接受任务，填写项目负责人和可接收短信的手机号码。",
                            ENTERPRISE_TASKS_PAGE)
            return
        children = connection.execute(select(NoticeAssignment.id, NoticeAssignment.division_code)
                                      .where(NoticeAssignment.parent_id == part.id)).all()
        users = department_users(connection, [code for _, code in children])
        for child_id, code in children:
            out.message(users.get(code, []), MessageKind.NOTICE, f"清审任务已下发：{part.name}",
                        f"{actor}已下发清审任务“{part.name}”（{part.doc_number}），请补充本级要求后下发。",
                        NOTICE_PAGE, child_id)
    elif entry.action in ("notice.letter_issue", "notice.accept"):
        letter = connection.execute(select(NoticeLetter.enterprise_id, NoticeLetter.letter_number,
                                           NoticeLetter.leader_mobile, AuditNotice.name)
                                    .join(AuditNotice, AuditNotice.id == NoticeLetter.notice_id)
                                    .where(NoticeLetter.id == int(entry.object_id))).one_or_none()
        if letter is None:
            return
        if entry.action == "notice.letter_issue":
            out.message(enterprise_users(connection, letter.enterprise_id), MessageKind.NOTICE,
                        f"告知书已签发：{letter.name}",
                        f"{_actor(connection, entry, out)}已签发清洁生产审核告知书（编号 {letter.letter_number}），"
                        "任务下发后请在“接受清审任务”中接受。", ENTERPRISE_TASKS_PAGE)
        else:  # an SMS to the number just given: the project leader learns at once that it receives them
            out.text((entry.after or {}).get("mobile") or letter.leader_mobile,
                     f"您已登记为“{letter.name}”的清洁生产审核项目负责人")


# --- cases ---------------------------------------------------------------------------------------

def _case(connection: Connection, entry: AuditLogEntry, out: Outgoing) -> None:
    from core.cases import holder_code, holder_tier  # core.cases imports core.db, which imports this module

    action = entry.action.removeprefix("case.")
    if action not in ("submit_evaluation", "submit_acceptance", "resubmit", "intake_pass", "return", "result"):
        return
    found = connection.execute(select(Case.id, Case.kind, Case.managing_tier, AuditProject.enterprise_id,
                                      AuditProject.project_number, NoticeLetter.leader_mobile)
                               .join(AuditProject, AuditProject.id == Case.project_id)
                               .join(NoticeLetter, NoticeLetter.id == AuditProject.letter_id)
                               .where(Case.id == int(entry.object_id))).one_or_none()
    if found is None:
        return
    enterprise_name, division_code = connection.execute(select(Enterprise.name, Enterprise.division_code)
                                                        .where(Enterprise.id == found.enterprise_id)).one()
    division = connection.execute(select(Division.code, Division.city_code, Division.province_code)
                                  .where(Division.code == division_code)).one()  # what holder_code reads
    kind = CaseKind(found.kind).label
    before, after = entry.before or {}, entry.after or {}
    what = f"{enterprise_name}的{kind}申请（项目编号 {found.project_number}）"
    if action in ("submit_evaluation", "submit_acceptance", "resubmit", "intake_pass"):
        step = CaseStep(after.get("step") or CaseStep.COUNTY_INTAKE.value)
        tier = holder_tier(found.managing_tier, step)
        if tier is None:
            return
        code = holder_code(tier, division)
        if action == "intake_pass":
            previous = holder_code(holder_tier(found.managing_tier, CaseStep(before["step"])), division)
            if previous == code:  # the same department goes on to its own next step
                return
            title, body = f"待办理：{what}", f"{_actor(connection, entry, out)}已受理通过{what}，请办理“{step.label}”。"
        elif action == "resubmit":
            title, body = f"整改后重新提交：{what}", f"企业已按审核意见整改并重新提交{what}，请办理“{step.label}”。"
        else:
            title, body = f"待受理：{what}", f"企业已提交{what}，请进行“{step.label}”。"
        users = department_users(connection, [code])
        out.message(users.get(code, []), MessageKind.CASE_TODO, title, body, CASE_PAGE, found.id)
        return
    recipients = enterprise_users(connection, found.enterprise_id)
    if action == "return":
        remarks = connection.execute(select(CaseRemark.stage, CaseRemark.remark).where(
            CaseRemark.case_id == found.id, CaseRemark.round == after.get("round")).order_by(CaseRemark.id)).all()
        reasons = "\n".join(f"{BY_KEY[s].label if s in BY_KEY else s}：{r}" for s, r in remarks)
        title = f"{kind}申请已退回整改（项目编号 {found.project_number}）"
        out.message(recipients, MessageKind.CASE_RETURN, title,
                    f"{_actor(connection, entry, out)}在“{CaseStep(after['step']).label}”环节退回了本企业的{kind}申请。"
                    f"退回原因：\n{reasons}\n请按意见整改后重新提交。", APPLICATIONS_PAGE, found.id)
        out.text(found.leader_mobile, title)
    else:
        passed = after.get("status") == "passed"
        verdict = "通过" if passed else "不通过"
        number = after.get("document_number") or ""
        title = f"{kind}审核结果：{verdict}（项目编号 {found.project_number}）"
        body = f"{_actor(connection, entry, out)}出具了本企业{kind}申请的审核结果：{verdict}（文号 {number}）。"
        body += "请在“评估验收申请”中下载审核意见。" if passed else "请按审核意见整改后重新申请。"
        out.message(recipients, MessageKind.CASE_RESULT, title, body, APPLICATIONS_PAGE, found.id)
        out.text(found.leader_mobile, title)


HANDLERS = {"roster": _roster, "notice": _notice, "case": _case}


def messages_for(connection: Connection, entries: list[AuditLogEntry]) -> Outgoing:
    out = Outgoing()
    for entry in entries:
        handler = HANDLERS.get(entry.action.split(".", 1)[0])
        if handler is not None and entry.object_id is not None:
            handler(connection, entry, out)
    return out


# --- the hook ------------------------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _note_entries(session: Session, flush_context) -> None:  # noqa: ARG001
    """Audit entries reach the database in core.audit.append_pending's flush (at commit, or earlier when
    the transaction reads the log): note them while they are still new."""
    entries = [obj for obj in session.new if isinstance(obj, AuditLogEntry)]
    if entries:
        session.info.setdefault(_SEEN, []).extend(entries)


@event.listens_for(Session, "after_flush_postexec")
def _write_messages(session: Session, flush_context) -> None:  # noqa: ARG001
    entries = session.info.pop(_SEEN, None)
    if entries:
        entries.sort(key=lambda e: e.id)
        messages_for(session.connection(), entries).write(session.connection())


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_SEEN, None)
