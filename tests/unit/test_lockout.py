"""Lockout that an attacker cannot turn against the real user (issue 12, finding 6).

Department account names are public codes: anyone can make wrong guesses for them. A guess is
counted before the password is checked, so parallel requests cannot slip past the limits.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from core import auth, setup, throttle
from core.models import AuditLogEntry, Division, Tier, User, utcnow
from tests.conftest import demo_password

PROVINCE = "130000"
COUNTY = "130602"
WRONG = "Wrong#Pass1"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"


def _try(uow, login, password=WRONG, client=ATTACKER, now=None):  # noqa: ARG001  (uow: a reset database)
    """The login form's request: the password checked outside, then one short writing unit."""
    return auth.log_in(login, password, now=now, client=client)


def _checked_guesses(uow, login=None) -> int:
    """Wrong passwords that were actually checked (each is logged; refused tries are not)."""
    with uow() as s:
        stmt = select(func.count()).select_from(AuditLogEntry).where(AuditLogEntry.action == "login_failed")
        if login:
            stmt = stmt.where(AuditLogEntry.actor_login == login)
        return s.scalar(stmt)


def _burst(uow, clients: list[str], now) -> list[auth.LoginResult]:
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(lambda c: _try(uow, COUNTY, client=c, now=now), clients))


def test_twenty_parallel_guesses_from_one_client_check_at_most_five_passwords(uow):
    results = _burst(uow, [ATTACKER] * 20, utcnow())
    assert _checked_guesses(uow) == throttle.MAX_FAILED_ATTEMPTS
    assert sum("账户已锁定" in r.message for r in results) == 20 - throttle.MAX_FAILED_ATTEMPTS + 1
    assert not any(r.ok for r in results)


def test_twenty_parallel_guesses_from_twenty_clients_are_slowed_down_for_the_account(uow):
    now = utcnow()
    results = _burst(uow, [f"203.0.113.{i}" for i in range(20)], now)
    assert _checked_guesses(uow) == throttle.ACCOUNT_SOFT_AFTER
    slowed = [r for r in results if "秒后再试" in r.message]
    assert len(slowed) == 20 - throttle.ACCOUNT_SOFT_AFTER
    # The delay is short and grows with every further wrong guess, to at most a minute.
    assert _try(uow, COUNTY, client="203.0.113.99", now=now + timedelta(seconds=1)).message.startswith(
        auth.MSG_WRONG)
    assert "2 秒后再试" in _try(uow, COUNTY, client="203.0.113.98", now=now + timedelta(seconds=1)).message
    assert throttle.soft_delay(100) == timedelta(seconds=throttle.ACCOUNT_MAX_DELAY_SECONDS)


def test_an_attackers_lock_does_not_keep_the_real_user_out_from_another_client(uow):
    now = utcnow()
    for _ in range(throttle.MAX_FAILED_ATTEMPTS):
        _try(uow, PROVINCE, now=now)
    assert _try(uow, PROVINCE, demo_password(PROVINCE), now=now).locked_minutes == throttle.LOCK_MINUTES
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=OFFICE, now=now).ok


def test_many_attackers_slow_a_new_client_by_the_soft_delay_only_and_not_a_known_one(uow):
    now = utcnow()
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=OFFICE, now=now).ok  # the office is known
    for i in range(throttle.ACCOUNT_SOFT_AFTER + 5):  # many attackers, each within its own limits
        _try(uow, PROVINCE, client=f"203.0.113.{i}", now=now + timedelta(minutes=i))
    later = now + timedelta(minutes=throttle.ACCOUNT_SOFT_AFTER + 5)
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=OFFICE, now=later).ok
    laptop = "192.0.2.10"
    for i in range(throttle.ACCOUNT_SOFT_AFTER + 5):
        _try(uow, PROVINCE, client=f"203.0.113.{100 + i}", now=later + timedelta(minutes=i))
    last_guess = later + timedelta(minutes=throttle.ACCOUNT_SOFT_AFTER + 4)
    refused = _try(uow, PROVINCE, demo_password(PROVINCE), client=laptop, now=last_guess)
    assert not refused.ok and "秒后再试" in refused.message
    after_delay = last_guess + timedelta(seconds=throttle.ACCOUNT_MAX_DELAY_SECONDS)
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=laptop, now=after_delay).ok


def test_one_client_cannot_lock_every_department_account(uow):
    """The finding: 135 requests from one client locked all 27 department accounts."""
    with uow() as s:
        departments = list(s.scalars(select(User.login).where(User.tier != Tier.ENTERPRISE).order_by(User.login)))
    now = utcnow()
    for login in departments:
        for _ in range(throttle.MAX_FAILED_ATTEMPTS):
            _try(uow, login, now=now)
    assert _checked_guesses(uow) == throttle.CLIENT_MAX_FAILURES
    assert "本机登录失败次数过多" in _try(uow, departments[-1], demo_password(departments[-1]), now=now).message
    for login in departments:  # every real user, from their own office, still gets in at once
        assert _try(uow, login, demo_password(login), client=OFFICE, now=now).ok, login


def test_unknown_accounts_are_counted_and_answered_like_real_ones(uow):
    real = [_try(uow, COUNTY).message for _ in range(throttle.MAX_FAILED_ATTEMPTS)]
    unknown = [_try(uow, "139999").message for _ in range(throttle.MAX_FAILED_ATTEMPTS)]
    assert real == unknown
    assert _checked_guesses(uow, "139999") == throttle.MAX_FAILED_ATTEMPTS


def test_failed_logins_are_logged_with_the_typed_name_and_client_never_the_password(uow):
    _try(uow, " qy1306060001 ", "S3cret#Guess")
    with uow() as s:
        entry = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "login_failed"))
    assert entry.actor_login == "QY1306060001" and entry.after == {"client": ATTACKER}
    assert "S3cret" not in str([entry.before, entry.after, entry.statement, entry.object_id])


def test_the_counts_start_again_fifteen_minutes_after_the_last_failure(uow):
    now = utcnow()
    for _ in range(throttle.MAX_FAILED_ATTEMPTS - 1):
        _try(uow, COUNTY, now=now)
    later = now + timedelta(minutes=throttle.LOCK_MINUTES, seconds=1)
    assert f"再错 {throttle.MAX_FAILED_ATTEMPTS - 1} 次" in _try(uow, COUNTY, now=later).message


def test_the_province_unlocks_itself_with_a_server_command_and_it_is_logged(uow, capsys):
    now = utcnow()
    for client in (ATTACKER, OFFICE):
        for _ in range(throttle.MAX_FAILED_ATTEMPTS):
            _try(uow, PROVINCE, client=client, now=now)
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=OFFICE, now=now).locked_minutes
    with uow() as s:
        assert throttle.locked_logins(s, [PROVINCE, COUNTY], now=now) == {PROVINCE}
    assert setup.main(["--unlock", "130000"]) == 0
    assert "lock counters cleared" in capsys.readouterr().err
    assert _try(uow, PROVINCE, demo_password(PROVINCE), client=OFFICE, now=now).ok
    with uow() as s:
        entry = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "login_unlocked"))
        assert (entry.actor_login, entry.object_id) == ("server", PROVINCE)
        assert s.get(Division, PROVINCE) is not None
