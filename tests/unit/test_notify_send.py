"""The sender: the log gateway, a real SMTP server (aiosmtpd), failures and retries, concurrent senders;
and the daily due reminders, written once however often they run."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from core import notifications
from core.disclosure_models import DisclosureChannel, DisclosureRecord
from core.db import run_write
from core.models import User
from core.notice_models import NoticeLetter
from core.notification_models import Channel, DeliveryState, Message, MessageKind, OutboxItem
from core.notify_gateways import LogGateway, SmtpGateway, configured
from core.notify_send import enqueue_email, send_queued
from tests.conftest import CAMPAIGN_DAY
from tests.support.projects import accepted_project
from tests.support.roster import QINGYUAN, ZHUOZHOU
from tests.unit.test_notice import cascade_to_counties


def queue_sms(uow, n: int) -> list[int]:
    with uow() as s:
        rows = [OutboxItem(channel=Channel.SMS, address=f"138{i:08d}", subject=f"第 {i} 条", body=f"短信 {i}")
                for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def rows(uow) -> list[OutboxItem]:
    with uow() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


class Recorder:
    """A gateway that keeps what it was given (and may fail the first `fail` times)."""

    def __init__(self, fail: int = 0, pause: float = 0.0):
        self.delivered: list[int] = []
        self.fail, self.pause = fail, pause
        self._lock = threading.Lock()

    def deliver(self, item) -> None:
        time.sleep(self.pause)  # a slow gateway: the senders overlap while delivering
        with self._lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("网关无响应")
            self.delivered.append(item.id)


def test_the_log_gateway_writes_one_line_per_message_and_each_row_is_sent_once(uow, tmp_path, capsys, monkeypatch):
    ids = queue_sms(uow, 2)
    log = tmp_path / "outbox.log"
    monkeypatch.setenv("QJSC_OUTBOX_LOG", str(log))
    assert notifications.main(["send"]) == 0  # the command, with the default (log) gateways
    assert "已发送 2 条" in capsys.readouterr().out
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert [(x["id"], x["channel"], x["to"], x["body"]) for x in lines] == [
        (ids[0], "sms", "13800000000", "短信 0"), (ids[1], "sms", "13800000001", "短信 1")]
    assert [(r.state, r.attempts, r.sent_at is not None) for r in rows(uow)] == [(DeliveryState.SENT, 1, True)] * 2
    assert send_queued({Channel.SMS: LogGateway(log)}).sent == 0  # nothing is sent twice
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2


def test_gateways_are_chosen_by_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("QJSC_OUTBOX_LOG", str(tmp_path / "x.log"))
    gateways = configured()
    assert isinstance(gateways[Channel.SMS], LogGateway) and gateways[Channel.SMS].path == tmp_path / "x.log"
    monkeypatch.setenv("QJSC_EMAIL_GATEWAY", "smtp")
    monkeypatch.setenv("QJSC_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("QJSC_SMTP_PORT", "2525")
    smtp = configured()[Channel.EMAIL]
    assert isinstance(smtp, SmtpGateway) and (smtp.host, smtp.port) == ("mail.example.org", 2525)
    monkeypatch.setenv("QJSC_SMS_GATEWAY", "tests.unit.test_notify_send:Recorder")  # a vendor's gateway
    assert isinstance(configured()[Channel.SMS], Recorder)
    monkeypatch.setenv("QJSC_SMS_GATEWAY", "smtp")
    with pytest.raises(ValueError, match="只发送电子邮件"):
        configured()


# --- a real SMTP server ---------------------------------------------------------------------------

class Mailbox:
    def __init__(self, refuse: bool = False):
        self.received: list = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ARG002  (aiosmtpd's hook)
        if self.refuse:
            return "554 5.7.1 邮件被拒收"
        self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(refuse: bool = False) -> tuple[Mailbox, SmtpGateway]:
        box = Mailbox(refuse)
        controller = Controller(box, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return box, SmtpGateway("127.0.0.1", controller.port, "qingshen@example.org", timeout=10)

    yield start
    for controller in servers:
        controller.stop()


def test_e_mail_goes_through_a_real_smtp_server(uow, smtp_server):
    box, gateway = smtp_server()
    with uow() as s:
        item = enqueue_email(s, "leader@example.org", "评估审核结果：通过", "保定玖福食品有限公司的评估申请已通过。")
    report = send_queued({Channel.EMAIL: gateway})
    assert (report.sent, report.failed) == (1, 0)
    [envelope] = box.received
    assert envelope.mail_from == "qingshen@example.org" and envelope.rcpt_tos == ["leader@example.org"]
    content = envelope.content.decode("utf-8")
    assert f"outbox-{item.id}" in content and "Subject: =?utf-8?" in content
    [row] = rows(uow)
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 1, None)


def test_a_refused_message_is_retried_and_given_up_after_the_last_attempt(uow, smtp_server):
    box, gateway = smtp_server(refuse=True)
    with uow() as s:
        enqueue_email(s, "leader@example.org", "到期提醒", "时间节点即将到期")
    for attempt in (1, 2):
        report = send_queued({Channel.EMAIL: gateway}, max_attempts=3)
        assert (report.sent, report.retry, report.failed) == (0, 1, 0)
        [row] = rows(uow)
        assert (row.state, row.attempts, row.claimed_until) == (DeliveryState.QUEUED, attempt, None)
        assert "554" in row.last_error and "SMTPDataError" in row.last_error
    report = send_queued({Channel.EMAIL: gateway}, max_attempts=3)
    assert report.failed == 1
    [row] = rows(uow)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 3)
    assert send_queued({Channel.EMAIL: gateway}, max_attempts=3).retry == 0  # a failed row is left alone
    assert box.received == []


def test_a_gateway_that_recovers_delivers_on_the_next_run_and_a_missing_one_is_an_error(uow):
    queue_sms(uow, 1)
    with uow() as s:
        enqueue_email(s, "a@example.org", "主题", "正文")
    flaky = Recorder(fail=1)
    first = send_queued({Channel.SMS: flaky})  # no e-mail gateway at all
    assert (first.sent, first.retry) == (0, 2)
    assert [r.last_error for r in rows(uow)] == ["ConnectionError: 网关无响应", "未配置电子邮件网关"]
    second = send_queued({Channel.SMS: flaky, Channel.EMAIL: Recorder()})
    assert second.sent == 2 and [r.state for r in rows(uow)] == [DeliveryState.SENT] * 2
    assert [r.attempts for r in rows(uow)] == [2, 2]


def test_bad_addresses_are_refused_in_chinese(uow):
    from core.errors import ValidationError

    with uow() as s, pytest.raises(ValidationError, match="电子邮件地址"):
        enqueue_email(s, "not-an-address", "主题", "正文")


def test_concurrent_senders_never_send_one_message_twice(uow):
    ids = queue_sms(uow, 30)
    gateway = Recorder(pause=0.01)
    start = threading.Barrier(3)
    reports, errors = [], []

    def sender() -> None:
        try:
            start.wait()
            reports.append(send_queued({Channel.SMS: gateway}, batch=5))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(gateway.delivered) == ids  # every message once, none twice
    assert sum(r.sent for r in reports) == 30
    assert {(r.state, r.attempts) for r in rows(uow)} == {(DeliveryState.SENT, 1)}


def test_a_sender_that_died_leaves_its_rows_to_the_next_after_the_lease(uow):
    from core.notify_send import LEASE, claim

    [item_id] = queue_sms(uow, 1)
    run_write(lambda s: claim(s))  # claimed, never settled
    assert send_queued({Channel.SMS: Recorder()}).sent == 0  # leased: left alone
    with uow() as s:
        row = s.get(OutboxItem, item_id)
        row.claimed_until = row.claimed_until - LEASE - timedelta(seconds=1)  # the lease ran out
    assert send_queued({Channel.SMS: Recorder()}).sent == 1
    assert rows(uow)[0].attempts == 2


# --- due reminders ----------------------------------------------------------------------------------

def reminders(uow, login: str) -> list[Message]:
    with uow() as s:
        account = s.scalar(select(User).where(User.login == login))
        return list(s.scalars(select(Message).where(Message.recipient_user_id == account.id,
                                                    Message.kind.in_([MessageKind.DUE, MessageKind.OVERDUE]))
                              .order_by(Message.id)))


def remind(today) -> int:
    return run_write(lambda s: notifications.remind_due(s, today))


def test_due_and_overdue_reminders_are_written_once_per_letter_and_milestone(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        # Published its audit information: the next milestone is plan_due, 30 days after the campaign day.
        s.add(DisclosureRecord(project_id=project.id, channel=DisclosureChannel.NEWSPAPER, location="《保定日报》第 3 版",
                               published_on=CAMPAIGN_DAY, recorded_by_user_id=enterprise.id))
        login = enterprise.login
    with uow() as s:  # the acceptance's own SMS was written at its commit
        sms_before = s.scalar(select(func.count()).select_from(OutboxItem))
    assert remind(CAMPAIGN_DAY + timedelta(days=22)) == 0  # 8 days ahead: not yet
    assert remind(CAMPAIGN_DAY + timedelta(days=23)) == 1
    assert remind(CAMPAIGN_DAY + timedelta(days=23)) == 0  # the same day again
    assert remind(CAMPAIGN_DAY + timedelta(days=30)) == 0  # due today: already reminded
    [due] = reminders(uow, login)
    assert due.title.startswith("即将到期：完成审核方案并提出评估申请") and "还有 7 天" in due.body
    assert remind(CAMPAIGN_DAY + timedelta(days=31)) == 1
    assert remind(CAMPAIGN_DAY + timedelta(days=40)) == 0
    overdue = reminders(uow, login)[-1]
    assert overdue.kind is MessageKind.OVERDUE and "已于" in overdue.body
    with uow() as s:
        texts = list(s.scalars(select(OutboxItem.subject).order_by(OutboxItem.id).offset(sms_before)))
        assert texts == [due.title, overdue.title]  # the project leader's mobile, once each
        assert s.get(NoticeLetter, project.letter_id).leader_mobile == "13812345678"


def test_letters_not_yet_delivered_remind_the_county(uow):
    with uow() as s:
        cascade_to_counties(s)  # letters_due is 10 days after the campaign day; nothing dispatched yet
    assert remind(CAMPAIGN_DAY + timedelta(days=5)) == 3  # 清苑区 one letter, 涿州市 two
    assert len(reminders(uow, ZHUOZHOU)) == 2
    [county] = reminders(uow, QINGYUAN)
    assert county.title.startswith("即将到期：告知书送达企业") and county.link_page == "pages/notice_tasks.py"
    assert remind(CAMPAIGN_DAY + timedelta(days=5)) == 0


def test_two_reminder_runs_at_once_write_each_reminder_once(uow):
    with uow() as s:
        cascade_to_counties(s)
    start = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            start.wait()
            results.append(remind(CAMPAIGN_DAY + timedelta(days=5)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(results) == [0, 3]
    assert len(reminders(uow, ZHUOZHOU)) == 2
