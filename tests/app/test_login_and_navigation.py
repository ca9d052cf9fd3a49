"""Login, forced password change and the pages each tier is shown, through AppTest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.models import User
from tests.app.conftest import activate, click, new_app, reopen, sign_in_as, texts
from tests.conftest import demo_password


def login(at, account: str, password: str):
    at.text_input(key="login_account").input(account)
    at.text_input(key="login_password").input(password)
    return click(at, "立即登录")


def login_and_reload(at, account: str, password: str):
    return reopen(login(at, account, password))


def test_anonymous_sees_only_the_login_page(db):
    at = new_app().run()
    assert not at.exception
    assert "用户登录" in texts(at)
    assert at.text_input(key="login_account") is not None


def test_wrong_password_and_unknown_account_get_the_same_message(db):
    at = login(new_app().run(), "130602", "Wrong#Pass1")
    wrong = [e.value for e in at.error]
    at2 = login(new_app().run(), "139999", "Wrong#Pass1")
    unknown = [e.value for e in at2.error]
    assert wrong == unknown
    assert "账号或密码错误" in wrong[0] and "再错 4 次" in wrong[0]


def test_five_failures_lock_the_account_with_minutes_left(db):
    at = new_app().run()
    for _ in range(5):
        at = login(at, "130602", "Wrong#Pass1")
    assert "锁定" in at.error[0].value
    at = login(at, "130602", demo_password("130602"))
    assert "15 分钟后再试" in at.error[0].value or "14 分钟后再试" in at.error[0].value
    assert "为保障账户安全" not in texts(at)


def test_first_login_forces_a_password_change_before_anything_else(db):
    at = login_and_reload(new_app().run(), "130602", demo_password("130602"))
    assert not at.exception
    assert "修改初始密码" in texts(at)
    # The navigation holds no other page until the change is made.
    with pytest.raises(ValueError, match="Known pages: \\['[^,]*change_initial_password.py'\\]"):
        at.switch_page("pages/enterprise_directory.py")


def test_weak_new_password_names_the_failed_rule(db):
    at = login_and_reload(new_app().run(), "130602", demo_password("130602"))
    at.text_input(key="forced_current").input(demo_password("130602"))
    at.text_input(key="forced_new").input("abcdefgh")
    at.text_input(key="forced_confirm").input("abcdefgh")
    click(at, "确认修改")
    message = at.error[0].value
    assert "新密码不符合要求" in message and "大写字母" in message and "数字" in message


def test_mismatched_confirmation_is_refused(db):
    at = login_and_reload(new_app().run(), "130602", demo_password("130602"))
    at.text_input(key="forced_current").input(demo_password("130602"))
    at.text_input(key="forced_new").input("Jingxiu#2026")
    at.text_input(key="forced_confirm").input("Jingxiu#2027")
    click(at, "确认修改")
    assert "两次输入的新密码不一致" in at.error[0].value


def test_changing_the_initial_password_opens_the_portal(db):
    at = login_and_reload(new_app().run(), "130602", demo_password("130602"))
    at.text_input(key="forced_current").input(demo_password("130602"))
    at.text_input(key="forced_new").input("Jingxiu#2026")
    at.text_input(key="forced_confirm").input("Jingxiu#2026")
    at = reopen(click(at, "确认修改"))
    assert not at.exception
    shown = texts(at)
    assert "欢迎，保定市生态环境局竞秀区分局" in shown
    assert "河北省 / 保定市 / 竞秀区" in shown
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.login == "130602"))
        assert user.must_change_password is False


PAGE_TITLES = {"pages/enterprise_directory.py": "企业名录", "pages/account_admin.py": "账户管理",
               "pages/account.py": "账户"}


@pytest.mark.parametrize(
    ("account", "allowed", "refused"),
    [
        ("130000", ["pages/enterprise_directory.py", "pages/account_admin.py", "pages/account.py"], []),
        ("130600", ["pages/enterprise_directory.py", "pages/account_admin.py"], []),
        ("130681", ["pages/enterprise_directory.py", "pages/account_admin.py"], []),
        ("QY1306060001", ["pages/account.py"], ["pages/enterprise_directory.py", "pages/account_admin.py"]),
    ],
)
def test_navigation_shows_only_the_pages_of_the_tier(db, account, allowed, refused):
    activate(account)
    at = sign_in_as(account, demo_password(account)).run()
    assert not at.exception
    # Checked on the navigation of the full run, before a page-only run replaces it.
    for page in refused:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    for page in allowed:
        at = sign_in_as(account, demo_password(account)).run()
        at.switch_page(page).run()
        assert not at.exception, page
        assert PAGE_TITLES[page] in [t.value for t in at.title], page


@pytest.mark.parametrize("page", ["pages/enterprise_directory.py", "pages/account_admin.py"])
def test_a_department_page_run_directly_refuses_an_enterprise(db, page):
    from streamlit.testing.v1 import AppTest

    from core.config import PROJECT_ROOT

    activate("QY1306060001")
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.login == "QY1306060001"))
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=60)
    at.session_state["current_user"] = user
    at.run()
    assert "您无权访问此页面" in texts(at)
    assert PAGE_TITLES[page] not in [t.value for t in at.title]


def test_home_shows_the_jurisdiction_of_each_tier(db):
    for account, expected, count in [("130000", "河北省", "77"), ("130600", "河北省 / 保定市", "77"),
                                     ("130681", "河北省 / 保定市 / 涿州市", "17")]:
        activate(account)
        at = sign_in_as(account, demo_password(account)).run()
        shown = texts(at)
        assert expected in shown, account
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["辖区企业"] == count, account


def test_enterprise_home_shows_only_itself(db):
    activate("QY1306060001")
    at = sign_in_as("QY1306060001", demo_password("QY1306060001")).run()
    shown = texts(at)
    assert "保定中法供水有限公司" in shown and "市直管" in shown
    assert "辖区企业" not in shown


def test_logout_ends_the_session(db):
    activate("130602")
    at = sign_in_as("130602", demo_password("130602")).run()
    token = at.session_state["session_token"]
    at.button(key="logout").click()
    at = reopen(at.run())
    assert "用户登录" in texts(at)
    from core import auth

    with unit_of_work() as session:
        assert auth.resume_session(session, token) is None
