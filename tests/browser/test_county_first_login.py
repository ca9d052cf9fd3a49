"""A county department's first day: login, forced password change, its enterprises."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, settle
from tests.conftest import demo_password

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Zhuozhou#2026"


def _login(page, account: str, password: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="立即登录").click()


def test_county_logs_in_changes_password_and_sees_its_enterprises(page):
    page.get_by_text("用户登录").first.wait_for()
    _login(page, "130681", "Wrong#Pass1")
    page.get_by_text("账号或密码错误。再错 4 次").first.wait_for()

    _login(page, "130681", demo_password("130681"))
    page.get_by_text("为保障账户安全").first.wait_for()
    page.get_by_label("当前密码").fill(demo_password("130681"))
    page.get_by_label("新密码", exact=True).fill("short1A")
    page.get_by_label("确认新密码").fill("short1A")
    settle(page)
    page.get_by_role("button", name="确认修改").click()
    page.get_by_text("长度至少 8 位").first.wait_for()

    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    settle(page)
    page.get_by_role("button", name="确认修改").click()
    page.get_by_text("欢迎，保定市生态环境局涿州市分局").first.wait_for()
    page.get_by_text("河北省 / 保定市 / 涿州市").first.wait_for()
    page.get_by_test_id("stMetric").filter(has_text="辖区企业").wait_for()  # drawn after the scope line
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "county_home.png"), full_page=True)

    page.get_by_role("link", name="企业名录").first.click()
    page.get_by_text("共检索到 17 条记录").first.wait_for()
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    page.screenshot(path=str(ARTIFACTS / "county_directory.png"), full_page=True)

    # A reload keeps the session (signed cookie); logging out ends it for good.
    page.reload()
    page.get_by_text("共检索到 17 条记录").first.wait_for()
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("用户登录").first.wait_for()
    page.reload()
    page.get_by_text("用户登录").first.wait_for()

    # The old password no longer works; the new one does, without a forced change.
    _login(page, "130681", demo_password("130681"))
    page.get_by_text("账号或密码错误").first.wait_for()
    _login(page, "130681", NEW_PASSWORD)
    page.get_by_text("欢迎，保定市生态环境局涿州市分局").first.wait_for()
