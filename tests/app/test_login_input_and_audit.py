"""Screens of findings 1, 8 and 11: the demo notice, hostile login input, logged downloads."""

from __future__ import annotations

from sqlalchemy import func, select

from core import roster
from core.db import unit_of_work
from core.models import AuditLogEntry
from tests.app.conftest import activate, click, new_app, sign_in_as, texts
from tests.conftest import demo_password
from tests.support.roster import PROVINCE, new_task, pdf_bytes, user


def _login(at, account: str, password: str):
    at.text_input(key="login_account").input(account)
    at.text_input(key="login_password").input(password)
    return click(at, "立即登录")


def test_every_screen_of_the_demo_says_it_is_a_demo(db):
    at = new_app().run()
    assert "演示系统" in texts(at) and "用户登录" in texts(at)
    activate("130681")
    at = sign_in_as("130681", demo_password("130681")).run()
    assert "演示系统" in texts(at) and "欢迎" in texts(at)
    # Home.py draws it above whichever page runs; AppTest reruns only the page after a switch, so
    # the other screens are checked in the browser (tests/browser/test_session_cookie.py).


def test_a_nul_or_control_character_in_the_login_form_gets_a_chinese_message(db):
    for account, password in (("130602\x00", "x"), ("130602", "Wrong\x00#Pass1"), ("13\x1b0602", "x")):
        at = _login(new_app().run(), account, password)
        assert not at.exception, at.exception
        [error] = at.error
        assert "控制字符" in error.value or "只能包含字母和数字" in error.value
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)
                        .where(AuditLogEntry.action == "login_failed")) == 0


def test_the_login_fields_are_capped(db):
    at = new_app().run()
    assert at.text_input(key="login_account").max_chars == 32
    assert at.text_input(key="login_password").max_chars == 72


def test_downloading_an_attachment_is_logged(db):
    with unit_of_work() as s:
        assignment = new_task(s)
        roster.attach_file(s, user(s, PROVINCE), assignment.id, "任务通知.pdf", pdf_bytes())
    activate(PROVINCE)
    at = sign_in_as(PROVINCE, demo_password(PROVINCE)).run()
    at.switch_page("pages/roster_task.py")
    at.query_params["id"] = str(assignment.id)
    at.run()
    assert not at.exception, at.exception
    [download] = [b for b in at.get("download_button") if b.label == "下载"]
    download.click()
    at.run()
    with unit_of_work() as s:
        entry = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "attachment.download"))
    assert entry is not None and entry.actor_login == PROVINCE and entry.after["name"] == "任务通知.pdf"
