"""The demo data: 77 Baoding enterprises of seed 001 and the accounts of data/demo/accounts.csv."""

from __future__ import annotations

import csv
import re

from sqlalchemy import func, select

from core.demo import ACCOUNTS_CSV, ROSTER_CSV, load_demo
from core.models import Division, Enterprise, Industry, ManagingTier, Tier, User
from core.passwords import policy_problems, verify_password


def _accounts() -> list[dict[str, str]]:
    with open(ACCOUNTS_CSV, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_load_demo_is_idempotent(uow):
    with uow() as session:
        before = {m: _count(session, m) for m in (Division, Industry, Enterprise, User)}
        hashes = dict(session.execute(select(User.login, User.password_hash)).all())
    for _ in range(2):
        with uow() as session:
            assert load_demo(session) == {"enterprises": 0, "accounts": 0}
    with uow() as session:
        assert {m: _count(session, m) for m in before} == before
        assert before[Enterprise] == 77 and before[User] == 27
        assert dict(session.execute(select(User.login, User.password_hash)).all()) == hashes


def test_77_enterprises_10_province_and_67_city_managed(uow):
    with uow() as session:
        assert _count(session, Enterprise) == 77
        assert _count(session, Enterprise, Enterprise.managing_tier == ManagingTier.PROVINCE) == 10
        assert _count(session, Enterprise, Enterprise.managing_tier == ManagingTier.CITY) == 67
        names = set(session.scalars(select(Enterprise.name)))
    with open(ROSTER_CSV, encoding="utf-8-sig") as f:
        assert names == {r["企业名称"] for r in csv.DictReader(f)}


def test_every_enterprise_sits_in_a_baoding_county(uow):
    with uow() as session:
        for enterprise in session.scalars(select(Enterprise)):
            assert enterprise.division.level is Tier.COUNTY, enterprise.name
            assert enterprise.division.city_code == "130600", enterprise.name
        assert _count(session, Enterprise, Enterprise.division_code == "130681") == 17
        assert _count(session, Enterprise, Enterprise.division_code == "130602") == 2


def test_every_enterprise_has_an_existing_4_digit_industry_class(uow):
    with uow() as session:
        classes = dict(session.execute(select(Industry.code, Industry.level)).all())
        for name, code in session.execute(select(Enterprise.name, Enterprise.industry_code)):
            assert code is not None and re.fullmatch(r"[0-9]{4}", code), (name, code)
            assert classes.get(code) == "class", (name, code)


def test_confirmed_industry_mappings(uow):
    with uow() as session:
        codes = dict(session.execute(select(Enterprise.name, Enterprise.industry_code)).all())
        assert codes["涿州圣泉食品有限公司"] == "1522"  # 瓶(罐)装饮用水制造, half-width brackets
        assert codes["保定中法供水有限公司"] is not None


def test_accounts_csv_passwords_satisfy_the_policy_and_are_distinct():
    rows = _accounts()
    assert len(rows) == 27
    passwords = [r["password"] for r in rows]
    assert len(set(passwords)) == len(passwords)
    for row in rows:
        assert policy_problems(row["password"], row["login"]) == [], row["login"]
    assert len({r["login"] for r in rows}) == len(rows)


def test_demo_accounts_match_the_csv(uow):
    rows = _accounts()
    with uow() as session:
        users = {u.login: u for u in session.scalars(select(User))}
        assert set(users) == {r["login"] for r in rows}
        for row in rows:
            user = users[row["login"]]
            assert user.tier is Tier(row["tier"]), row["login"]
            assert user.must_change_password is True and user.is_active
            assert verify_password(row["password"], user.password_hash), row["login"]
            if user.tier is Tier.ENTERPRISE:
                assert user.enterprise.name == row["enterprise_name"]
                assert user.division_code == user.enterprise.division_code
            else:
                assert user.division_code == row["login"] and user.enterprise_id is None
                assert user.division.level is user.tier
        assert users["QY1306060001"].division_code == "130606"
        assert users["QY1306280001"].division_code == "130628"
        assert users["130000"].display_name == "河北省生态环境厅"
        assert users["130600"].display_name == "保定市生态环境局"
        assert users["130606"].display_name == "保定市生态环境局莲池区分局"
        assert users["130671"].display_name == "保定市生态环境局保定高新区分局"
        # Every Baoding county (but none of 雄安新区's) has a department account.
        counties = set(session.scalars(select(Division.code).where(Division.city_code == "130600",
                                                                   Division.level == Tier.COUNTY)))
        assert counties == {u for u, user in users.items() if user.tier is Tier.COUNTY}
