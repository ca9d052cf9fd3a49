"""The session cookie and the headers, in chromium (finding 3): HttpOnly and SameSite=Strict, out of
reach of page scripts, kept over a reload, dropped at logout; 30 idle minutes sign the user out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import unit_of_work
from core.models import User, UserSession, utcnow
from tests.app.conftest import activate
from tests.browser.conftest import settle
from tests.conftest import demo_password

pytestmark = pytest.mark.browser

ACCOUNT = "130681"
COOKIE = "qjsc_session"


def _session_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == COOKIE]


def _login(page) -> None:
    settle(page)
    page.get_by_label("账号").fill(ACCOUNT)
    page.get_by_label("密码").fill(demo_password(ACCOUNT))
    with page.expect_response(lambda r: r.url.endswith("/api/session/cookie")) as response:
        page.get_by_role("button", name="立即登录").click()
    assert response.value.status == 204
    page.get_by_text("欢迎，保定市生态环境局涿州市分局").first.wait_for()


def test_the_session_cookie_is_out_of_reach_kept_over_a_reload_and_dropped_at_logout(page, portal):
    headers = page.reload().all_headers()
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-eval'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    page.get_by_text("演示系统").first.wait_for()

    activate(ACCOUNT)
    _login(page)
    [cookie] = _session_cookies(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert COOKIE not in page.evaluate("document.cookie")

    page.reload()
    page.get_by_text("欢迎，保定市生态环境局涿州市分局").first.wait_for()
    page.get_by_role("link", name="企业名录").first.click()
    page.get_by_text("共检索到 17 条记录").first.wait_for()
    page.get_by_text("演示系统").first.wait_for()

    with page.expect_response(lambda r: r.url.endswith("/api/session/logout")):
        page.get_by_role("button", name="退出登录").click()
    page.get_by_text("用户登录").first.wait_for()
    assert _session_cookies(page) == []
    page.reload()
    page.get_by_text("用户登录").first.wait_for()


def test_thirty_idle_minutes_sign_the_user_out(page, portal):  # noqa: ARG001
    activate(ACCOUNT)
    _login(page)
    with unit_of_work() as session:  # the user left the tab open for 31 minutes
        session.execute(update(UserSession)
                        .where(UserSession.user_id == session.query(User.id).filter_by(login=ACCOUNT).scalar_subquery())
                        .values(last_seen_at=utcnow() - timedelta(minutes=31)))
    with page.expect_response(lambda r: r.url.endswith("/api/session/logout")):
        page.get_by_role("link", name="企业名录").first.click()
    page.get_by_text("登录已失效").first.wait_for()
    page.get_by_text("用户登录").first.wait_for()
    assert _session_cookies(page) == []
    page.reload()
    page.get_by_text("用户登录").first.wait_for()
