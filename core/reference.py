"""Reference data: Hebei's divisions and GB/T 4754-2017 industries, loaded from data/*.csv.

Also resolves the names that real lists use (abbreviated counties, non-standard industry names)
to codes, proposing the closest standard entry instead of guessing silently.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.config import DATA_DIR
from core.divisions import (
    PROVINCE_CODE,
    XIONGAN_CODE,
    XIONGAN_COUNTIES,
    XIONGAN_NAME,
    city_code_of,
    province_code_of,
    short_name,
)
from core.models import Division, Industry, Tier

DIVISIONS_CSV = DATA_DIR / "hebei_divisions.csv"
INDUSTRIES_CSV = DATA_DIR / "industries_gbt4754_2017.csv"


def _read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def division_rows() -> list[dict]:
    """Divisions as stored: the published table plus 雄安新区, which takes over its three counties."""
    rows = []
    for r in _read_csv(DIVISIONS_CSV):
        code, level = r["code"], Tier(r["level"])
        parent = r["parent_code"] or None
        city = city_code_of(code) if level is not Tier.PROVINCE else None
        if code in XIONGAN_COUNTIES:
            parent = city = XIONGAN_CODE
        rows.append(dict(code=code, name=r["name"], short_name=short_name(r["name"]), level=level,
                         parent_code=parent, city_code=city, province_code=province_code_of(code),
                         is_local_code=False))
    rows.append(dict(code=XIONGAN_CODE, name=XIONGAN_NAME, short_name=XIONGAN_NAME, level=Tier.CITY,
                     parent_code=PROVINCE_CODE, city_code=XIONGAN_CODE, province_code=PROVINCE_CODE,
                     is_local_code=True))
    # Parents first, so that foreign keys hold while inserting.
    order = {Tier.PROVINCE: 0, Tier.CITY: 1, Tier.COUNTY: 2}
    return sorted(rows, key=lambda r: (order[r["level"]], r["code"]))


def industry_rows() -> list[dict]:
    order = {"section": 0, "division": 1, "group": 2, "class": 3}
    rows = [dict(code=r["code"], name=r["name"], level=r["level"], parent_code=r["parent_code"] or None)
            for r in _read_csv(INDUSTRIES_CSV)]
    return sorted(rows, key=lambda r: (order[r["level"]], r["code"]))


def load_reference_data(session: Session) -> dict[str, int]:
    """Insert the divisions and industries that are missing; returns how many of each were added."""
    added = {}
    for model, rows in ((Division, division_rows()), (Industry, industry_rows())):
        have = set(session.scalars(select(model.code)))
        new = [model(**r) for r in rows if r["code"] not in have]
        session.add_all(new)
        session.flush()
        added[model.__tablename__] = len(new)
    return added


def reference_loaded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Division)))


# --- resolving the names of real lists -------------------------------------------------------

_PUNCT = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": "", "、": "", "，": "", ",": ""})


def normalize_name(name: str) -> str:
    """Ignore the differences real lists make: half-width brackets, enumeration commas, spaces."""
    return re.sub(r"\s+", "", (name or "").translate(_PUNCT))


@dataclass(frozen=True)
class Match:
    """Result of resolving a name: `code` when exact; otherwise `proposals` (code, name), best first."""

    code: str | None
    proposals: tuple[tuple[str, str], ...] = ()

    @property
    def exact(self) -> bool:
        return self.code is not None


def _closest(name: str, candidates: dict[str, str], n: int = 3) -> tuple[tuple[str, str], ...]:
    by_norm = {normalize_name(v): (k, v) for k, v in candidates.items()}
    hits = difflib.get_close_matches(normalize_name(name), list(by_norm), n=n, cutoff=0.5)
    return tuple(by_norm[h] for h in hits)


class NameResolver:
    """Resolves the names of one list against the reference tables, read once."""

    def __init__(self, session: Session):
        city = aliased(Division)
        self._counties = session.execute(
            select(Division, city.name).join(city, city.code == Division.city_code)
            .where(Division.level == Tier.COUNTY)).all()
        industries = list(session.scalars(select(Industry).where(Industry.level != "section")))
        self._entries = {i.code: i for i in industries if i.level in ("group", "class")}
        self._divisions = {normalize_name(i.name): i.code for i in industries if i.level == "division"}

    def county(self, city_name: str, county_name: str) -> Match:
        """A county-level division by the names a list gives (全称 or 简称), within its city when named."""
        wanted_city = normalize_name(city_name)
        in_city = {d.code: d for d, cname in self._counties
                   if not wanted_city or normalize_name(cname) == wanted_city}
        target = normalize_name(county_name)
        for code, d in in_city.items():
            if target in (normalize_name(d.name), normalize_name(d.short_name)):
                return Match(code)
        return Match(None, _closest(county_name, {c: d.name for c, d in in_city.items()}))

    def industry(self, division_name: str, class_name: str) -> Match:
        """A 小类 (or a 中类 when the list names one) by its name, within the named 大类 when known."""
        prefix = self._divisions.get(normalize_name(division_name))
        scope = {c: i for c, i in self._entries.items() if prefix is None or c.startswith(prefix)}
        target = normalize_name(class_name)
        exact = sorted((c for c, i in scope.items() if normalize_name(i.name) == target),
                       key=lambda c: -len(c))  # a 小类 before the 中类 of the same name
        if exact:
            return Match(exact[0])
        classes = {c: i.name for c, i in scope.items() if i.level == "class"}
        proposals = _closest(class_name, classes)
        if not proposals and prefix is not None:
            proposals = _closest(class_name, {c: i.name for c, i in self._entries.items() if i.level == "class"})
        return Match(None, proposals)
