"""The jurisdiction matrix: every tier against objects inside and outside its jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.enterprises import DirectoryFilter, county_options, search
from core.errors import PermissionDenied
from core.jurisdiction import Action, can, require
from core.models import Division, Enterprise, ManagingTier, Tier, User

V, E, R = Action.VIEW, Action.EDIT, Action.RESET_PASSWORD

ACTORS = ["130000", "130600", "130606", "130602", "QY1306060001"]


def _objects(session):
    """Named objects: enterprises, divisions and accounts in and out of each actor's reach."""
    outsider = Enterprise(name="石家庄测试企业", division_code="130102", industry_code="4610",
                          managing_tier=ManagingTier.CITY)
    session.add(outsider)
    session.flush()
    by_name = lambda name: session.scalar(select(Enterprise).where(Enterprise.name == name))  # noqa: E731
    user = lambda login: session.scalar(select(User).where(User.login == login))  # noqa: E731
    return {
        "ent_lianchi": by_name("保定中法供水有限公司"),  # 莲池区 130606, has account QY1306060001
        "ent_jingxiu": by_name("保定日报社印刷厂"),  # 竞秀区 130602
        "ent_shijiazhuang": outsider,
        "div_province": session.get(Division, "130000"),
        "div_baoding": session.get(Division, "130600"),
        "div_lianchi": session.get(Division, "130606"),
        "div_shijiazhuang_county": session.get(Division, "130102"),
        "div_rongcheng": session.get(Division, "130629"),  # 雄安新区, not Baoding
        "acc_province": user("130000"),
        "acc_baoding": user("130600"),
        "acc_lianchi": user("130606"),
        "acc_jingxiu": user("130602"),
        "acc_ent_lianchi": user("QY1306060001"),
        "acc_ent_gaoyang": user("QY1306280001"),
    }


# (actor, object) -> the actions allowed; everything else is refused.
ALLOWED = {
    "130000": {"ent_lianchi": {V, E}, "ent_jingxiu": {V, E}, "ent_shijiazhuang": {V, E},
               "div_province": {V}, "div_baoding": {V}, "div_lianchi": {V}, "div_shijiazhuang_county": {V},
               "div_rongcheng": {V}, "acc_province": {V}, "acc_baoding": {V, R}, "acc_lianchi": {V, R},
               "acc_jingxiu": {V, R}, "acc_ent_lianchi": {V, R}, "acc_ent_gaoyang": {V, R}},
    "130600": {"ent_lianchi": {V, E}, "ent_jingxiu": {V, E}, "div_baoding": {V}, "div_lianchi": {V},
               "acc_baoding": {V}, "acc_lianchi": {V, R}, "acc_jingxiu": {V, R},
               "acc_ent_lianchi": {V, R}, "acc_ent_gaoyang": {V, R}},
    "130606": {"ent_lianchi": {V, E}, "div_lianchi": {V}, "acc_lianchi": {V}, "acc_ent_lianchi": {V, R}},
    "130602": {"ent_jingxiu": {V, E}, "acc_jingxiu": {V}},
    "QY1306060001": {"ent_lianchi": {V, E}, "div_lianchi": {V}, "acc_ent_lianchi": {V}},
}


@pytest.mark.parametrize("actor_login", ACTORS)
def test_jurisdiction_matrix(uow, actor_login):
    with uow() as session:
        objects = _objects(session)
        actor = session.scalar(select(User).where(User.login == actor_login))
        actor.must_change_password = False
        for name, obj in objects.items():
            expected = ALLOWED[actor_login].get(name, set())
            actual = {a for a in Action if can(actor, a, obj)}
            assert actual == expected, (actor_login, name)
        session.rollback()


def test_nobody_acts_before_changing_the_initial_password(uow):
    with uow() as session:
        objects = _objects(session)
        province = objects["acc_province"]
        assert province.must_change_password
        assert not any(can(province, a, o) for a in Action for o in objects.values())
        with pytest.raises(PermissionDenied, match="请先修改初始密码"):
            require(province, V, objects["ent_lianchi"])
        session.rollback()


def test_an_inactive_account_can_do_nothing(uow):
    with uow() as session:
        objects = _objects(session)
        city = objects["acc_baoding"]
        city.must_change_password, city.is_active = False, False
        assert not can(city, V, objects["ent_lianchi"])
        with pytest.raises(PermissionDenied, match="停用"):
            require(city, V, objects["ent_lianchi"])
        session.rollback()


def test_require_refuses_outside_the_jurisdiction_in_chinese(uow):
    with uow() as session:
        objects = _objects(session)
        county = objects["acc_jingxiu"]
        county.must_change_password = False
        with pytest.raises(PermissionDenied, match="无权修改.*管辖范围"):
            require(county, E, objects["ent_lianchi"], what="该企业")
        require(county, E, objects["ent_jingxiu"])  # inside: no exception
        session.rollback()


@pytest.mark.parametrize(("login", "visible"), [
    ("130000", 77), ("130600", 77), ("130681", 17), ("130602", 2), ("130606", 8), ("QY1306060001", 1),
])
def test_directory_shows_exactly_the_jurisdiction(uow, login, visible):
    with uow() as session:
        user = session.scalar(select(User).where(User.login == login))
        user.must_change_password = False
        rows, total = search(session, user, DirectoryFilter(), page_size=100)
        assert total == visible and len(rows) == visible
        session.rollback()


def test_directory_of_a_user_who_must_change_password_is_empty(uow):
    with uow() as session:
        user = session.scalar(select(User).where(User.login == "130600"))
        assert search(session, user, DirectoryFilter())[1] == 0


def test_directory_filters(uow):
    with uow() as session:
        city = session.scalar(select(User).where(User.login == "130600"))
        city.must_change_password = False
        assert search(session, city, DirectoryFilter(managing_tier=ManagingTier.PROVINCE))[1] == 10
        assert search(session, city, DirectoryFilter(managing_tier=ManagingTier.CITY))[1] == 67
        assert search(session, city, DirectoryFilter(county_code="130681"))[1] == 17
        rows, total = search(session, city, DirectoryFilter(name="饮料"))
        assert total == len(rows) > 0 and all("饮料" in r["企业名称"] for r in rows)
        rows, total = search(session, city, DirectoryFilter(industry_division="15"))
        assert total > 0 and all(r["行业代码"].startswith("15") for r in rows)
        # A name with SQL wildcards matches literally, not everything.
        assert search(session, city, DirectoryFilter(name="%"))[1] == 0
        page2, total = search(session, city, DirectoryFilter(), page=2, page_size=50)
        assert total == 77 and len(page2) == 27
        counties = dict(county_options(session, city))
        assert "130681" in counties and "130671" in counties and "130629" not in counties
        session.rollback()


def test_xiongan_owns_its_three_counties(uow):
    with uow() as session:
        xiongan = session.get(Division, "139900")
        assert xiongan.is_local_code and xiongan.level is Tier.CITY
        for code in ("130629", "130632", "130638"):
            assert session.get(Division, code).city_code == "139900"
