"""Sessions: the cookie ticket, idle and absolute expiry, the cookie's signed value, login input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import auth, sessions
from core.errors import ValidationError
from core.models import AuditLogEntry, User, UserSession, utcnow
from tests.conftest import demo_password

COUNTY = "130602"


def _login(uow, now=None, client=None) -> str:
    with uow() as s:
        result = auth.authenticate(s, COUNTY, demo_password(COUNTY), now=now, client=client)
    assert result.ok, result.message
    return result.token


def _ticket(uow, token, now=None) -> str:
    with uow() as s:
        return sessions.issue_ticket(s, token, now=now)


def _redeem(uow, ticket, now=None):
    with uow() as s:
        return sessions.redeem_ticket(s, ticket, now=now)


def test_a_ticket_gives_a_cookie_token_once_and_it_resumes_the_same_session(uow):
    token = _login(uow)
    ticket = _ticket(uow, token)
    cookie_token, expires_at = _redeem(uow, ticket)
    assert cookie_token not in (token, ticket)
    assert _redeem(uow, ticket) is None  # single use
    with uow() as s:
        assert sessions.resume_session(s, cookie_token).login == COUNTY
        row = s.scalar(select(UserSession))
        assert expires_at == row.expires_at
        # Only digests are stored: neither the ticket nor the cookie token can be read back.
        assert {row.cookie_hash, row.token_hash} == {sessions.hash_secret(cookie_token), sessions.hash_secret(token)}
        assert row.ticket_hash is None


def test_a_ticket_expires_after_a_minute_and_a_revoked_session_gets_none(uow):
    start = utcnow()
    token = _login(uow, now=start)
    ticket = _ticket(uow, token, now=start)
    assert _redeem(uow, ticket, now=start + timedelta(seconds=sessions.TICKET_SECONDS + 1)) is None
    fresh = _ticket(uow, token, now=start)
    with uow() as s:
        auth.logout(s, token)
    assert _redeem(uow, fresh) is None
    assert _ticket(uow, token) is None  # no ticket for a dead session


def test_a_new_ticket_replaces_the_old_one_and_a_new_cookie_token_the_old_one(uow):
    token = _login(uow)
    first, second = _ticket(uow, token), _ticket(uow, token)
    assert _redeem(uow, first) is None
    old_cookie, _ = _redeem(uow, second)
    new_cookie, _ = _redeem(uow, _ticket(uow, token))
    with uow() as s:
        assert sessions.resume_session(s, old_cookie) is None
        assert sessions.resume_session(s, new_cookie).login == COUNTY


def test_thirty_idle_minutes_end_a_session_for_good(uow):
    start = utcnow()
    token = _login(uow, now=start)
    with uow() as s:
        assert sessions.resume_session(s, token, now=start + timedelta(minutes=29)) is not None
    # Activity at minute 29 moved the idle deadline.
    with uow() as s:
        assert sessions.resume_session(s, token, now=start + timedelta(minutes=58)) is not None
    with uow() as s:
        assert sessions.resume_session(s, token, now=start + timedelta(minutes=58 + 31)) is None
    with uow() as s:  # ended, not just asleep: going back in time does not revive it
        assert sessions.resume_session(s, token, now=start + timedelta(minutes=59)) is None
        assert s.scalar(select(UserSession.revoked_at)) is not None


def test_activity_does_not_outlive_the_absolute_lifetime(uow):
    start = utcnow()
    token = _login(uow, now=start)
    moment = start
    while moment < start + timedelta(hours=sessions.SESSION_HOURS - 1):
        moment += timedelta(minutes=20)
        with uow() as s:
            assert sessions.resume_session(s, token, now=moment) is not None
    with uow() as s:
        assert sessions.resume_session(s, token, now=start + timedelta(hours=sessions.SESSION_HOURS)) is None


def test_last_seen_is_written_at_most_once_a_minute(uow):
    start = utcnow()
    token = _login(uow, now=start)
    for seconds in (10, 30, 59):
        with uow() as s:
            sessions.resume_session(s, token, now=start + timedelta(seconds=seconds))
    with uow() as s:
        assert s.scalar(select(UserSession.last_seen_at)) == start
        sessions.resume_session(s, token, now=start + timedelta(seconds=61))
    with uow() as s:
        assert s.scalar(select(UserSession.last_seen_at)) == start + timedelta(seconds=61)


def test_a_busy_database_still_tells_who_is_signed_in_without_writing(uow):
    """ui.session falls back to signed_in_user when the database stays busy (30 sign-ins at once)."""
    start = utcnow()
    token = _login(uow, now=start)
    with uow() as s:
        user = sessions.signed_in_user(s, token, now=start + timedelta(minutes=5))
        assert user is not None and user.login == COUNTY
        assert not s.dirty and not s.new  # nothing to write
        assert s.scalar(select(UserSession.last_seen_at)) == start
        assert sessions.signed_in_user(s, token, now=start + timedelta(minutes=31)) is None  # idle
        assert sessions.signed_in_user(s, "not-a-token", now=start) is None
        assert s.scalar(select(UserSession.revoked_at)) is None  # judged, not ended: resume_session ends it


def test_the_cookie_value_is_signed_and_carries_only_the_cookie_token(uow):  # noqa: ARG001
    expires_at = utcnow() + timedelta(hours=1)
    value = sessions.cookie_value("abc", expires_at)
    assert sessions.cookie_token(value) == "abc"
    header, payload, signature = value.split(".")
    forged = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    assert sessions.cookie_token(forged) is None
    assert sessions.cookie_token(sessions.cookie_value("abc", utcnow() - timedelta(seconds=5))) is None
    assert sessions.cookie_token("not-a-jwt") is None and sessions.cookie_token(None) is None


def test_password_change_keeps_the_session_named_by_its_cookie_token(uow):
    token = _login(uow)
    cookie_token, _ = _redeem(uow, _ticket(uow, token))
    other = _login(uow)
    with uow() as s:
        user = s.scalar(select(User).where(User.login == COUNTY))
        auth.change_password(s, user, demo_password(COUNTY), "Jingxiu#2026", keep_token=cookie_token)
    with uow() as s:
        assert sessions.resume_session(s, token) is not None  # the same session as the cookie's
        assert sessions.resume_session(s, other) is None


@pytest.mark.parametrize(("login", "password", "message"), [
    ("130602\x00", "x", auth.MSG_LOGIN_FORMAT),
    ("13\x0702", "x", auth.MSG_LOGIN_FORMAT),
    ("１３０６０２", "x", auth.MSG_LOGIN_FORMAT),  # full-width digits
    ("1" * 33, "x", auth.MSG_LOGIN_FORMAT),
    (COUNTY, "Wrong\x00Pass1", auth.MSG_PASSWORD_FORMAT),
    (COUNTY, "Wrong\u202ePass1", auth.MSG_PASSWORD_FORMAT),  # a bidi control
    (COUNTY, "W" * 73, auth.MSG_PASSWORD_FORMAT),
])
def test_control_characters_and_overlong_input_get_a_chinese_message_and_count_nothing(uow, login, password, message):
    with uow() as s:
        result = auth.authenticate(s, login, password)
    assert not result.ok and result.message == message
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)
                        .where(AuditLogEntry.action == "login_failed")) == 0
    with uow() as s:  # the account's count is untouched: four more wrong tries still leave one
        for _ in range(4):
            wrong = auth.authenticate(s, COUNTY, "Wrong#Pass1")
    assert "再错 1 次" in wrong.message


def test_a_wrong_current_password_with_a_nul_is_refused_in_chinese(uow):
    with uow() as s:
        user = s.scalar(select(User).where(User.login == COUNTY))
        with pytest.raises(ValidationError, match="控制字符"):
            auth.change_password(s, user, "abc\x00", "Jingxiu#2026")
