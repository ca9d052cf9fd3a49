"""Gateways that deliver an outbox row: a log file (the default), an SMTP server, or a vendor's own.

A gateway is any object with `deliver(item: Delivery) -> None` that raises when the message was not
accepted; the sender (core/notify_send.py) records the error and tries again later. Which gateway serves
which channel is configuration (core/config.py: QJSC_SMS_GATEWAY, QJSC_EMAIL_GATEWAY): "log", "smtp",
or "package.module:factory" — a callable returning a gateway — for an SMS vendor's API.
"""

from __future__ import annotations

import importlib
import json
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from core import config
from core.models import utcnow
from core.notification_models import Channel


@dataclass(frozen=True)
class Delivery:
    """What a gateway gets of an outbox row."""

    id: int
    channel: Channel
    address: str
    subject: str
    body: str


class Gateway(Protocol):
    def deliver(self, item: Delivery) -> None: ...


class LogGateway:
    """Appends each message as one JSON line to a file: for a portal without an SMS or mail contract."""

    _lock = threading.Lock()  # lines of concurrent senders in one process do not interleave

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else config.outbox_log()

    def deliver(self, item: Delivery) -> None:
        line = json.dumps({"at": utcnow().isoformat(timespec="seconds"), "id": item.id, "channel": item.channel.value,
                           "to": item.address, "subject": item.subject, "body": item.body}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class SmtpGateway:
    """Sends e-mail through an SMTP server (host, port and sender from configuration)."""

    def __init__(self, host: str, port: int, sender: str, username: str | None = None, password: str | None = None,
                 starttls: bool = False, timeout: float = 20.0):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    @classmethod
    def from_config(cls) -> SmtpGateway:
        return cls(**config.smtp_settings())

    def deliver(self, item: Delivery) -> None:
        if item.channel is not Channel.EMAIL:
            raise ValueError("SMTP 网关只能发送电子邮件")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, item.address, item.subject
        # One Message-ID per outbox row: a receiver can tell a retry of the same row from a new message.
        message["Message-ID"] = make_msgid(idstring=f"outbox-{item.id}")
        message.set_content(item.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def _named(name: str, channel: Channel) -> Gateway:
    if name == "log":
        return LogGateway()
    if name == "smtp":
        if channel is not Channel.EMAIL:
            raise ValueError("QJSC_SMS_GATEWAY 不能设为 smtp：SMTP 网关只发送电子邮件")
        return SmtpGateway.from_config()
    module, _, attr = name.partition(":")
    if not module or not attr:
        raise ValueError(f"未知的消息网关：{name}（可用 log、smtp 或 包名.模块:工厂函数）")
    return getattr(importlib.import_module(module), attr)()


def configured() -> dict[Channel, Gateway]:
    """The gateway of each channel, as configured."""
    return {Channel.SMS: _named(config.sms_gateway(), Channel.SMS),
            Channel.EMAIL: _named(config.email_gateway(), Channel.EMAIL)}
