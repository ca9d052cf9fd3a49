"""Accounts: login, password change and reset, account creation.

streamlit-authenticator draws nothing of this: its lockout does not survive credentials rebuilt
each rerun, its cookie outlives logout and it has no forced change, so the rules live here with
the user table. Counting failed tries is core.throttle's; sessions are core.sessions'.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, throttle
from core.db import run_write, unit_of_work
from core.errors import KeptRefusal, ValidationError
from core.jurisdiction import Action, require
from core.models import Tier, User, utcnow
from core.passwords import (
    DUMMY_HASH,
    check_policy,
    generate_initial_password,
    hash_one_time_password,
    hash_password,
    verify_password,
)
from core.sessions import (  # noqa: F401  (the session API, also reached as core.auth.*)
    IDLE_MINUTES,
    SESSION_HOURS,
    client_key,
    open_session,
    resume_session,
    revoke_sessions,
)
from core.throttle import LOCK_MINUTES, MAX_FAILED_ATTEMPTS  # noqa: F401

LOGIN_MAX_LENGTH = 32  # users.login
PASSWORD_MAX_LENGTH = 72  # bcrypt reads no further; no valid password is longer

MSG_MISSING = "请输入账号和密码"
MSG_WRONG = "账号或密码错误"
MSG_LOGIN_FORMAT = f"账号只能包含字母和数字，且不超过 {LOGIN_MAX_LENGTH} 位"
MSG_PASSWORD_FORMAT = f"密码不能包含控制字符，且不超过 {PASSWORD_MAX_LENGTH} 位"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str
    user: User | None = None
    token: str | None = None
    locked_minutes: int | None = None


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("C") for c in text)


def normalize_login(login: str | None) -> str:
    """The account name as stored: trimmed, upper case. Refuses control characters and overlong input.

    Account names are 6-digit division codes and QY + digits; anything else cannot be an account,
    and must never reach the database as typed (PostgreSQL refuses NUL in text).
    """
    key = (login or "").strip().upper()
    if len(key) > LOGIN_MAX_LENGTH or (key and not (key.isascii() and key.isalnum())):
        raise ValidationError(MSG_LOGIN_FORMAT, field="login")
    return key


def check_password_input(password: str | None, field: str = "password") -> str:
    password = password or ""
    if len(password) > PASSWORD_MAX_LENGTH or _has_control_characters(password):
        raise ValidationError(MSG_PASSWORD_FORMAT, field=field)
    return password


def authenticate(session: Session, login: str, password: str, now: datetime | None = None,
                 client: str | None = None, verified: tuple[str | None, bool] | None = None) -> LoginResult:
    """Check a login from `client` (its IP address); on success open a session and return its token.

    An unknown or disabled account is answered, counted and locked exactly like a wrong password.
    Every wrong password is logged with the typed account name and the client, never the password.
    The try is counted before the password's answer is used, under a lock on the counters, in this
    transaction; a refusal is a result, not an exception, so the count is committed with it.
    `verified`: (the hash checked, whether the password matched it), computed outside the transaction by
    `log_in`; used only if the account's hash is still that one.
    """
    now = now or utcnow()
    try:
        key = normalize_login(login)
        password = check_password_input(password)
    except ValidationError as exc:
        return LoginResult(False, exc.message)
    if not key or not password:
        return LoginResult(False, MSG_MISSING)
    client = client_key(client)
    user = session.scalar(select(User).where(User.login == key))
    known = user is not None and throttle.known_client(session, user.id, client, now)
    attempt = throttle.take_attempt(session, key, client, known, now)
    if not attempt.allowed:
        return LoginResult(False, attempt.message, locked_minutes=attempt.locked_minutes)
    if verified is not None and verified[0] == (user.password_hash if user else None):
        password_ok = verified[1]
    else:
        password_ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if not (user and user.is_active and password_ok):
        return _failed(session, key, client, attempt)
    throttle.give_back(session, key, client)
    token = open_session(session, user, now, client=client)
    audit.record(session, actor=user, action="login", object_type="user", object_id=user.id,
                 after={"client": client})
    return LoginResult(True, "登录成功", user=user, token=token)


def log_in(login: str, password: str, now: datetime | None = None, client: str | None = None) -> LoginResult:
    """The login form's request: bcrypt outside any transaction, then one short writing unit.

    A login writes (its session, the counters, the audit log); holding the database's write lock during
    bcrypt's quarter second would make every other writer wait (core.db).
    """
    try:
        key = normalize_login(login)
        check_password_input(password)
    except ValidationError as exc:
        return LoginResult(False, exc.message)
    verified = None
    if key and password:
        with unit_of_work() as session:
            stored = session.scalar(select(User.password_hash).where(User.login == key))
        verified = (stored, verify_password(password, stored or DUMMY_HASH))
    return run_write(lambda session: authenticate(session, login, password, now, client, verified))


def _failed(session: Session, key: str, client: str, attempt: throttle.Attempt) -> LoginResult:
    audit.record(session, actor=None, actor_login=key, action="login_failed", object_type="account",
                 object_id=key, after={"client": client})
    if attempt.locks_pair:
        audit.record(session, actor=None, actor_login=key, action="login_locked", object_type="account",
                     object_id=key, after={"client": client, "minutes": LOCK_MINUTES})
        return LoginResult(False, throttle.locked_message(LOCK_MINUTES), locked_minutes=LOCK_MINUTES)
    return LoginResult(False, f"{MSG_WRONG}。再错 {attempt.left} 次，账户将被锁定 {LOCK_MINUTES} 分钟。")


def logout(session: Session, token: str | None) -> None:
    """Log out everywhere: a logout ends the user's other sessions too."""
    user = resume_session(session, token)
    if user is None:
        return
    revoke_sessions(session, user.id)
    audit.record(session, actor=user, action="logout", object_type="user", object_id=user.id)


