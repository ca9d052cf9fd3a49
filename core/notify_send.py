"""The sender: delivers the outbox's queued SMS and e-mail through the configured gateways.

Each row is delivered at most once per attempt, even with several senders at once (two cron jobs, a
manual run next to the scheduled one):
- a sender first *claims* a batch in a short writing unit: the rows are locked (PostgreSQL: FOR UPDATE
  SKIP LOCKED, so a second sender takes other rows instead of waiting; SQLite: the write lock of
  BEGIN IMMEDIATE), their attempt is counted, their version moves on and they are leased
  (`claimed_until`), so no other sender can take them meanwhile;
- it delivers them with no transaction open (a slow SMTP server holds no lock);
- it *settles* each row in another short unit, only if the row is still at the version it claimed.
A sender that dies after claiming leaves its rows leased; after the lease they are taken again (that
message may then go out twice: the gateway's answer was never recorded, so nobody can know).
A failed attempt records its error; the row stays queued for the next run until `max_attempts`, then
it is marked failed. One run passes over the queue once (in id order), so a failing gateway is retried
on the next run, not in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from core import config
from core.db import lock, run_write
from core.errors import ValidationError
from core.models import utcnow
from core.notification_models import Channel, DeliveryState, OutboxItem
from core.notify_gateways import Delivery, Gateway, configured
from core.text import clean

LEASE = timedelta(minutes=10)
BATCH = 50
MAX_ERROR = 1000


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0  # failed this time, queued again
    failed: int = 0  # failed for the last time
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"已发送 {self.sent} 条，待重试 {self.retry} 条，发送失败 {self.failed} 条"


def enqueue_email(session: Session, address: str, subject: str, body: str) -> OutboxItem:
    """An e-mail to an address, delivered by the sender (the accounts have no e-mail address yet: the
    workflow's events queue SMS only, see core/notify_events.py)."""
    address = clean(address, "电子邮件地址", 254, field="address")
    if "@" not in address.strip("@"):
        raise ValidationError("请填写正确的电子邮件地址", field="address")
    item = OutboxItem(channel=Channel.EMAIL, address=address, subject=subject[:200], body=body)
    session.add(item)
    session.flush()
    return item


def claim(session: Session, *, after_id: int = 0, limit: int = BATCH, now: datetime | None = None
          ) -> list[tuple[Delivery, int]]:
    """Lease up to `limit` queued rows with ids above `after_id`; returns them with their new versions."""
    now = now or utcnow()
    rows = list(session.scalars(
        select(OutboxItem).where(OutboxItem.state == DeliveryState.QUEUED, OutboxItem.id > after_id,
                                 or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now))
        .order_by(OutboxItem.id).limit(limit).with_for_update(skip_locked=True)))
    for row in rows:
        row.attempts += 1
        row.claimed_until = now + LEASE
    session.flush()  # the versions move on: a sender that read these rows as they were cannot claim them
    return [(Delivery(r.id, r.channel, r.address, r.subject, r.body), r.version) for r in rows]


def settle(session: Session, item_id: int, version: int, error: str | None, max_attempts: int) -> DeliveryState | None:
    """Record one attempt's outcome; None when the row is no longer this sender's (its lease ran out and
    another sender claimed it)."""
    row = session.get(OutboxItem, item_id)
    if row is None:
        return None
    lock(session, row)
    if row.version != version or row.state is not DeliveryState.QUEUED:
        return None
    row.claimed_until = None
    if error is None:
        row.state, row.sent_at = DeliveryState.SENT, utcnow()
    else:
        row.last_error = error[:MAX_ERROR]
        if row.attempts >= max_attempts:
            row.state = DeliveryState.FAILED
    session.flush()
    return row.state


def _attempt(gateways: dict[Channel, Gateway], item: Delivery) -> str | None:
    gateway = gateways.get(item.channel)
    if gateway is None:
        return f"未配置{item.channel.label}网关"
    try:
        gateway.deliver(item)
    except Exception as exc:  # noqa: BLE001  (any failure of a gateway is recorded and retried)
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def send_queued(gateways: dict[Channel, Gateway] | None = None, *, engine: Engine | None = None,
                max_attempts: int | None = None, batch: int = BATCH) -> SendReport:
    """Deliver every queued row once (those claimed by another sender are left to it)."""
    gateways = configured() if gateways is None else gateways
    max_attempts = max_attempts or config.notify_max_attempts()
    report = SendReport()
    cursor = 0
    while True:
        claimed = run_write(lambda s: claim(s, after_id=cursor, limit=batch), engine)
        if not claimed:
            return report
        cursor = max(item.id for item, _ in claimed)
        for item, version in claimed:
            error = _attempt(gateways, item)
            state = run_write(lambda s, i=item, v=version, e=error: settle(s, i.id, v, e, max_attempts), engine)
            if state is DeliveryState.SENT:
                report.sent += 1
            elif state is DeliveryState.QUEUED:
                report.retry += 1
            elif state is DeliveryState.FAILED:
                report.failed += 1
            if error:
                report.errors.append(f"#{item.id}: {error}")
