"""统一社会信用代码 (GB 32100-2015): length, character set, region digits and the check character."""

from __future__ import annotations

import pytest

from core.credit_code import CHARSET, check_character, is_valid, normalize, problem

VALID = ["91110108551385082Q", "91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert problem(code) is None
    assert is_valid(code)


@pytest.mark.parametrize("code", VALID)
def test_check_character_is_computed(code):
    assert check_character(code[:17]) == code[17]


def test_check_character_known_values():
    assert check_character("91110108551385082") == "Q"
    assert check_character("91350100M000100Y4") == "3"
    assert check_character("91110000600037341") == "L"
    # The result is always one of the 31 allowed characters.
    assert check_character("00000000000000000") == "0"
    assert check_character("Y" * 17) in CHARSET


@pytest.mark.parametrize("code", VALID)
def test_every_wrong_check_character_is_refused(code):
    for c in CHARSET:
        if c == code[17]:
            continue
        wrong = code[:17] + c
        assert problem(wrong) == "统一社会信用代码校验位不正确，请核对后重新输入", wrong
        assert not is_valid(wrong)


def test_a_changed_body_character_breaks_the_check():
    code = VALID[0]
    altered = code[:9] + ("1" if code[9] != "1" else "2") + code[10:]
    assert problem(altered) == "统一社会信用代码校验位不正确，请核对后重新输入"


@pytest.mark.parametrize(("code", "length"), [
    ("", 0),
    ("91110108551385082", 17),
    ("91110108551385082QQ", 19),
    ("9111", 4),
])
def test_wrong_length(code, length):
    assert problem(code) == f"统一社会信用代码应为 18 位，当前为 {length} 位"
    assert not is_valid(code)


def test_none_is_handled_as_empty():
    assert problem(None) == "统一社会信用代码应为 18 位，当前为 0 位"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters(letter):
    body = "9111010855138508" + letter
    code = body + "Q"
    message = problem(code)
    assert message is not None
    assert message.startswith("统一社会信用代码含有不允许的字符：")
    assert f"：{letter}（" in message
    assert "不使用 I、O、S、V、Z" in message
    # Even when lower case, the forbidden letter is named (upper case).
    assert f"：{letter}（" in problem(code.lower())
    assert letter not in CHARSET


def test_several_forbidden_characters_are_listed_sorted():
    message = problem("9111010855138OZI-Q")
    assert "：-IOZ（" in message


def test_region_digits_must_be_digits():
    code = "91ABCDEF551385082Q"
    assert problem(code) == "统一社会信用代码第 3–8 位应为行政区划代码（数字）"


@pytest.mark.parametrize("code", VALID)
def test_lower_case_and_spaces_are_normalized(code):
    assert normalize("  " + code.lower() + "\n") == code
    assert problem(code.lower()) is None
    assert is_valid(" " + code.lower() + " ")


def test_charset_has_31_characters_without_ambiguous_letters():
    assert len(CHARSET) == 31 == len(set(CHARSET))
    assert not set("IOSVZ") & set(CHARSET)
