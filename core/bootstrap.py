"""Production bootstrap: the department accounts of the province, with one-time random passwords.

    python -m core.setup --init-accounts [--password-file PATH]
    python -m core.setup --reissue 130000 130600 [--password-file PATH]

The passwords are shown once (a table on stdout, or a file created 0600 when asked) and stored only
as bcrypt hashes; every account must change its password at first login. Enterprise accounts are
not made here: each is created with the 告知书 that its county issues.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, instance
from core.auth import create_account, issue_new_password
from core.demo import department_name
from core.errors import RuleViolation
from core.models import Division, Tier, User
from core.reference import load_reference_data


@dataclass(frozen=True)
class IssuedPassword:
    login: str
    password: str
    tier: Tier
    display_name: str


def init_accounts(session: Session) -> list[IssuedPassword]:
    """Create one account per division (province, cities, counties); refuses if any exists."""
    load_reference_data(session)
    if session.scalar(select(User.id).where(User.tier != Tier.ENTERPRISE).limit(1)) is not None:
        raise RuleViolation("部门账户已存在，未作任何修改。如需重新发放个别账户的初始密码，请使用 --reissue 账号。")
    instance.claim(session, instance.PRODUCTION)
    divisions = {d.code: d for d in session.scalars(select(Division))}
    issued = []
    for division in sorted(divisions.values(), key=lambda d: d.code):
        city = divisions.get(division.city_code) if division.city_code else None
        user, password = create_account(session, login=division.code, display_name=department_name(division, city),
                                        tier=division.level, division_code=division.code)
        issued.append(IssuedPassword(user.login, password, user.tier, user.display_name))
    return issued


def reissue(session: Session, logins: list[str]) -> list[IssuedPassword]:
    """New one-time passwords for the named department accounts of a production database."""
    if instance.mode(session) != instance.PRODUCTION:
        raise RuleViolation("只有已用 --init-accounts 初始化的正式数据库才能重新发放初始密码。")
    issued = []
    for login in logins:
        user = session.scalar(select(User).where(User.login == login.strip().upper()))
        if user is None or user.tier is Tier.ENTERPRISE:
            raise RuleViolation(f"没有部门账户 {login}，未作任何修改。")
        password = issue_new_password(session, user)
        audit.record(session, actor=None, actor_login="server", action="password_reissued",
                     object_type="user", object_id=user.id, after={"must_change_password": True})
        issued.append(IssuedPassword(user.login, password, user.tier, user.display_name))
    return issued


def as_table(issued: list[IssuedPassword]) -> str:
    lines = ["账号\t初始密码\t类型\t名称"]
    lines += [f"{i.login}\t{i.password}\t{i.tier.label}\t{i.display_name}" for i in issued]
    return "\n".join(lines) + "\n"


def write_password_file(path: Path, issued: list[IssuedPassword]) -> None:
    """Write the passwords as CSV to a new file readable by its owner only (never over an existing one)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["login", "password", "tier", "name"])
    writer.writerows([i.login, i.password, i.tier.value, i.display_name] for i in issued)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(buffer.getvalue())
