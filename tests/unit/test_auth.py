"""Login with lockout, revocable sessions, password change and reset, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core import auth
from core.errors import PermissionDenied, ValidationError
from core.models import AuditLogEntry, LoginThrottle, User, UserSession, utcnow
from core.passwords import policy_problems
from tests.conftest import demo_password

WRONG = "Wrong-pass-1"
NEW = "Fresh-pass-42"
LOCKED_15 = "账户已锁定，请 15 分钟后再试（连续 5 次密码错误将锁定 15 分钟）"


def wrong_message(left: int) -> str:
    return f"账号或密码错误。再错 {left} 次，账户将被锁定 15 分钟。"


def _user(session, login: str) -> User:
    return session.scalar(select(User).where(User.login == login))


def _login(uow, login, password, now=None) -> auth.LoginResult:
    with uow() as session:
        return auth.authenticate(session, login, password, now=now)


def _fail(uow, login, times, now=None) -> list[auth.LoginResult]:
    return [_login(uow, login, WRONG, now) for _ in range(times)]


def _audit(session, action: str) -> list[AuditLogEntry]:
    return list(session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == action)
                                .order_by(AuditLogEntry.id)))


# --- login ----------------------------------------------------------------------------------------

def test_login_success_returns_a_token_the_server_recognises(uow):
    result = _login(uow, "130606", demo_password("130606"))
    assert result.ok and result.message == "登录成功"
    assert result.token and result.locked_minutes is None
    assert result.user.login == "130606"
    with uow() as session:
        user = auth.resume_session(session, result.token)
        assert user is not None and user.login == "130606"
        assert session.get(UserSession, result.token) is None  # only a hash of the token is stored
        assert auth.resume_session(session, "not-a-token") is None
        assert auth.resume_session(session, None) is None
        assert auth.resume_session(session, result.token, now=utcnow() + timedelta(hours=11)) is not None
        assert auth.resume_session(session, result.token, now=utcnow() + timedelta(hours=13)) is None


def test_login_name_is_case_and_space_insensitive(uow):
    result = _login(uow, "  qy1306060001 ", demo_password("QY1306060001"))
    assert result.ok and result.user.login == "QY1306060001"


def test_missing_input_is_not_counted(uow):
    for login, password in (("", "x"), ("130606", ""), ("  ", "x")):
        assert _login(uow, login, password).message == "请输入账号和密码"
    for _ in range(6):
        _login(uow, "130606", "")
    assert _login(uow, "130606", demo_password("130606")).ok


def test_wrong_password_counts_down_then_locks(uow):
    t0 = utcnow()
    results = _fail(uow, "130606", 5, now=t0)
    assert [r.message for r in results[:4]] == [wrong_message(n) for n in (4, 3, 2, 1)]
    assert all("账号或密码错误" in r.message for r in results[:4])
    assert all(not r.ok and r.token is None and r.locked_minutes is None for r in results[:4])
    assert not results[4].ok and results[4].locked_minutes == 15
    assert results[4].message == LOCKED_15


def test_unknown_account_is_answered_exactly_like_a_real_one(uow):
    t0 = utcnow()
    real = _fail(uow, "130606", 5, now=t0)
    ghost = _fail(uow, "NOBODY42", 5, now=t0)
    assert [(r.ok, r.message, r.locked_minutes, r.user) for r in ghost] == \
        [(r.ok, r.message, r.locked_minutes, None) for r in real]
    later = _login(uow, "NOBODY42", WRONG, now=t0 + timedelta(minutes=10))
    assert later.locked_minutes == 5


def test_inactive_account_is_answered_like_a_wrong_password(uow):
    with uow() as session:
        _user(session, "130606").is_active = False
    result = _login(uow, "130606", demo_password("130606"))
    assert not result.ok and result.message == wrong_message(4)


def test_locked_account_refuses_the_correct_password_until_the_lock_ends(uow):
    t0 = utcnow()
    password = demo_password("QY1306060001")
    _fail(uow, "qy1306060001", 5, now=t0)  # typed in lower case: the same account
    during = _login(uow, "QY1306060001", password, now=t0 + timedelta(minutes=10))
    assert not during.ok and during.token is None
    assert during.locked_minutes == 5
    assert "请 5 分钟后再试" in during.message
    # A wrong attempt while locked neither counts nor extends the lock.
    assert _login(uow, "QY1306060001", WRONG, now=t0 + timedelta(minutes=14)).locked_minutes == 1
    assert _login(uow, "QY1306060001", password, now=t0 + timedelta(minutes=14, seconds=30)).locked_minutes == 1
    after = _login(uow, "QY1306060001", password, now=t0 + timedelta(minutes=15))
    assert after.ok and after.token


def test_counter_starts_afresh_after_a_lock_expires(uow):
    t0 = utcnow()
    _fail(uow, "130606", 5, now=t0)
    assert _login(uow, "130606", WRONG, now=t0 + timedelta(minutes=16)).message == wrong_message(4)


def test_successful_login_resets_the_counter(uow):
    _fail(uow, "130606", 3)
    assert _login(uow, "130606", demo_password("130606")).ok
    with uow() as session:
        assert session.get(LoginThrottle, "130606") is None
    assert _login(uow, "130606", WRONG).message == wrong_message(4)


# --- change password --------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "new", "field", "fragment"), [
    ("", NEW, "current_password", "请输入当前密码"),
    ("Not-the-pass1", NEW, "current_password", "当前密码不正确"),
    (None, "short", "new_password", "新密码不符合要求：长度至少 8 位（当前 5 位）"),
    (None, "alllowercase", "new_password", "当前缺少：大写字母、数字、符号"),
    (None, "X130606y!", "new_password", "不能包含账号本身"),
    (None, None, "new_password", "新密码不能与当前密码相同"),
])
def test_change_password_refusals(uow, current, new, field, fragment):
    password = demo_password("130606")
    current = password if current is None else current
    new = password if new is None else new
    with uow() as session:
        user = _user(session, "130606")
        old_hash = user.password_hash
        with pytest.raises(ValidationError) as info:
            auth.change_password(session, user, current, new)
        assert info.value.field == field
        assert fragment in info.value.message
        assert user.password_hash == old_hash and user.must_change_password is True
    assert _login(uow, "130606", password).ok


def test_change_password_while_locked_is_refused(uow):
    _fail(uow, "130606", 5)
    with uow() as session, pytest.raises(ValidationError) as info:
        auth.change_password(session, _user(session, "130606"), demo_password("130606"), NEW)
    assert info.value.field == "current_password" and "账户已锁定" in info.value.message


def test_change_password_success_keeps_this_session_and_ends_the_others(uow):
    password = demo_password("130606")
    here, elsewhere = _login(uow, "130606", password), _login(uow, "130606", password)
    with uow() as session:
        auth.change_password(session, _user(session, "130606"), password, NEW, keep_token=here.token)
    with uow() as session:
        user = _user(session, "130606")
        assert user.must_change_password is False
        assert user.password_changed_at is not None
        assert auth.resume_session(session, here.token).id == user.id
        assert auth.resume_session(session, elsewhere.token) is None
    assert _login(uow, "130606", NEW).ok
    assert not _login(uow, "130606", password).ok


def test_logout_ends_every_session_of_the_user(uow):
    password = demo_password("130600")
    first, second = _login(uow, "130600", password), _login(uow, "130600", password)
    other = _login(uow, "130606", demo_password("130606"))
    with uow() as session:
        auth.logout(session, first.token)
        auth.logout(session, "unknown-token")  # harmless
        auth.logout(session, None)
    with uow() as session:
        assert auth.resume_session(session, first.token) is None
        assert auth.resume_session(session, second.token) is None
        assert auth.resume_session(session, other.token) is not None  # another user is untouched
        assert [e.actor_login for e in _audit(session, "logout")] == ["130600"]


# --- reset password --------------------------------------------------------------------------------

@pytest.mark.parametrize("actor_login", ["130000", "130600", "130606"])
def test_reset_password_in_jurisdiction(uow, actor_login):
    old = demo_password("QY1306060001")
    live = _login(uow, "QY1306060001", old)
    _fail(uow, "QY1306060001", 5)
    assert _login(uow, "QY1306060001", old).locked_minutes is not None
    with uow() as session:
        actor = _user(session, actor_login)
        actor.must_change_password = False
        target = _user(session, "QY1306060001")
        target.must_change_password = False
        new = auth.reset_password(session, actor, target)
    assert new != old and policy_problems(new, "QY1306060001") == []
    with uow() as session:
        target = _user(session, "QY1306060001")
        assert target.must_change_password is True
        assert auth.resume_session(session, live.token) is None
        assert session.get(LoginThrottle, "QY1306060001") is None
        entry = _audit(session, "password_reset")[-1]
        assert (entry.actor_login, entry.object_id) == (actor_login, str(target.id))
    result = _login(uow, "QY1306060001", new)
    assert result.ok and result.user.must_change_password is True
    assert _login(uow, "QY1306060001", old).message == wrong_message(4)


@pytest.mark.parametrize(("actor_login", "target_login"), [
    ("130602", "QY1306060001"),  # another county
    ("QY1306280001", "QY1306060001"),  # an enterprise
    ("QY1306060001", "QY1306060001"),  # an enterprise, itself
    ("130606", "130606"),  # a department, itself
    ("130606", "130600"),  # a county, its city
    ("130600", "130000"),  # the city, the province
])
def test_reset_password_outside_jurisdiction_changes_nothing(uow, actor_login, target_login):
    password = demo_password(target_login)
    live = _login(uow, target_login, password)
    with uow() as session:
        before = _user(session, target_login).password_hash
        actor = _user(session, actor_login)
        actor.must_change_password = False
        target = _user(session, target_login)  # the same object as actor when resetting oneself
        with pytest.raises(PermissionDenied) as info:
            auth.reset_password(session, actor, target)
        assert info.value.message == f"您无权重置密码账户 {target_login}：不在本部门管辖范围内"
    with uow() as session:
        target = _user(session, target_login)
        assert target.password_hash == before
        assert auth.resume_session(session, live.token) is not None
        assert _audit(session, "password_reset") == []
    assert _login(uow, target_login, password).ok


def test_reset_by_a_department_still_on_its_initial_password_is_refused(uow):
    with uow() as session, pytest.raises(PermissionDenied, match="请先修改初始密码"):
        auth.reset_password(session, _user(session, "130600"), _user(session, "QY1306060001"))


# --- audit log --------------------------------------------------------------------------------------

def test_audit_log_records_login_lock_change_and_reset(uow):
    password = demo_password("130600")
    _login(uow, "130600", password)
    _fail(uow, "GHOST1", 5)
    with uow() as session:
        city = _user(session, "130600")
        auth.change_password(session, city, password, NEW)
        target = _user(session, "QY1306280001")
        auth.reset_password(session, city, target)
        city_id, target_id = city.id, target.id
    with uow() as session:
        login = _audit(session, "login")[-1]
        assert (login.actor_user_id, login.actor_login, login.object_type, login.object_id) == (
            city_id, "130600", "user", str(city_id))
        locked = _audit(session, "login_locked")[-1]
        assert (locked.actor_user_id, locked.actor_login, locked.object_id) == (None, "GHOST1", "GHOST1")
        assert "locked_until" in locked.after
        changed = _audit(session, "password_changed")[-1]
        assert changed.actor_user_id == city_id
        assert (changed.before, changed.after) == ({"must_change_password": True}, {"must_change_password": False})
        reset = _audit(session, "password_reset")[-1]
        assert (reset.actor_user_id, reset.object_id, reset.after) == (
            city_id, str(target_id), {"must_change_password": True})
        assert all(e.at is not None and e.at.tzinfo is not None for e in (login, locked, changed, reset))


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database(uow, statement):
    _login(uow, "130606", demo_password("130606"))
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(AuditLogEntry))
    assert count > 0
    with pytest.raises(DBAPIError, match="append-only"):
        with uow() as session:
            session.execute(text(statement))
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(AuditLogEntry)) == count
        assert _audit(session, "x") == []


def test_audit_log_is_append_only_in_the_orm(uow):
    with pytest.raises(PermissionError):
        with uow() as session:
            session.scalars(select(AuditLogEntry)).first().action = "x"
            session.flush()
    with pytest.raises(PermissionError):
        with uow() as session:
            session.delete(session.scalars(select(AuditLogEntry)).first())
            session.flush()
