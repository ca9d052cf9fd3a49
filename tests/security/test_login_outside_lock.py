"""A login checks its password (bcrypt) outside the transaction that records it (auth.log_in), so that
it neither holds the write lock for a quarter second nor writes on an outdated snapshot."""

from __future__ import annotations

from sqlalchemy import select

from core import auth, throttle
from core.models import LoginThrottle, User
from core.passwords import hash_password
from tests.conftest import demo_password


def test_log_in_signs_in_and_counts_a_wrong_password(uow):
    assert auth.log_in("130000", demo_password("130000")).ok
    refused = auth.log_in("130000", "Wrong-password-1")
    assert not refused.ok and "再错 4 次" in refused.message
    with uow() as s:
        assert s.scalar(select(LoginThrottle.failures).where(LoginThrottle.scope == throttle.PAIR,
                                                             LoginThrottle.login == "130000")) == 1


def test_a_check_made_against_a_hash_replaced_since_is_made_again(uow):
    with uow() as s:
        account = s.scalar(select(User).where(User.login == "130000"))
        old_hash = account.password_hash
        account.password_hash = hash_password("New-password-2")  # reset meanwhile
    with uow() as s:  # the old password was right for the old hash: it no longer opens the account
        assert not auth.authenticate(s, "130000", demo_password("130000"), verified=(old_hash, True)).ok
    with uow() as s:
        assert auth.authenticate(s, "130000", "New-password-2", verified=(old_hash, False)).ok
