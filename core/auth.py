"""Accounts: login with lockout, sessions that can be revoked, password change and reset.

streamlit-authenticator draws nothing of this: its lockout does not survive credentials rebuilt
each rerun, its cookie outlives logout and it has no forced change, so the rules live here with
the user table. The cookie only carries a session token; the server decides whether it is alive.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.db import run_write, unit_of_work
from core.errors import ValidationError
from core.jurisdiction import Action, require
from core.models import LoginThrottle, Tier, User, UserSession, utcnow
from core.passwords import (
    DUMMY_HASH,
    check_policy,
    generate_initial_password,
    hash_password,
    verify_password,
)

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12

MSG_MISSING = "请输入账号和密码"
MSG_WRONG = "账号或密码错误"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str
    user: User | None = None
    token: str | None = None
    locked_minutes: int | None = None


def normalize_login(login: str) -> str:
    return (login or "").strip().upper()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _locked_message(minutes: int) -> str:
    return f"账户已锁定，请 {minutes} 分钟后再试（连续 {MAX_FAILED_ATTEMPTS} 次密码错误将锁定 {LOCK_MINUTES} 分钟）"


def _active_lock(session: Session, key: str, now: datetime) -> LoginThrottle | None:
    throttle = session.get(LoginThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return throttle
    return None


def _count_failure(session: Session, key: str, now: datetime) -> LoginResult:
    throttle = session.get(LoginThrottle, key)
    if throttle is None:
        throttle = LoginThrottle(login=key, failed_attempts=0)
        session.add(throttle)
    if throttle.locked_until and throttle.locked_until <= now:
        throttle.failed_attempts = 0
        throttle.locked_until = None
    throttle.failed_attempts += 1
    throttle.last_failed_at = now
    if throttle.failed_attempts >= MAX_FAILED_ATTEMPTS:
        throttle.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        throttle.failed_attempts = 0
        audit.record(session, actor=None, actor_login=key, action="login_locked",
                     object_type="account", object_id=key,
                     after={"locked_until": throttle.locked_until.isoformat()})
        return LoginResult(False, _locked_message(LOCK_MINUTES), locked_minutes=LOCK_MINUTES)
    left = MAX_FAILED_ATTEMPTS - throttle.failed_attempts
    return LoginResult(False, f"{MSG_WRONG}。再错 {left} 次，账户将被锁定 {LOCK_MINUTES} 分钟。")


def authenticate(session: Session, login: str, password: str, now: datetime | None = None,
                 verified: tuple[str | None, bool] | None = None) -> LoginResult:
    """Check a login; on success open a session and return its token.

    An unknown or disabled account is answered, counted and locked exactly like a wrong password.
    `verified`: (the hash checked, whether the password matched it), computed outside the transaction by
    `log_in`; used only if the account's hash is still that one.
    """
    now = now or utcnow()
    key = normalize_login(login)
    if not key or not password:
        return LoginResult(False, MSG_MISSING)
    lock = _active_lock(session, key, now)
    if lock:
        minutes = _minutes_left(lock.locked_until, now)
        return LoginResult(False, _locked_message(minutes), locked_minutes=minutes)
    user = session.scalar(select(User).where(User.login == key))
    if verified is not None and verified[0] == (user.password_hash if user else None):
        password_ok = verified[1]
    else:
        password_ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if not (user and user.is_active and password_ok):
        return _count_failure(session, key, now)
    throttle = session.get(LoginThrottle, key)
    if throttle:
        session.delete(throttle)
    token = open_session(session, user, now)
    audit.record(session, actor=user, action="login", object_type="user", object_id=user.id)
    return LoginResult(True, "登录成功", user=user, token=token)


def log_in(login: str, password: str, now: datetime | None = None) -> LoginResult:
    """The login form's request: bcrypt outside any transaction, then one short writing unit.

    A login writes (its session, the audit log, the failure count); holding the database's write lock
    during bcrypt's quarter second would make every other writer wait, and a unit that reads, hashes and
    then writes would find its snapshot outdated whenever someone wrote meanwhile (core.db).
    """
    key = normalize_login(login)
    verified = None
    if key and password:
        with unit_of_work() as session:
            stored = session.scalar(select(User.password_hash).where(User.login == key))
        verified = (stored, verify_password(password, stored or DUMMY_HASH))
    return run_write(lambda session: authenticate(session, login, password, now, verified))


def open_session(session: Session, user: User, now: datetime | None = None) -> str:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_hash_token(token), user_id=user.id, created_at=now,
                            expires_at=now + timedelta(hours=SESSION_HOURS)))
    return token


def resume_session(session: Session, token: str | None, now: datetime | None = None) -> User | None:
    """The user a browser's token belongs to, or None if it was revoked, expired or never issued."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(UserSession, _hash_token(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def revoke_sessions(session: Session, user_id: int, keep_token: str | None = None,
                    now: datetime | None = None) -> int:
    """End every live session of a user except `keep_token`'s; returns how many were ended."""
    stmt = (update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow()))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _hash_token(keep_token))
    return session.execute(stmt).rowcount


