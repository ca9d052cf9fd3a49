"""站内消息: the unread count, the page of messages, marking read, opening the object, paging."""

from __future__ import annotations

from sqlalchemy import select

from core import auth, roster
from core.db import unit_of_work
from core.models import User
from core.notification_models import Message, MessageKind
from tests.app.conftest import activate, new_app, open_as, texts
from tests.support.roster import CITY, PROVINCE, QINGYUAN, new_task, part, user


def dispatched_to_the_city() -> int:
    """The province dispatched a roster task: 保定市 has one message; returns the city's part id."""
    with unit_of_work() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        task_id = province_part.task_id
    activate(CITY)
    with unit_of_work() as s:
        return part(s, task_id, CITY).id


def unread_of(login: str) -> int:
    with unit_of_work() as s:
        account = s.scalar(select(User).where(User.login == login))
        return len(list(s.scalars(select(Message.id).where(Message.recipient_user_id == account.id,
                                                           Message.read_at.is_(None)))))


def sidebar_links(login: str) -> list[str]:
    """The page links under the menu on a first run (Home.py draws the sidebar; AppTest reruns only the page)."""
    with unit_of_work() as s:
        token = auth.open_session(s, s.scalar(select(User).where(User.login == login)))
    at = new_app()
    at.session_state["session_token"] = token
    return [link.label for link in at.run().sidebar.get("page_link")]


def test_the_city_reads_its_message_and_opens_the_task(db):
    city_part = dispatched_to_the_city()
    assert sidebar_links(CITY) == ["未读消息 1 条"]
    at = open_as(CITY, "pages/inbox.py")
    shown = texts(at)
    assert "未读 **1** 条 · 共 **1** 条" in shown
    assert "名单核定任务已下发：2021年白洋淀流域涉水企业名单核定" in shown and "截止日期" in shown
    [message_id] = [int(b.key.removeprefix("inbox_read_")) for b in at.button if b.key.startswith("inbox_read_")]
    at.button(key=f"inbox_read_{message_id}").click().run()
    assert "已标为已读" in texts(at) and "未读 **0** 条 · 共 **1** 条" in texts(at)
    assert unread_of(CITY) == 0 and sidebar_links(CITY) == []
    assert not [b for b in at.button if b.key.startswith("inbox_read_")]
    at.toggle(key="inbox_unread").set_value(True).run()
    assert "没有未读消息。" in texts(at)
    at.toggle(key="inbox_unread").set_value(False).run()
    at.button(key=f"inbox_open_{message_id}").click().run()  # 打开: the task's detail screen
    assert not at.exception, at.exception
    assert at.session_state["roster_assignment_id"] == city_part
    assert "名单核定任务详情" in texts(at) or "2021年白洋淀流域涉水企业名单核定" in texts(at)


def test_mark_all_read_asks_first_and_leaves_later_messages_unread(db):
    dispatched_to_the_city()
    at = open_as(CITY, "pages/inbox.py")
    with unit_of_work() as s:  # arrives after the page was drawn
        s.add(Message(recipient_user_id=user(s, CITY).id, kind=MessageKind.DUE, title="即将到期：完成评估", body="提醒"))
    at.button(key="inbox_all_read").click().run()
    assert "已将 1 条消息标为已读" in texts(at)
    assert unread_of(CITY) == 1
    assert "即将到期：完成评估" in texts(at)


def test_messages_are_paged_in_sql_and_each_account_sees_only_its_own(db):
    with unit_of_work() as s:
        county = user(s, QINGYUAN).id
        s.add_all([Message(recipient_user_id=county, kind=MessageKind.ROSTER, title=f"消息{i:02d}", body="正文")
                   for i in range(25)])
    at = open_as(QINGYUAN, "pages/inbox.py")
    assert "未读 **25** 条 · 共 **25** 条" in texts(at)
    assert len([b for b in at.button if b.key.startswith("inbox_read_")]) == 20
    assert "消息24" in texts(at) and "消息04" not in texts(at)  # newest first
    at.number_input(key="inbox_page").set_value(2).run()
    assert len([b for b in at.button if b.key.startswith("inbox_read_")]) == 5
    assert "消息04" in texts(at) and "消息24" not in texts(at)
    assert not [b for b in at.button if b.key.startswith("inbox_open_")]  # no object to open
    activate(CITY)
    city = open_as(CITY, "pages/inbox.py")
    assert "暂无消息。" in texts(city) and "消息" not in "".join(b.label for b in city.button)


def test_the_enterprise_has_the_page_too(db):
    from tests.support.projects import accepted_project

    with unit_of_work() as s:
        _, enterprise = accepted_project(s)
        login = enterprise.login
    at = open_as(login, "pages/inbox.py")
    shown = texts(at)
    assert "清审任务已下发" in shown and "告知书已签发" in shown and "短信" in shown
    opened = [b for b in at.button if b.key.startswith("inbox_open_")]
    assert len(opened) == 2
    opened[0].click().run()
    assert not at.exception, at.exception
    assert "接受清审任务" in texts(at)