def change_password(session: Session, user: User, current_password: str, new_password: str,
                    keep_token: str | None = None, now: datetime | None = None,
                    client: str | None = None) -> None:
    """Replace the user's password; every other session of theirs ends.

    A wrong current password counts like a failed login from this client: otherwise a stolen
    session could guess the password without limit. Reaching the lock ends the user's sessions.
    """
    now = now or utcnow()
    if not current_password:
        raise ValidationError("请输入当前密码", field="current_password")
    check_password_input(current_password, field="current_password")
    check_password_input(new_password, field="new_password")
    client = client_key(client)
    attempt = throttle.take_attempt(session, user.login, client, known=True, now=now)
    if not attempt.allowed:
        raise KeptRefusal(attempt.message, field="current_password")
    if not verify_password(current_password, user.password_hash):
        raise KeptRefusal(_wrong_current_password(session, user, client, attempt, now), field="current_password")
    throttle.give_back(session, user.login, client)
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


def _wrong_current_password(session: Session, user: User, client: str, attempt: throttle.Attempt,
                            now: datetime) -> str:
    """The refusal's message; the count, the log entry and, at the lock, the end of every session are
    kept: the refusal is a KeptRefusal, whose transaction is committed (core.db.unit_of_work)."""
    audit.record(session, actor=None, actor_login=user.login, action="login_failed", object_type="account",
                 object_id=user.login, after={"client": client, "via": "change_password"})
    if attempt.locks_pair:
        revoke_sessions(session, user.id, now=now)
        return throttle.locked_message(LOCK_MINUTES) + "。为保障安全，您已被退出登录。"
    return f"当前密码不正确。再错 {attempt.left} 次，账户将被锁定 {LOCK_MINUTES} 分钟。"


def reset_password(session: Session, actor: User, target: User) -> str:
    """Give a target inside the actor's jurisdiction a new one-time password and return it.

    The target must change it at next login; their sessions end and any lock is lifted.
    """
    require(actor, Action.RESET_PASSWORD, target, what=f"账户 {target.login}")
    password = issue_new_password(session, target)
    audit.record(session, actor=actor, action="password_reset", object_type="user",
                 object_id=target.id, after={"must_change_password": True})
    return password


def issue_new_password(session: Session, target: User) -> str:
    """A fresh one-time password for `target`, to be changed at next login; ends sessions, lifts locks."""
    password = generate_initial_password()
    target.password_hash = hash_one_time_password(password)
    target.must_change_password = True
    revoke_sessions(session, target.id)
    throttle.clear(session, target.login)
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
        password_hash = hash_one_time_password(password)
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
