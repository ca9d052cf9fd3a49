"""Attachments: uploads checked and stored by core.files, tied to a workflow object for a purpose.

Callers check who may attach to what; this module keeps the record and the audit trail.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, files
from core.models import User
from core.workflow_models import Attachment

# Purposes, as users name them.
TASK_FILE = "task_file"  # 任务附件 (the province's notice and annexes)
REQUIREMENTS_FILE = "requirements"  # 本级任务文件
EVIDENCE = "evidence"  # 佐证材料 of a 否
FINAL_LIST = "final_list"  # 最终名单（盖章扫描件）

PURPOSE_LABELS = {TASK_FILE: "任务附件", REQUIREMENTS_FILE: "本级任务文件", EVIDENCE: "佐证材料",
                  FINAL_LIST: "最终名单（盖章扫描件）"}


def attach(session: Session, actor: User, owner_type: str, owner_id: int, purpose: str, name: str,
           data: bytes, allowed: tuple[str, ...] = files.SCAN_KINDS) -> Attachment:
    """Check and store an upload and record it against its owner."""
    stored = files.store(name, data, allowed)
    row = Attachment(owner_type=owner_type, owner_id=owner_id, purpose=purpose, sha256=stored.sha256,
                     size=stored.size, kind=stored.kind, original_name=stored.original_name,
                     uploaded_by_user_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="attachment.add", object_type=owner_type,
                 object_id=owner_id, after=_describe(row))
    return row


def remove(session: Session, actor: User, attachment: Attachment) -> None:
    """Detach a file (the stored content stays, so the audit trail can still point at it)."""
    audit.record(session, actor=actor, action="attachment.remove", object_type=attachment.owner_type,
                 object_id=attachment.owner_id, before=_describe(attachment))
    session.delete(attachment)
    session.flush()


def record_download(session: Session, actor: User, attachment: Attachment) -> None:
    """Log that `actor` downloaded a file (the evidence of who saw what)."""
    audit.record(session, actor=actor, action="attachment.download", object_type=attachment.owner_type,
                 object_id=attachment.owner_id, after=_describe(attachment) | {"attachment_id": attachment.id})


def of(session: Session, owner_type: str, owner_ids: int | list[int],
       purpose: str | None = None) -> list[Attachment]:
    """Attachments of one owner (or several), oldest first."""
    ids = [owner_ids] if isinstance(owner_ids, int) else list(owner_ids)
    if not ids:
        return []
    stmt = select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(ids))
    if purpose:
        stmt = stmt.where(Attachment.purpose == purpose)
    return list(session.scalars(stmt.order_by(Attachment.uploaded_at, Attachment.id)))


def content(attachment: Attachment) -> bytes:
    """The stored bytes, verified against the digest recorded at upload."""
    return files.read(files.StoredFile(sha256=attachment.sha256, size=attachment.size,
                                       kind=attachment.kind, original_name=attachment.original_name))


def _describe(row: Attachment) -> dict:
    return {"purpose": row.purpose, "name": row.original_name, "sha256": row.sha256, "size": row.size,
            "kind": row.kind}
