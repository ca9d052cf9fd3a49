"""Division-code arithmetic, the stored division tree (with 雄安新区) and name resolution."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.divisions import (
    XIONGAN_CODE,
    XIONGAN_COUNTIES,
    city_code_of,
    is_division_code,
    level_of_code,
    province_code_of,
    short_name,
)
from core.models import Division, Tier
from core.reference import NameResolver, normalize_name

INVALID_CODES = ["", "13060", "1306061", "13060a", "abcdef", " 130606", "130606 ", "13-606"]


# --- pure arithmetic ----------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "level"), [
    ("130000", Tier.PROVINCE),
    ("110000", Tier.PROVINCE),
    ("130600", Tier.CITY),
    ("139900", Tier.CITY),
    ("130606", Tier.COUNTY),
    ("130681", Tier.COUNTY),
    ("130102", Tier.COUNTY),
])
def test_level_of_code(code, level):
    assert level_of_code(code) is level


@pytest.mark.parametrize("code", INVALID_CODES)
def test_invalid_codes_raise(code):
    assert not is_division_code(code)
    with pytest.raises(ValueError, match="6-digit"):
        level_of_code(code)
    with pytest.raises(ValueError):
        city_code_of(code)
    with pytest.raises(ValueError):
        province_code_of(code)


@pytest.mark.parametrize("code", ["130606\n", "１３０６０６"])
def test_only_six_ascii_digits_are_a_code(code):
    # A trailing newline or full-width digits are not a 行政区划代码 (re's $ and \d accept them).
    assert not is_division_code(code)
    with pytest.raises(ValueError):
        level_of_code(code)


def test_none_is_not_a_code():
    assert not is_division_code(None)
    with pytest.raises(ValueError):
        level_of_code(None)


@pytest.mark.parametrize(("code", "city"), [
    ("130000", None),
    ("130600", "130600"),
    ("130606", "130600"),
    ("130681", "130600"),
    ("130102", "130100"),
    ("130629", "130600"),  # arithmetic only: the stored tree puts it under 雄安新区
])
def test_city_code_of(code, city):
    assert city_code_of(code) == city


@pytest.mark.parametrize(("code", "province"), [
    ("130000", "130000"),
    ("130600", "130000"),
    ("130606", "130000"),
    ("139900", "130000"),
    ("110105", "110000"),
])
def test_province_code_of(code, province):
    assert province_code_of(code) == province


@pytest.mark.parametrize(("name", "short"), [
    ("保定高新技术产业开发区", "保定高新区"),
    ("石家庄经济技术开发区", "石家庄经开区"),
    ("沧州临港经济开发区", "沧州临港经开区"),
    ("莲池区", "莲池区"),
    ("保定白沟新城", "保定白沟新城"),
])
def test_short_name(name, short):
    assert short_name(name) == short


# --- the stored tree ----------------------------------------------------------------------------

def test_reference_has_203_divisions(uow):
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(Division)) == 203
        by_level = dict(session.execute(select(Division.level, func.count()).group_by(Division.level)).all())
        assert by_level[Tier.PROVINCE] == 1
        assert by_level[Tier.CITY] == 12  # 11 published cities + 雄安新区


def test_short_names_and_ancestors(uow):
    with uow() as session:
        hi_tech = session.get(Division, "130671")
        assert hi_tech.name == "保定高新技术产业开发区"
        assert hi_tech.short_name == "保定高新区"
        lianchi = session.get(Division, "130606")
        assert (lianchi.level, lianchi.parent_code, lianchi.city_code, lianchi.province_code) == (
            Tier.COUNTY, "130600", "130600", "130000")
        province = session.get(Division, "130000")
        assert province.city_code is None and province.parent_code is None
        assert province.level is Tier.PROVINCE


def test_xiongan_is_a_local_code_owning_its_counties(uow):
    with uow() as session:
        xiongan = session.get(Division, XIONGAN_CODE)
        assert xiongan.name == "雄安新区"
        assert xiongan.is_local_code is True
        assert xiongan.level is Tier.CITY
        assert xiongan.parent_code == "130000"
        for code in XIONGAN_COUNTIES:
            county = session.get(Division, code)
            assert county.city_code == XIONGAN_CODE, code
            assert county.parent_code == XIONGAN_CODE, code
            assert county.province_code == "130000"
        assert session.get(Division, "130629").name == "容城县"
        # Only the made-up code is flagged.
        local = session.scalars(select(Division.code).where(Division.is_local_code.is_(True))).all()
        assert local == [XIONGAN_CODE]
        # Baoding no longer owns the three counties.
        baoding_counties = set(session.scalars(select(Division.code).where(Division.city_code == "130600",
                                                                            Division.level == Tier.COUNTY)))
        assert baoding_counties.isdisjoint(XIONGAN_COUNTIES)
        assert len(baoding_counties) == 23


# --- resolving the names of real lists ----------------------------------------------------------

def test_normalize_name():
    assert normalize_name("瓶(罐)装饮用水制造") == "瓶（罐）装饮用水制造"
    assert normalize_name(" 酒、饮料和 精制茶制造业 ") == "酒饮料和精制茶制造业"
    assert normalize_name(None) == ""


def test_resolve_county(uow):
    with uow() as session:
        names = NameResolver(session)
        assert names.county("保定市", "保定高新区").code == "130671"
        assert names.county("保定市", "保定高新技术产业开发区").code == "130671"
        assert names.county("保定市", "涿州市").code == "130681"
        assert names.county("雄安新区", "容城县").code == "130629"
        # 容城县 is no longer a Baoding county.
        rongcheng = names.county("保定市", "容城县")
        assert rongcheng.code is None and not rongcheng.exact
        # Without a city, the county is looked up province-wide.
        assert names.county("", "长安区").code == "130102"


def test_unknown_county_gives_proposals(uow):
    with uow() as session:
        match = NameResolver(session).county("保定市", "莲花区")
        assert not match.exact
        assert match.code is None
        assert match.proposals, "an unknown county must come with proposals"
        assert match.proposals[0] == ("130606", "莲池区")
        assert all(code.startswith("1306") for code, _ in match.proposals)


def test_resolve_industry_standard_name(uow):
    with uow() as session:
        names = NameResolver(session)
        assert names.industry("酒、饮料和精制茶制造业", "碳酸饮料制造").code == "1521"
        assert names.industry("铁路、船舶、航空航天和其他运输设备制造业", "飞机制造").code == "3741"
        # A 中类 named in a list resolves to the 中类.
        assert names.industry("酒、饮料和精制茶制造业", "饮料制造").code == "152"


def test_resolve_industry_half_width_brackets(uow):
    with uow() as session:
        match = NameResolver(session).industry("酒、饮料和精制茶制造业", "瓶(罐)装饮用水制造")
        assert match.exact
        assert match.code == "1522"


def test_resolve_industry_non_standard_name_proposes(uow):
    with uow() as session:
        match = NameResolver(session).industry("专用设备制造业", "电子元件与机电组件设备制造")
        assert not match.exact
        assert match.code is None
        assert match.proposals[0] == ("3563", "电子元器件与机电组件设备制造")
        assert len(match.proposals) <= 3
