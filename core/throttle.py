"""Failed-login counting: who may try a password now, and who must wait.

Department account names are public codes, so a lock that anyone can trigger must not keep the
real user out. Three counters, each a row of `login_throttle`:

- (account, client) pair — hard: MAX_FAILED_ATTEMPTS wrong passwords from one client lock the
  account *on that client* for LOCK_MINUTES. This is the lock users meet when they mistype.
- client — hard: CLIENT_MAX_FAILURES wrong passwords from one client, whatever the accounts, stop
  that client for LOCK_MINUTES; one machine cannot walk through every department's account.
- account — soft: once ACCOUNT_SOFT_AFTER wrong passwords were tried from anywhere, each further
  try must wait a delay that doubles up to ACCOUNT_MAX_DELAY_SECONDS. Many clients together get
  about one guess a minute; the real user waits at most that long, and not at all on a client from
  which the account signed in during the last KNOWN_CLIENT_DAYS days.

A try is counted *before* the password's answer is used, in the caller's transaction, which locks
the three rows until it ends: parallel requests cannot slip past the limits. A refused login is a
result (committed with its count); a refused password change is a core.errors.KeptRefusal, whose
transaction is committed before the refusal is raised. A success takes its try back. Counts start again after
LOCK_MINUTES without a failure. Unknown account names are counted exactly like real ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.models import LoginThrottle, UserSession, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
CLIENT_MAX_FAILURES = 20
ACCOUNT_SOFT_AFTER = 10
ACCOUNT_MAX_DELAY_SECONDS = 60
KNOWN_CLIENT_DAYS = 30

PAIR, CLIENT, ACCOUNT = "pair", "client", "account"


@dataclass(frozen=True)
class Attempt:
    """The answer to "may this client try a password for this account now?"."""

    allowed: bool
    message: str = ""  # why not, when refused
    locked_minutes: int | None = None  # when refused by a hard lock
    left: int = 0  # wrong passwords still possible on this client before its lock
    locks_pair: bool = False  # if this try fails, the account is now locked on this client


def locked_message(minutes: int) -> str:
    return (f"账户已锁定，请 {minutes} 分钟后再试（连续 {MAX_FAILED_ATTEMPTS} 次密码错误将锁定 "
            f"{LOCK_MINUTES} 分钟）")


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def soft_delay(failures: int) -> timedelta:
    """The wait between tries of an account that many clients got wrong `failures` times."""
    exponent = min(failures - ACCOUNT_SOFT_AFTER, 10)
    return timedelta(seconds=min(2 ** max(exponent, 0), ACCOUNT_MAX_DELAY_SECONDS))


def _keys(login: str, client: str) -> list[tuple[str, str, str]]:
    return sorted([(PAIR, login, client), (CLIENT, "", client), (ACCOUNT, login, "")])


def _locked_rows(session: Session, keys: list[tuple[str, str, str]]) -> dict[str, LoginThrottle]:
    """The throttle rows of `keys`, created when missing and locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle)
                    .values([{"scope": s, "login": lg, "client": c, "failures": 0} for s, lg, c in keys])
                    .on_conflict_do_nothing(index_elements=["scope", "login", "client"]))
    rows = session.scalars(
        select(LoginThrottle)
        .where(or_(*(and_(LoginThrottle.scope == s, LoginThrottle.login == lg, LoginThrottle.client == c)
                     for s, lg, c in keys)))
        .order_by(LoginThrottle.scope, LoginThrottle.login, LoginThrottle.client)
        .with_for_update()
        .execution_options(populate_existing=True))
    return {row.scope: row for row in rows}


def _expire(row: LoginThrottle, now: datetime) -> None:
    """Start counting again once a lock has run out or the last failure is old enough."""
    window = timedelta(minutes=LOCK_MINUTES)
    if row.locked_until is not None and row.locked_until <= now:
        row.failures, row.locked_until = 0, None
    elif row.locked_until is None and row.last_failed_at is not None and row.last_failed_at <= now - window:
        row.failures = 0
    if row.next_attempt_at is not None and row.failures == 0:
        row.next_attempt_at = None


def known_client(session: Session, user_id: int | None, client: str, now: datetime) -> bool:
    """Whether the account signed in from this client recently (then the soft delay does not apply)."""
    if user_id is None:
        return False
    since = now - timedelta(days=KNOWN_CLIENT_DAYS)
    return session.scalar(select(UserSession.token_hash).where(
        UserSession.user_id == user_id, UserSession.client == client,
        UserSession.created_at >= since).limit(1)) is not None


def take_attempt(session: Session, login: str, client: str, known: bool, now: datetime | None = None) -> Attempt:
    """Count a password try for `login` from `client` before it is checked, or refuse it.

    The counters are locked until the caller's transaction ends (SELECT ... FOR UPDATE on PostgreSQL;
    SQLite's writing units hold its one write lock), so parallel tries are counted one after another.
    The caller commits the count with its answer (a refused login is a result; a refused password
    change a core.errors.KeptRefusal)."""
    now = now or utcnow()
    rows = _locked_rows(session, _keys(login, client))
    pair, per_client, account = rows[PAIR], rows[CLIENT], rows[ACCOUNT]
    for row in rows.values():
        _expire(row, now)
    if per_client.locked_until is not None:
        minutes = _minutes_left(per_client.locked_until, now)
        return Attempt(False, f"本机登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试", locked_minutes=minutes)
    if pair.locked_until is not None:
        minutes = _minutes_left(pair.locked_until, now)
        return Attempt(False, locked_message(minutes), locked_minutes=minutes)
    if not known and account.next_attempt_at is not None and account.next_attempt_at > now:
        seconds = max(1, math.ceil((account.next_attempt_at - now).total_seconds()))
        return Attempt(False, f"该账户近期登录失败次数较多，请 {seconds} 秒后再试")
    for row in rows.values():
        row.failures += 1
        row.last_failed_at = now
    if pair.failures >= MAX_FAILED_ATTEMPTS:
        pair.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    if per_client.failures >= CLIENT_MAX_FAILURES:
        per_client.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    if account.failures >= ACCOUNT_SOFT_AFTER:
        account.next_attempt_at = now + soft_delay(account.failures)
    session.flush()
    return Attempt(True, left=MAX_FAILED_ATTEMPTS - pair.failures, locks_pair=pair.locked_until is not None)


def give_back(session: Session, login: str, client: str) -> None:
    """A try that succeeded: clear the pair and the account's soft delay, return the client's try."""
    rows = _locked_rows(session, _keys(login, client))
    session.delete(rows[PAIR])
    rows[ACCOUNT].failures, rows[ACCOUNT].next_attempt_at = 0, None
    rows[CLIENT].failures = max(0, rows[CLIENT].failures - 1)
    session.flush()


def clear(session: Session, login: str) -> int:
    """Lift every lock and count of an account name (reset by a department, or the server's --unlock)."""
    return session.execute(delete(LoginThrottle).where(LoginThrottle.login == login)).rowcount


def locked_logins(session: Session, logins: list[str], now: datetime | None = None) -> set[str]:
    """Which of `logins` are locked on at least one client right now."""
    now = now or utcnow()
    return set(session.scalars(select(LoginThrottle.login).where(
        LoginThrottle.scope == PAIR, LoginThrottle.login.in_(logins), LoginThrottle.locked_until > now)))
