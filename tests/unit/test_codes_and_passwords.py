"""Pure rules: division-code arithmetic, credit-code check character, password policy."""

from __future__ import annotations

import pytest

from core import credit_code
from core.divisions import city_code_of, level_of_code, province_code_of, short_name
from core.models import Tier
from core.passwords import generate_initial_password, hash_password, policy_problems, verify_password


@pytest.mark.parametrize(("code", "level", "city", "province"), [
    ("130000", Tier.PROVINCE, None, "130000"),
    ("130600", Tier.CITY, "130600", "130000"),
    ("130606", Tier.COUNTY, "130600", "130000"),
    ("130671", Tier.COUNTY, "130600", "130000"),
    ("139900", Tier.CITY, "139900", "130000"),
])
def test_division_code_arithmetic(code, level, city, province):
    assert level_of_code(code) is level
    assert city_code_of(code) == city
    assert province_code_of(code) == province


@pytest.mark.parametrize("bad", ["13060", "1306060", "13060a", "", "abcdef"])
def test_malformed_division_codes_are_refused(bad):
    with pytest.raises(ValueError):
        level_of_code(bad)


def test_short_names_of_functional_zones():
    assert short_name("保定高新技术产业开发区") == "保定高新区"
    assert short_name("莲池区") == "莲池区"


@pytest.mark.parametrize("code", ["91110108551385082Q", "91350100M000100Y43", "91110000600037341L",
                                  "91110108551385082q "])
def test_valid_credit_codes(code):
    assert credit_code.problem(code) is None


@pytest.mark.parametrize(("code", "fragment"), [
    ("91110108551385082R", "校验位"),
    ("9111010855138508", "18 位"),
    ("91110108551385O82Q", "不允许的字符"),
    ("91AB0108551385082Q", "行政区划"),
])
def test_invalid_credit_codes_say_why(code, fragment):
    assert fragment in credit_code.problem(code)


def test_check_character_is_computed_from_the_first_17():
    assert credit_code.check_character("91110108551385082") == "Q"


@pytest.mark.parametrize(("password", "fragment"), [
    ("Ab1#xyz", "长度至少 8 位"),
    ("abcdefgh", "当前缺少：大写字母、数字、符号"),
    ("ABCDEFG1", "当前缺少：小写字母、符号"),
    ("Pass word1", "不能包含空格或中文"),
    ("密码Abc#12345", "不能包含空格或中文"),
    ("Aa1#" * 9, "不能超过 32 位"),
    ("x130602Ab#", "不能包含账号本身"),
])
def test_password_policy_names_the_failed_rule(password, fragment):
    problems = policy_problems(password, login="130602")
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("password", ["Jingxiu#2026", "abcdefg1#", "ABCDEFG1a", "Zz9-zz9-"])
def test_acceptable_passwords(password):
    assert policy_problems(password, login="130602") == []


def test_initial_passwords_are_random_and_meet_the_policy():
    passwords = {generate_initial_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(policy_problems(p) == [] for p in passwords)


def test_hash_roundtrip_and_overlong_input():
    hashed = hash_password("Jingxiu#2026")
    assert hashed.startswith("$2") and "Jingxiu" not in hashed
    assert verify_password("Jingxiu#2026", hashed)
    assert not verify_password("Jingxiu#2027", hashed)
    assert not verify_password("x" * 100, hashed)