def logout(session: Session, token: str | None) -> None:
    """Log out everywhere: a logout ends the user's other sessions too."""
    user = resume_session(session, token)
    if user is None:
        return
    revoke_sessions(session, user.id)
    audit.record(session, actor=user, action="logout", object_type="user", object_id=user.id)


def change_password(session: Session, user: User, current_password: str, new_password: str,
                    keep_token: str | None = None, now: datetime | None = None) -> None:
    """Replace the user's password; every other session of theirs ends."""
    now = now or utcnow()
    if not current_password:
        raise ValidationError("请输入当前密码", field="current_password")
    if lock := _active_lock(session, user.login, now):
        raise ValidationError(_locked_message(_minutes_left(lock.locked_until, now)), field="current_password")
    if not verify_password(current_password, user.password_hash):
        raise ValidationError(_count_wrong_current_password(session, user, now), field="current_password")
    if new_password == current_password:
        raise ValidationError("新密码不能与当前密码相同", field="new_password")
    check_policy(new_password, user.login)
    before = {"must_change_password": user.must_change_password}
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    revoke_sessions(session, user.id, keep_token=keep_token, now=now)
    audit.record(session, actor=user, action="password_changed", object_type="user",
                 object_id=user.id, before=before, after={"must_change_password": False})


def _count_wrong_current_password(session: Session, user: User, now: datetime) -> str:
    """Count a wrong current password like a failed login, in a transaction of its own.

    The refusal rolls the caller's work back, but the count must stay: otherwise a stolen session
    could guess the password without limit. Reaching the limit locks the account and ends its
    sessions.
    """
    with unit_of_work(session.get_bind()) as own:
        result = _count_failure(own, user.login, now)
        if result.locked_minutes:
            revoke_sessions(own, user.id, now=now)
    if result.locked_minutes:
        return result.message + "。为保障安全，您已被退出登录。"
    return "当前密码不正确" + result.message.removeprefix(MSG_WRONG)


def reset_password(session: Session, actor: User, target: User) -> str:
    """Give a target inside the actor's jurisdiction a new one-time password and return it.

    The target must change it at next login; their sessions end and any lock is lifted.
    """
    require(actor, Action.RESET_PASSWORD, target, what=f"账户 {target.login}")
    password = generate_initial_password()
    target.password_hash = hash_password(password)
    target.must_change_password = True
    revoke_sessions(session, target.id)
    throttle = session.get(LoginThrottle, target.login)
    if throttle:
        session.delete(throttle)
    audit.record(session, actor=actor, action="password_reset", object_type="user",
                 object_id=target.id, after={"must_change_password": True})
    return password


def create_account(session: Session, *, login: str, display_name: str, tier: Tier,
                   division_code: str, enterprise_id: int | None = None,
                   password: str | None = None, actor: User | None = None,
                   password_hash: str | None = None) -> tuple[User, str | None]:
    """Create an account with a random initial password (or a given one) to be changed at first login.

    `password_hash`: the hash of a password made outside the transaction (letters are hashed before
    their short write, core.letter_issue); the password is then not known here and None is returned.
    """
    key = normalize_login(login)
    if session.scalar(select(User.id).where(User.login == key)):
        raise ValidationError(f"账号 {key} 已存在", field="login")
    if password_hash is None:
        password = password or generate_initial_password()
        password_hash = hash_password(password)
    user = User(login=key, display_name=display_name, tier=tier, division_code=division_code,
                enterprise_id=enterprise_id, password_hash=password_hash,
                must_change_password=True)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, actor_login=None if actor else "system",
                 action="account_created", object_type="user", object_id=user.id,
                 after={"login": key, "tier": tier.value, "division_code": division_code})
    return user, password


def enterprise_login(division_code: str, number: int) -> str:
    """An enterprise's account name as printed in its letter: QY + county code + 4-digit number."""
    return f"QY{division_code}{number:04d}"
