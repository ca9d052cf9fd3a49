"""Notifications: each account's inbox (站内消息), the daily due reminders, and the sender's command.

    python -m core.notifications send      deliver the queued SMS and e-mail (core/notify_send.py)
    python -m core.notifications remind    write today's due and overdue reminders (run daily; idempotent)

The workflow's events write their messages themselves, in their own transaction (core/notify_events.py).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from core import dates
from core.errors import RuleViolation
from core.models import User, utcnow
from core.notice_models import MILESTONES, AuditNotice, NoticeLetter
from core.notification_models import Message, MessageKind
from core.notify_events import ENTERPRISE_TASKS_PAGE, Outgoing, department_users, enterprise_users
from core.progress import LetterProgress

DUE_WINDOW_DAYS = 7
MILESTONE_LABELS = dict(MILESTONES)
_CHUNK = 2000
NOTICE_LIST_PAGE = "pages/notice_tasks.py"


# --- the inbox -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: MessageKind
    title: str
    body: str
    link_page: str | None
    link_id: int | None
    created_at: datetime
    read_at: datetime | None


def _mine(user: User, unread_only: bool = False):
    condition = Message.recipient_user_id == user.id
    return and_(condition, Message.read_at.is_(None)) if unread_only else condition


def unread_count(session: Session, user: User) -> int:
    """One indexed COUNT (ix_messages_inbox): cheap enough for the sidebar on every run."""
    return session.scalar(select(func.count()).select_from(Message).where(_mine(user, True))) or 0


def count(session: Session, user: User, *, unread_only: bool = False) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(_mine(user, unread_only))) or 0


def inbox(session: Session, user: User, *, unread_only: bool = False, offset: int = 0,
          limit: int = 20) -> list[InboxRow]:
    """A page of the user's messages, newest first (paged in SQL)."""
    rows = session.execute(select(Message.id, Message.kind, Message.title, Message.body, Message.link_page,
                                  Message.link_id, Message.created_at, Message.read_at)
                           .where(_mine(user, unread_only))
                           .order_by(Message.created_at.desc(), Message.id.desc()).offset(offset).limit(limit))
    return [InboxRow(*row) for row in rows]


def latest_id(session: Session, user: User) -> int:
    """The newest message id the user can have seen (mark_all_read leaves later ones unread)."""
    return session.scalar(select(func.max(Message.id)).where(_mine(user))) or 0


def mark_read(session: Session, user: User, message_id: int) -> bool:
    """Mark one of the user's own messages read; False when it already was.

    A conditional UPDATE on the row is the whole state change: two tabs marking it at once both end
    with it read, at the first one's time. The message records who (its recipient) and when (read_at).
    """
    owner = session.scalar(select(Message.recipient_user_id).where(Message.id == message_id))
    if owner != user.id:
        raise RuleViolation("消息不存在或不属于本账户")
    done = session.execute(update(Message).where(Message.id == message_id, Message.read_at.is_(None))
                           .values(read_at=utcnow()), execution_options={"synchronize_session": False})
    return done.rowcount == 1


def mark_all_read(session: Session, user: User, up_to_id: int) -> int:
    """Mark read the user's messages up to the newest one the page showed; returns how many."""
    done = session.execute(update(Message).where(_mine(user, True), Message.id <= up_to_id)
                           .values(read_at=utcnow()), execution_options={"synchronize_session": False})
    return done.rowcount


# --- due reminders -------------------------------------------------------------------------------

def remind_due(session: Session, today: date | None = None) -> int:
    """One reminder per letter, per milestone and kind (due within 7 days, overdue), for each letter's
    earliest milestone not yet met (letter_progress); returns how many messages were written.

    Running it again, the same day or later, writes nothing twice (messages.dedupe_key, unique: two runs
    at once cannot both write one; the second's retry finds the first's). The county is reminded of
    letters not yet delivered (告知书送达企业), the enterprise of the rest, by SMS too once it has a mobile.
    """
    today = today or dates.beijing_today()
    horizon = today + timedelta(days=DUE_WINDOW_DAYS)
    rows = session.execute(select(LetterProgress.letter_id, LetterProgress.next_milestone, LetterProgress.next_due,
                                  NoticeLetter.enterprise_id, NoticeLetter.county_code, NoticeLetter.leader_mobile,
                                  NoticeLetter.notice_id, AuditNotice.name)
                           .join(NoticeLetter, NoticeLetter.id == LetterProgress.letter_id)
                           .join(AuditNotice, AuditNotice.id == NoticeLetter.notice_id)
                           .where(LetterProgress.next_due.is_not(None), LetterProgress.next_due <= horizon)
                           .order_by(LetterProgress.letter_id)).all()
    connection = session.connection()
    written = 0
    for start in range(0, len(rows), _CHUNK):
        out = Outgoing()
        chunk = rows[start:start + _CHUNK]
        counties = department_users(connection, {r.county_code for r in chunk})
        planned = []
        for row in chunk:
            kind = MessageKind.OVERDUE if row.next_due < today else MessageKind.DUE
            if row.next_milestone == "letters_due":
                recipients, page, link = counties.get(row.county_code, []), NOTICE_LIST_PAGE, None
            else:
                recipients, page, link = enterprise_users(connection, row.enterprise_id), ENTERPRISE_TASKS_PAGE, None
            for user_id in recipients:
                planned.append((f"{kind.value}:{row.letter_id}:{row.next_milestone}:{user_id}", user_id, kind, row,
                                page, link))
        existing = set(connection.scalars(select(Message.dedupe_key)
                                          .where(Message.dedupe_key.in_([p[0] for p in planned]))))
        for key, user_id, kind, row, page, link in planned:
            if key in existing:
                continue
            label = MILESTONE_LABELS.get(row.next_milestone, row.next_milestone)
            if kind is MessageKind.OVERDUE:
                title = f"已逾期：{label}（{row.name}）"
                body = f"“{row.name}”的时间节点“{label}”已于 {row.next_due:%Y-%m-%d} 到期，尚未完成，请尽快办理。"
            else:
                days = (row.next_due - today).days
                title = f"即将到期：{label}（{row.name}）"
                body = (f"“{row.name}”的时间节点“{label}”将于 {row.next_due:%Y-%m-%d} 到期"
                        f"（{'今天' if days == 0 else f'还有 {days} 天'}），请按时完成。")
            if row.next_milestone == "letters_due":
                body += "\n尚未送达的企业：请上传盖章告知书并下发。"
            out.message([user_id], kind, title, body, page, link, dedupe_key=key)
            if row.next_milestone != "letters_due":
                out.text(row.leader_mobile, title)
            existing.add(key)
        out.write(connection)
        written += len(out.messages)
    return written


# --- the command ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.notifications", description="站内消息、短信与邮件")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("send", help="发送待发送的短信和电子邮件（可定时运行，多个同时运行也不会重复发送）")
    commands.add_parser("remind", help="生成时间节点的到期和逾期提醒（每天运行一次；重复运行不会重复提醒）")
    args = parser.parse_args(argv)
    if args.command == "send":
        from core.notify_send import send_queued

        report = send_queued()
        print(report)
        for error in report.errors:
            print(error, file=sys.stderr)
        return 0 if not report.failed else 1
    from core.db import run_write

    print(f"已生成 {run_write(remind_due)} 条提醒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
