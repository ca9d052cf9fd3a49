"""Persistent model of notifications: the in-app inbox (站内消息) and the outbox of SMS and e-mail."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, portable_enum, utcnow


class MessageKind(str, enum.Enum):
    """What a message is about (the inbox's filter and badge)."""

    ROSTER = "roster"  # 名单核定任务: dispatched, submitted, approved, returned
    NOTICE = "notice"  # 清审任务: dispatched, letter issued, accepted
    CASE_TODO = "case_todo"  # an application waits for the recipient department
    CASE_RETURN = "case_return"  # an application returned to the enterprise
    CASE_RESULT = "case_result"  # 审核结果 issued
    DUE = "due"  # a milestone falls due within 7 days
    OVERDUE = "overdue"  # a milestone has passed unmet

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {MessageKind.ROSTER: "名单核定", MessageKind.NOTICE: "清审任务", MessageKind.CASE_TODO: "待办申请",
               MessageKind.CASE_RETURN: "退回整改", MessageKind.CASE_RESULT: "审核结果", MessageKind.DUE: "到期提醒",
               MessageKind.OVERDUE: "逾期提醒"}


class Message(Base):
    """One message in one account's inbox; never changed except for being read."""

    __tablename__ = "messages"
    __table_args__ = (
        # The unread count and the unread ones newest first.
        Index("ix_messages_inbox", "recipient_user_id", "read_at", "created_at"),
        # The whole inbox a page at a time, newest first.
        Index("ix_messages_recipient_created", "recipient_user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[MessageKind] = mapped_column(portable_enum(MessageKind, "message_kind"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The screen that shows the object (a pages/ path) and the id it opens with (?id=…), when there is one.
    link_page: Mapped[str | None] = mapped_column(String(64))
    link_id: Mapped[int | None] = mapped_column(Integer)
    # Set for messages that a repeated job must not write twice (due reminders: kind, letter, milestone).
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()


class Channel(str, enum.Enum):
    SMS = "sms"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return "短信" if self is Channel.SMS else "电子邮件"


class DeliveryState(str, enum.Enum):
    QUEUED = "queued"  # waiting for the sender (also after a failed attempt that will be retried)
    SENT = "sent"
    FAILED = "failed"  # given up after the last allowed attempt

    @property
    def label(self) -> str:
        return {"queued": "待发送", "sent": "已发送", "failed": "发送失败"}[self.value]


class OutboxItem(Base):
    """An SMS or e-mail to deliver, written in the transaction of its event and delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[Channel] = mapped_column(portable_enum(Channel, "outbox_channel"))
    address: Mapped[str] = mapped_column(String(254))  # a mobile number or an e-mail address
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[DeliveryState] = mapped_column(portable_enum(DeliveryState, "outbox_state"),
                                                 default=DeliveryState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender that claimed the row holds it until then; a sender that died leaves it to the next after that.
    claimed_until: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
