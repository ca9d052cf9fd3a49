"""Reference data, name resolution of real lists, and the demo data."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from core.demo import ACCOUNTS_CSV, load_demo
from core.models import Division, Enterprise, Industry, ManagingTier
from core.passwords import policy_problems
from core.reference import NameResolver


def test_reference_tables(uow):
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(Division)) == 203
        assert session.scalar(select(func.count()).select_from(Industry)) == 1971
        assert session.get(Division, "130671").short_name == "保定高新区"
        assert session.get(Industry, "3741").name == "飞机制造"
        assert session.get(Industry, "3741").parent_code == "374"


def test_names_resolve_or_propose(uow):
    with uow() as session:
        names = NameResolver(session)
        assert names.county("保定市", "保定高新区").code == "130671"
        assert names.county("保定市", "保定白沟新城").code == "130672"
        assert names.county("保定市", "容城县").code is None  # under 雄安新区 now
        assert names.county("雄安新区", "容城县").code == "130629"
        unknown = names.county("保定市", "莲花区")
        assert not unknown.exact and unknown.proposals[0][0] == "130606"
        assert names.industry("酒、饮料和精制茶制造业", "瓶(罐)装饮用水制造").code == "1522"
        assert names.industry("铁路航空航天和其他运输设备制造业", "飞机制造").code == "3741"
        loose = names.industry("专用设备制造业", "电子元件与机电组件设备制造")
        assert not loose.exact and loose.proposals[0] == ("3563", "电子元器件与机电组件设备制造")


def test_demo_data(uow):
    with uow() as session:
        assert load_demo(session) == {"enterprises": 0, "accounts": 0, "experts": 0}  # idempotent
        count = lambda *w: session.scalar(select(func.count()).select_from(Enterprise).where(*w))  # noqa: E731
        assert count() == 77
        assert count(Enterprise.managing_tier == ManagingTier.PROVINCE) == 10
        assert count(Enterprise.managing_tier == ManagingTier.CITY) == 67
        # The demo pool lets every roster enterprise draw a panel of 3 and still replace one who declines.
        from core.review_models import Expert

        pool = session.scalars(select(Expert).where(Expert.registry_code == "130000")).all()
        majors = {e.industry_code[:2] for e in session.scalars(select(Enterprise))}
        assert len(pool) == 36
        assert all(sum(m in x.specialties for x in pool) >= 4 for m in majors), majors
        codes = set(session.scalars(select(Enterprise.industry_code)))
        classes = set(session.scalars(select(Industry.code).where(Industry.level == "class")))
        assert codes <= classes


def test_demo_passwords_are_distinct_and_strong():
    with open(ACCOUNTS_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    passwords = [r["password"] for r in rows]
    assert len(set(passwords)) == len(passwords) == 27
    assert all(policy_problems(p, r["login"]) == [] for p, r in zip(passwords, rows, strict=True))


def test_the_demo_campaign_goes_only_into_a_demo_database_with_its_accounts(empty_db):
    from core import instance
    from core.demo_campaign import load_campaign
    from core.errors import RuleViolation
    from core.workflow_models import RosterTask

    with empty_db() as session:  # no accounts yet, no mode
        with pytest.raises(RuleViolation, match="core.setup --demo"):
            load_campaign(session)
    with empty_db() as session:
        instance.claim(session, instance.PRODUCTION)
    with empty_db() as session:
        with pytest.raises(RuleViolation, match="演示数据库"):
            load_campaign(session)
        assert session.scalar(select(func.count()).select_from(RosterTask)) == 0
