"""Login, lockout, sessions, password change and reset, and the audit log they write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core import auth
from core.errors import PermissionDenied, ValidationError
from core.models import AuditLogEntry, User, utcnow
from tests.conftest import demo_password

COUNTY = "130602"
NEW = "Jingxiu#2026"


def _user(session, login):
    return session.scalar(select(User).where(User.login == login))


def _fail(uow, login, now=None):
    with uow() as session:
        return auth.authenticate(session, login, "Wrong#Pass1", now=now)


def test_login_opens_a_session_the_server_recognises(uow):
    with uow() as session:
        result = auth.authenticate(session, " 130602 ", demo_password(COUNTY))
    assert result.ok and result.token
    with uow() as session:
        assert auth.resume_session(session, result.token).login == COUNTY
        assert auth.resume_session(session, "forged-token") is None


def test_enterprise_logins_ignore_case(uow):
    with uow() as session:
        assert auth.authenticate(session, "qy1306060001", demo_password("QY1306060001")).ok


def test_wrong_and_unknown_accounts_are_answered_alike_and_locked_after_five(uow):
    for login in (COUNTY, "139999"):
        messages = [_fail(uow, login).message for _ in range(4)]
        assert [m.split("再错 ")[1][0] for m in messages] == ["4", "3", "2", "1"]
        assert all(m.startswith("账号或密码错误") for m in messages)
        locked = _fail(uow, login)
        assert locked.locked_minutes == 15 and "账户已锁定" in locked.message


def test_a_locked_account_refuses_the_right_password_until_the_time_is_up(uow):
    start = utcnow()
    for _ in range(5):
        _fail(uow, COUNTY, now=start)
    with uow() as session:
        refused = auth.authenticate(session, COUNTY, demo_password(COUNTY), now=start + timedelta(minutes=10))
    assert not refused.ok and refused.locked_minutes == 5 and "5 分钟后再试" in refused.message
    with uow() as session:
        assert auth.authenticate(session, COUNTY, demo_password(COUNTY), now=start + timedelta(minutes=16)).ok
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(AuditLogEntry)
                              .where(AuditLogEntry.action == "login_locked")) == 1


def test_a_successful_login_resets_the_count(uow):
    for _ in range(4):
        _fail(uow, COUNTY)
    with uow() as session:
        assert auth.authenticate(session, COUNTY, demo_password(COUNTY)).ok
    assert "再错 4 次" in _fail(uow, COUNTY).message


def test_empty_input_is_not_counted(uow):
    with uow() as session:
        assert auth.authenticate(session, "", "").message == auth.MSG_MISSING
    assert "再错 4 次" in _fail(uow, COUNTY).message


def _two_sessions(uow, login, password):
    with uow() as session:
        first = auth.authenticate(session, login, password).token
        second = auth.authenticate(session, login, password).token
    return first, second


@pytest.mark.parametrize(("current", "new", "field", "fragment"), [
    ("Wrong#Pass1", NEW, "current_password", "当前密码不正确"),
    (None, "abcdefgh", "new_password", "新密码不符合要求"),
    (None, None, "new_password", "不能与当前密码相同"),
])
def test_change_password_refusals(uow, current, new, field, fragment):
    current = current or demo_password(COUNTY)
    new = new or demo_password(COUNTY)
    with uow() as session:
        user = _user(session, COUNTY)
        with pytest.raises(ValidationError, match=fragment) as caught:
            auth.change_password(session, user, current, new)
        assert caught.value.field == field
    with uow() as session:
        assert _user(session, COUNTY).must_change_password


def test_change_password_keeps_this_session_and_ends_the_others(uow):
    mine, other = _two_sessions(uow, COUNTY, demo_password(COUNTY))
    with uow() as session:
        auth.change_password(session, _user(session, COUNTY), demo_password(COUNTY), NEW, keep_token=mine)
    with uow() as session:
        assert auth.resume_session(session, mine) is not None
        assert auth.resume_session(session, other) is None
        user = _user(session, COUNTY)
        assert not user.must_change_password and user.password_changed_at is not None
        assert auth.authenticate(session, COUNTY, NEW).ok
    with uow() as session:
        assert not auth.authenticate(session, COUNTY, demo_password(COUNTY)).ok


def test_logout_ends_every_session_of_the_user(uow):
    first, second = _two_sessions(uow, COUNTY, demo_password(COUNTY))
    with uow() as session:
        auth.logout(session, first)
    with uow() as session:
        assert auth.resume_session(session, first) is None
        assert auth.resume_session(session, second) is None


def test_an_expired_session_is_not_resumed(uow):
    with uow() as session:
        token = auth.authenticate(session, COUNTY, demo_password(COUNTY)).token
    with uow() as session:
        later = utcnow() + timedelta(hours=auth.SESSION_HOURS, minutes=1)
        assert auth.resume_session(session, token, now=later) is None


def test_reset_by_a_department_in_jurisdiction(uow):
    target_login = "QY1306060001"
    for _ in range(5):
        _fail(uow, target_login)
    token = None
    with uow() as session:
        county = _user(session, "130606")
        county.must_change_password = False
        password = auth.reset_password(session, county, _user(session, target_login))
    assert auth.MSG_WRONG not in password
    with uow() as session:
        result = auth.authenticate(session, target_login, password)  # the lock was lifted
        assert result.ok
        token = result.token
        assert _user(session, target_login).must_change_password
    with uow() as session:
        actions = set(session.scalars(select(AuditLogEntry.action)))
        assert {"password_reset", "login_locked", "login"} <= actions
        assert auth.resume_session(session, token) is not None


@pytest.mark.parametrize(("actor_login", "target_login"), [
    ("130602", "QY1306060001"),  # another county's enterprise
    ("130606", "130600"),  # a county may not reset its city
    ("130600", "130000"),  # nor a city its province
    ("130600", "130600"),  # nor anybody themselves
    ("QY1306060001", "QY1306280001"),  # an enterprise resets nobody
])
def test_reset_outside_the_jurisdiction_is_refused_and_changes_nothing(uow, actor_login, target_login):
    with uow() as session:
        _user(session, actor_login).must_change_password = False
        before = _user(session, target_login).password_hash
    with pytest.raises(PermissionDenied):
        with uow() as session:
            auth.reset_password(session, _user(session, actor_login), _user(session, target_login))
    with uow() as session:
        assert _user(session, target_login).password_hash == before


def test_audit_log_is_append_only_in_the_database(uow):
    with uow() as session:
        auth.authenticate(session, COUNTY, demo_password(COUNTY))
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with uow() as session:
                session.execute(text(statement))
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(AuditLogEntry)) >= 1


def test_new_accounts_get_distinct_random_passwords(uow):
    with uow() as session:
        _, first = auth.create_account(session, login="QY1306810001", display_name="甲", tier=_user(
            session, "QY1306060001").tier, division_code="130681")
        _, second = auth.create_account(session, login="QY1306810002", display_name="乙", tier=_user(
            session, "QY1306060001").tier, division_code="130681")
        assert first != second
        with pytest.raises(ValidationError, match="已存在"):
            auth.create_account(session, login="qy1306810001", display_name="丙",
                                tier=_user(session, "QY1306060001").tier, division_code="130681")


def test_wrong_current_passwords_count_toward_the_lock_and_end_the_sessions(uow):
    with uow() as session:
        token = auth.authenticate(session, COUNTY, demo_password(COUNTY)).token
    messages = []
    for _ in range(5):
        with pytest.raises(ValidationError) as caught:
            with uow() as session:
                auth.change_password(session, _user(session, COUNTY), "Wrong#Pass1", NEW, keep_token=token)
        messages.append(caught.value.message)
    assert messages[0].startswith("当前密码不正确。再错 4 次")
    assert "账户已锁定" in messages[-1] and "退出登录" in messages[-1]
    with uow() as session:
        assert auth.resume_session(session, token) is None
        assert auth.authenticate(session, COUNTY, demo_password(COUNTY)).locked_minutes == 15
