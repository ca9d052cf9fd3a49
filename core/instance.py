"""What this installation is: a demo (published demo passwords) or a production instance.

The mode is written once, by whichever command first fills the database with accounts
(core.demo.load_demo or core.bootstrap.init_accounts), and each refuses a database of the other.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import RuleViolation
from core.models import InstanceSetting

DEMO = "demo"
PRODUCTION = "production"
_MODE = "mode"


def mode(session: Session) -> str | None:
    row = session.get(InstanceSetting, _MODE)
    return row.value if row else None


def is_demo(session: Session) -> bool:
    return mode(session) == DEMO


def claim(session: Session, wanted: str) -> None:
    """Mark the database as `wanted`; refuses one already marked as the other mode."""
    current = mode(session)
    if current == wanted:
        return
    if current is not None:
        label = {DEMO: "演示数据", PRODUCTION: "正式账户"}
        raise RuleViolation(f"此数据库已用于{label[current]}（{current}），不能再载入{label[wanted]}（{wanted}）。")
    session.add(InstanceSetting(key=_MODE, value=wanted))
    session.flush()
