"""Division-code arithmetic and the Xiong'an local code.

A 行政区划代码 has six digits: 2 for the province, 2 for the city, 2 for the county.
"""

from __future__ import annotations

import re

from core.models import Tier

_CODE = re.compile(r"[0-9]{6}")  # ASCII digits only; fullmatch, so no trailing newline

PROVINCE_CODE = "130000"

# 雄安新区 has no published 行政区划代码. We give it one in the range no Hebei city uses
# (13 99 00) and mark it is_local_code, so that nobody takes it for an official code.
XIONGAN_CODE = "139900"
XIONGAN_NAME = "雄安新区"
XIONGAN_COUNTIES = ("130629", "130632", "130638")  # 容城县, 安新县, 雄县


def is_division_code(code: str) -> bool:
    return bool(_CODE.fullmatch(code or ""))


def level_of_code(code: str) -> Tier:
    """Level implied by the digits: xx0000 province, xxxx00 city, anything else county."""
    if not is_division_code(code):
        raise ValueError(f"not a 6-digit division code: {code!r}")
    if code.endswith("0000"):
        return Tier.PROVINCE
    if code.endswith("00"):
        return Tier.CITY
    return Tier.COUNTY


def city_code_of(code: str) -> str | None:
    """The city a code falls under by arithmetic (first 4 digits + 00); None for a province."""
    if level_of_code(code) is Tier.PROVINCE:
        return None
    return code[:4] + "00"


def province_code_of(code: str) -> str:
    level_of_code(code)
    return code[:2] + "0000"


def short_name(name: str) -> str:
    """The form lists use: 保定高新技术产业开发区 -> 保定高新区."""
    return (
        name.replace("高新技术产业开发区", "高新区")
        .replace("经济技术开发区", "经开区")
        .replace("经济开发区", "经开区")
    )
