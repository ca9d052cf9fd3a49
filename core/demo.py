"""Demo data: the 77 Baoding enterprises of seed 001 and the accounts that work on them.

The roster file is seed 001's 附件1 as published (its non-standard industry names included);
the industry names it spells differently from GB/T 4754-2017 are mapped in CONFIRMED_INDUSTRIES,
entries a person checked, never guessed here.
"""

from __future__ import annotations

import csv

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import core.enterprise_counts  # noqa: F401  (the directory's counts kept with every enterprise added)
from core import instance
from core.auth import create_account, enterprise_login
from core.config import DATA_DIR
from core.divisions import PROVINCE_CODE
from core.models import Division, Enterprise, Tier, User
from core.reference import NameResolver, load_reference_data
from core.roster_import import managing_tier_of

DEMO_DIR = DATA_DIR / "demo"
ROSTER_CSV = DEMO_DIR / "baoding_2021_batch2_roster.csv"
ACCOUNTS_CSV = DEMO_DIR / "accounts.csv"
EXPERTS_CSV = DEMO_DIR / "experts.csv"
DEMO_CITY = "130600"

# (行业大类名称, 行业名称) as seed 001 writes them -> the GB/T 4754-2017 小类 they mean.
CONFIRMED_INDUSTRIES = {
    ("专用设备制造业", "电子元件与机电组件设备制造"): "3563",  # 电子元器件与机电组件设备制造
    ("其他制造业", "其他日用品制造"): "4119",  # 其他日用杂品制造
}

def department_name(division: Division, city: Division | None) -> str:
    if division.level is Tier.PROVINCE:
        return "河北省生态环境厅"
    if division.level is Tier.CITY:
        return f"{division.name}生态环境局"
    return f"{city.name if city else ''}生态环境局{division.short_name}分局"


def _read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def roster_enterprises(session: Session) -> list[Enterprise]:
    """The roster's rows as Enterprise objects (not yet added); raises if a name does not resolve."""
    result = []
    names = NameResolver(session)
    for row in _read(ROSTER_CSV):
        county = names.county(row["所属城市"], row["所属区县"])
        key = (row["行业大类名称"], row["行业名称"])
        industry = CONFIRMED_INDUSTRIES.get(key) or names.industry(*key).code
        managing = managing_tier_of(row["负责评估验收部门"])
        if not county.exact or not industry or managing is None:
            raise ValueError(f"demo roster row {row['序号']} does not resolve: {row}")
        result.append(Enterprise(name=row["企业名称"], division_code=county.code,
                                 industry_code=industry, managing_tier=managing))
    return result


def demo_loaded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def load_demo(session: Session) -> dict[str, int]:
    """Load reference data, the roster's enterprises and the demo accounts into an empty database.

    The database is marked as a demo (every screen then says so); a production database, whose
    accounts were created by `--init-accounts`, is refused: the demo passwords are public.
    """
    load_reference_data(session)
    if instance.mode(session) == instance.PRODUCTION:
        instance.claim(session, instance.DEMO)  # raises: this is a production database
    if demo_loaded(session):
        return {"enterprises": 0, "accounts": 0, "experts": 0}
    instance.claim(session, instance.DEMO)
    enterprises = roster_enterprises(session)
    session.add_all(enterprises)
    session.flush()
    by_name = {e.name: e for e in enterprises}
    accounts = 0
    for row in _read(ACCOUNTS_CSV):
        if row["tier"] == Tier.ENTERPRISE.value:
            enterprise = by_name[row["enterprise_name"]]
            create_account(session, login=row["login"], display_name=enterprise.name,
                           tier=Tier.ENTERPRISE, division_code=enterprise.division_code,
                           enterprise_id=enterprise.id, password=row["password"])
        else:
            division = session.get(Division, row["login"])
            city = session.get(Division, division.city_code) if division.city_code else None
            create_account(session, login=division.code, display_name=department_name(division, city),
                           tier=division.level, division_code=division.code, password=row["password"])
        accounts += 1
    return {"enterprises": len(enterprises), "accounts": accounts, "experts": _load_experts(session)}


def _load_experts(session: Session) -> int:
    """A fictitious province pool (data/demo/experts.csv) covering the demo roster's 大类, so that
    a draw works in the demo; real pools are entered or imported on the 专家库 screen."""
    from core.review_models import Expert

    rows = _read(EXPERTS_CSV)
    session.add_all(Expert(registry_code=PROVINCE_CODE, name=r["姓名"], organisation=r["工作单位"], title=r["职称"],
                           specialties=r["专业领域"].split("、"), region_code=r["所在地区"], phone=r["联系电话"])
                    for r in rows)
    session.flush()
    return len(rows)


def write_demo_accounts(session: Session) -> None:
    """Regenerate data/demo/accounts.csv with fresh random passwords (a maintainer's tool)."""
    from core.passwords import generate_initial_password

    load_reference_data(session)
    rows = [{"login": PROVINCE_CODE, "tier": "province", "enterprise_name": ""},
            {"login": DEMO_CITY, "tier": "city", "enterprise_name": ""}]
    counties = session.scalars(select(Division).where(Division.city_code == DEMO_CITY,
                                                      Division.level == Tier.COUNTY)
                               .order_by(Division.code))
    rows += [{"login": d.code, "tier": "county", "enterprise_name": ""} for d in counties]
    sample = {r["企业名称"]: r for r in _read(ROSTER_CSV)}
    names = NameResolver(session)
    for number, name in ((1, "保定中法供水有限公司"), (1, "高阳县圣翔染厂")):
        county = names.county("保定市", sample[name]["所属区县"]).code
        rows.append({"login": enterprise_login(county, number), "tier": "enterprise", "enterprise_name": name})
    for r in rows:
        r["password"] = generate_initial_password()
    with open(ACCOUNTS_CSV, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["login", "password", "tier", "enterprise_name"])
        writer.writeheader()
        writer.writerows(rows)
