"""The append-only audit log: every change records who, when, what, before -> after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.models import AuditLogEntry, User

# The statement a user agrees to before a binding step (seed 000, 下发任务 screen).
STATEMENT = "电子形式内容完全等同于纸质效力，请确认本次任务内容完整、准确，并对此承担责任。"


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    statement: str | None = None,
    actor_login: str | None = None,
) -> AuditLogEntry:
    entry = AuditLogEntry(
        actor_user_id=actor.id if actor else None,
        actor_login=actor.login if actor else actor_login,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        statement=statement,
    )
    session.add(entry)
    return entry

