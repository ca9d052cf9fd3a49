"""Who may do what to which object, and the directory scopes derived from the same rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth import create_account
from core.enterprises import DirectoryFilter, county_options, search
from core.errors import PermissionDenied
from core.jurisdiction import Action, can, require
from core.models import Division, Enterprise, ManagingTier, Tier, User

V, E, R = Action.VIEW, Action.EDIT, Action.RESET_PASSWORD
NONE: frozenset = frozenset()

OBJECTS = ["ent_lianchi", "ent_jingxiu", "ent_sjz",
           "div_130000", "div_130600", "div_130606", "div_130602", "div_130102",
           "acc_130000", "acc_130600", "acc_130606", "acc_130602", "acc_130102",
           "acc_QY1306060001", "acc_QY1306280001"]

# Explicit expected table: actor -> object -> allowed actions (any object not listed: nothing).
EXPECTED = {
    "130000": {  # the province: everything in Hebei; every account but its own can be reset
        "ent_lianchi": {V, E}, "ent_jingxiu": {V, E}, "ent_sjz": {V, E},
        "div_130000": {V}, "div_130600": {V}, "div_130606": {V}, "div_130602": {V}, "div_130102": {V},
        "acc_130000": {V}, "acc_130600": {V, R}, "acc_130606": {V, R}, "acc_130602": {V, R},
        "acc_130102": {V, R}, "acc_QY1306060001": {V, R}, "acc_QY1306280001": {V, R},
    },
    "130600": {  # Baoding: its counties and enterprises, not the province nor Shijiazhuang
        "ent_lianchi": {V, E}, "ent_jingxiu": {V, E},
        "div_130600": {V}, "div_130606": {V}, "div_130602": {V},
        "acc_130600": {V}, "acc_130606": {V, R}, "acc_130602": {V, R},
        "acc_QY1306060001": {V, R}, "acc_QY1306280001": {V, R},
    },
    "130606": {  # 莲池区: itself and its enterprise
        "ent_lianchi": {V, E}, "div_130606": {V}, "acc_130606": {V}, "acc_QY1306060001": {V, R},
    },
    "130602": {  # 竞秀区: itself and its enterprise (no enterprise account there)
        "ent_jingxiu": {V, E}, "div_130602": {V}, "acc_130602": {V},
    },
    "QY1306060001": {  # an enterprise: only itself, its county, its own account
        "ent_lianchi": {V, E}, "div_130606": {V}, "acc_QY1306060001": {V},
    },
}

CASES = [(actor, obj, action, action in EXPECTED[actor].get(obj, NONE))
         for actor in EXPECTED for obj in OBJECTS for action in (V, E, R)]


def _user(session, login: str) -> User:
    return session.scalar(select(User).where(User.login == login))


def _operational(session, login: str) -> User:
    user = _user(session, login)
    user.must_change_password = False
    return user


def _enterprise(session, name: str) -> Enterprise:
    return session.scalar(select(Enterprise).where(Enterprise.name == name))


def _add_shijiazhuang(session) -> Enterprise:
    ent = Enterprise(name="石家庄长安测试企业", division_code="130102", industry_code="1522",
                     managing_tier=ManagingTier.CITY)
    session.add(ent)
    session.flush()
    return ent


def _objects(session) -> dict[str, object]:
    objects = {"ent_lianchi": _enterprise(session, "保定中法供水有限公司"),
               "ent_jingxiu": _enterprise(session, "保定日报社印刷厂"),
               "ent_sjz": _add_shijiazhuang(session)}
    for code in ("130000", "130600", "130606", "130602", "130102"):
        objects[f"div_{code}"] = session.get(Division, code)
    create_account(session, login="130102", display_name="石家庄市生态环境局长安区分局",
                   tier=Tier.COUNTY, division_code="130102")
    for login in ("130000", "130600", "130606", "130602", "130102", "QY1306060001", "QY1306280001"):
        objects[f"acc_{login}"] = _user(session, login)
    assert all(v is not None for v in objects.values())
    assert objects["ent_lianchi"].division_code == "130606"
    assert objects["ent_jingxiu"].division_code == "130602"
    return objects


def test_expected_table_is_complete():
    assert set(EXPECTED) == {"130000", "130600", "130606", "130602", "QY1306060001"}
    assert all(set(row) <= set(OBJECTS) for row in EXPECTED.values())
    assert len(CASES) == 5 * len(OBJECTS) * 3


@pytest.mark.parametrize(("actor_login", "obj_name", "action", "allowed"), CASES,
                         ids=[f"{a}-{o}-{x.value}" for a, o, x, _ in CASES])
def test_matrix(uow, actor_login, obj_name, action, allowed):
    with uow() as session:
        actor = _operational(session, actor_login)
        obj = _objects(session)[obj_name]
        assert can(actor, action, obj) is allowed
        if allowed:
            require(actor, action, obj)
        else:
            with pytest.raises(PermissionDenied):
                require(actor, action, obj)


@pytest.mark.parametrize("actor_login", list(EXPECTED))
def test_initial_password_or_inactive_allows_nothing(uow, actor_login):
    with uow() as session:
        actor = _user(session, actor_login)
        objects = _objects(session)
        assert actor.must_change_password is True  # as loaded from the demo
        assert not any(can(actor, a, o) for o in objects.values() for a in (V, E, R))
        with pytest.raises(PermissionDenied, match="^请先修改初始密码，再进行其他操作$"):
            require(actor, V, objects["ent_lianchi"])
        actor.must_change_password = False
        actor.is_active = False
        assert not any(can(actor, a, o) for o in objects.values() for a in (V, E, R))
        with pytest.raises(PermissionDenied, match="^账户已停用$"):
            require(actor, V, objects["ent_lianchi"])


def test_require_message_is_chinese_and_names_the_action(uow):
    with uow() as session:
        county = _operational(session, "130602")
        objects = _objects(session)
        with pytest.raises(PermissionDenied) as info:
            require(county, E, objects["ent_lianchi"], what="企业 保定中法供水有限公司")
        assert info.value.message == "您无权修改企业 保定中法供水有限公司：不在本部门管辖范围内"
        with pytest.raises(PermissionDenied, match="^您无权查看该对象：不在本部门管辖范围内$"):
            require(county, V, objects["div_130600"])


def test_unknown_object_types_are_refused(uow):
    with uow() as session:
        province = _operational(session, "130000")
        assert not can(province, V, "130606")
        assert not can(province, V, None)


def test_xiongan_is_outside_baoding(uow):
    with uow() as session:
        city = _operational(session, "130600")
        province = _operational(session, "130000")
        rongcheng = session.get(Division, "130629")
        assert not can(city, V, rongcheng)
        assert can(province, V, rongcheng)


# --- scopes through the directory -----------------------------------------------------------------

@pytest.mark.parametrize(("login", "total"), [
    ("130000", 77), ("130600", 77), ("130681", 17), ("130602", 2), ("130606", 8),
    ("130629", None), ("QY1306060001", 1), ("QY1306280001", 1),
])
def test_directory_scope(uow, login, total):
    with uow() as session:
        if total is None:  # a Xiong'an county has no demo account: make one
            create_account(session, login=login, display_name="容城县", tier=Tier.COUNTY, division_code=login)
            total = 0
        user = _operational(session, login)
        rows, count = search(session, user, DirectoryFilter(), page_size=100)
        assert count == total == len(rows)
        if user.tier is Tier.ENTERPRISE:
            assert rows[0]["企业名称"] == user.enterprise.name


def test_directory_scope_excludes_other_cities(uow):
    with uow() as session:
        _add_shijiazhuang(session)
        assert search(session, _operational(session, "130000"), DirectoryFilter())[1] == 78
        assert search(session, _operational(session, "130600"), DirectoryFilter())[1] == 77


def test_directory_is_empty_for_a_user_on_the_initial_password(uow):
    with uow() as session:
        assert search(session, _user(session, "130000"), DirectoryFilter()) == ([], 0)
        assert county_options(session, _user(session, "130600")) == []


@pytest.mark.parametrize(("login", "flt", "total"), [
    ("130000", DirectoryFilter(name="涿州"), 12),
    ("130000", DirectoryFilter(name=" 涿州 "), 12),
    ("130000", DirectoryFilter(name="%"), 0),  # a LIKE wildcard is matched literally
    ("130000", DirectoryFilter(managing_tier=ManagingTier.PROVINCE), 10),
    ("130600", DirectoryFilter(managing_tier=ManagingTier.CITY), 67),
    ("130000", DirectoryFilter(industry_division="15"), 11),
    ("130600", DirectoryFilter(county_code="130681"), 17),
    ("130600", DirectoryFilter(county_code="130681", managing_tier=ManagingTier.PROVINCE), 5),
    ("130681", DirectoryFilter(industry_division="15"), 7),
    ("130681", DirectoryFilter(county_code="130606"), 0),  # filtering never widens the scope
    ("130000", DirectoryFilter(industry_division="15", managing_tier=ManagingTier.PROVINCE), 0),
])
def test_directory_filters(uow, login, flt, total):
    with uow() as session:
        rows, count = search(session, _operational(session, login), flt, page_size=100)
        assert count == total == len(rows)
        if flt.managing_tier:
            assert {r["负责评估验收"] for r in rows} <= {flt.managing_tier.label}
        if flt.industry_division:
            assert all(r["行业代码"].startswith(flt.industry_division) for r in rows)
        if flt.name.strip():
            assert all(flt.name.strip() in r["企业名称"] for r in rows)


def test_directory_paging(uow):
    with uow() as session:
        city = _operational(session, "130600")
        first, total = search(session, city, DirectoryFilter(), page=1, page_size=50)
        second, _ = search(session, city, DirectoryFilter(), page=2, page_size=50)
        assert total == 77 and (len(first), len(second)) == (50, 27)
        assert not {r["企业名称"] for r in first} & {r["企业名称"] for r in second}


def test_county_options(uow):
    with uow() as session:
        city = dict(county_options(session, _operational(session, "130600")))
        assert len(city) == 23
        assert city["130602"] == "竞秀区" and city["130606"] == "莲池区" and city["130681"] == "涿州市"
        assert "130671" in city
        assert not {"130629", "130632", "130638", "130600", "130102"} & set(city)
        province = dict(county_options(session, _operational(session, "130000")))
        assert {"130629", "130102", "130606"} <= set(province)
        assert county_options(session, _operational(session, "130606")) == [("130606", "莲池区")]
        assert county_options(session, _operational(session, "QY1306060001")) == [("130606", "莲池区")]
