"""Password policy, bcrypt hashing and random initial passwords."""

from __future__ import annotations

import string

import pytest

from core.errors import ValidationError
from core.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_policy,
    generate_initial_password,
    hash_password,
    policy_problems,
    verify_password,
)

CLASSES_RULE = "须包含大写字母、小写字母、数字、符号中的至少 3 类"
CHARSET_RULE = "只能包含英文字母、数字和英文符号，不能包含空格或中文"


def test_bounds():
    assert (MIN_LENGTH, MAX_LENGTH) == (8, 32)


@pytest.mark.parametrize("password", ["", "Ab1!", "Abc12#x"])
def test_too_short(password):
    problems = policy_problems(password)
    assert f"长度至少 8 位（当前 {len(password)} 位）" in problems


def test_exactly_eight_is_long_enough():
    assert policy_problems("Abcdef1!") == []


@pytest.mark.parametrize(("password", "missing"), [
    ("abcdefgh", "大写字母、数字、符号"),
    ("ABCDEFGH", "小写字母、数字、符号"),
    ("12345678", "大写字母、小写字母、符号"),
    ("!@#$%^&*", "大写字母、小写字母、数字"),
    ("abcdefg1", "大写字母、符号"),
    ("ABCDEFG!", "小写字母、数字"),
    ("abcdEFGH", "数字、符号"),
])
def test_missing_classes_are_named(password, missing):
    problems = policy_problems(password)
    assert problems == [f"{CLASSES_RULE}（当前缺少：{missing}）"]


@pytest.mark.parametrize(("password", "login"), [
    ("130606Ab!", "130606"),
    ("Xqy1306060001!", "QY1306060001"),  # case-insensitive
    ("QY1306060001a!", "qy1306060001"),
    ("x130600X!", " 130600 "),  # the login is trimmed
])
def test_containing_the_login(password, login):
    assert policy_problems(password, login) == ["不能包含账号本身"]


def test_login_not_contained_or_blank_is_fine():
    assert policy_problems("Abcdef1!", "130606") == []
    assert policy_problems("Abcdef1!", "") == []
    assert policy_problems("Abcdef1!", "   ") == []
    assert policy_problems("Abcdef1!", None) == []


@pytest.mark.parametrize("password", ["Abcdef1! x", "Abcdef1!中文", "Abcdef1!\t", "Abcdé1!xx", "Ab cd1!xy"])
def test_non_ascii_or_whitespace(password):
    assert CHARSET_RULE in policy_problems(password)


def test_full_width_symbols_are_refused():
    assert CHARSET_RULE in policy_problems("Abcdef1！")


def test_over_32_characters():
    password = "Aa1!" * 9  # 36
    assert policy_problems(password) == ["长度不能超过 32 位"]
    assert policy_problems(password[:32]) == []
    assert policy_problems(password[:33]) == ["长度不能超过 32 位"]


def test_several_problems_are_all_reported():
    problems = policy_problems("中a", login="a")
    assert problems[0] == "长度至少 8 位（当前 2 位）"
    assert CHARSET_RULE in problems
    assert any(p.startswith(CLASSES_RULE) for p in problems)
    assert "不能包含账号本身" in problems


@pytest.mark.parametrize("password", [
    "Abcdefg1",  # upper, lower, digit
    "abcdefg1!",  # lower, digit, symbol
    "ABCDEF1_",  # upper, digit, symbol
    "Abcdefg!",  # upper, lower, symbol
    "y$7jc7?7TFf@",
    "Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!",  # exactly 32
    'Ab1"\\\'`~{}',  # any ASCII punctuation counts as a symbol
])
def test_acceptable_passwords(password):
    assert policy_problems(password, login="130606") == []
    check_policy(password, "130606")  # does not raise


def test_check_policy_raises_validation_error_on_new_password():
    with pytest.raises(ValidationError) as info:
        check_policy("abc", "130606")
    assert info.value.field == "new_password"
    assert info.value.message.startswith("新密码不符合要求：长度至少 8 位（当前 3 位）")
    assert "当前缺少：大写字母、数字、符号" in info.value.message


def test_generated_passwords_satisfy_the_policy_and_are_unique():
    passwords = [generate_initial_password() for _ in range(100)]
    assert len(set(passwords)) == 100
    for password in passwords:
        assert len(password) == 12
        assert policy_problems(password) == [], password
        assert any(c in string.ascii_uppercase for c in password)
        assert any(c in string.ascii_lowercase for c in password)
        assert any(c in string.digits for c in password)
        assert any(c in string.punctuation for c in password)
        # Easy-to-misread characters never appear.
        assert not set(password) & set("Il1O0o"), password


def test_generated_password_length_parameter():
    password = generate_initial_password(20)
    assert len(password) == 20
    assert policy_problems(password) == []


def test_hash_and_verify_roundtrip():
    hashed = hash_password("Abcdef1!")
    assert hashed.startswith("$2")
    assert hashed != "Abcdef1!"
    assert verify_password("Abcdef1!", hashed) is True
    assert verify_password("abcdef1!", hashed) is False
    assert verify_password("Abcdef1!x", hashed) is False
    assert verify_password("", hashed) is False
    # Salted: the same password hashes differently each time.
    assert hash_password("Abcdef1!") != hashed


def test_verify_of_input_over_72_bytes_is_false():
    long_password = "A" * 72
    hashed = hash_password(long_password)
    assert verify_password(long_password, hashed) is True
    # bcrypt would only read the first 72 bytes; longer input must not be accepted as equal.
    assert verify_password(long_password + "x", hashed) is False
    assert verify_password("中" * 25, hashed) is False  # 75 bytes in UTF-8
    assert verify_password("a" * 1000, hash_password("Abcdef1!")) is False


def test_one_time_hash_verifies_only_its_password():
    from core.passwords import hash_one_time_password, is_one_time_hash

    password = generate_initial_password()
    stored = hash_one_time_password(password)
    assert is_one_time_hash(stored) and len(stored) <= 72  # fits users.password_hash
    assert verify_password(password, stored)
    assert not verify_password(password[:-1] + ("a" if password[-1] != "a" else "b"), stored)
    assert not verify_password("", stored)


def test_one_time_hashes_are_salted():
    from core.passwords import hash_one_time_password

    password = generate_initial_password()
    first, second = hash_one_time_password(password), hash_one_time_password(password)
    assert first != second
    assert verify_password(password, first) and verify_password(password, second)


def test_chosen_passwords_stay_bcrypt():
    from core.passwords import is_one_time_hash

    stored = hash_password("Chosen#Pass1")
    assert stored.startswith("$2") and not is_one_time_hash(stored)
    assert verify_password("Chosen#Pass1", stored)
