"""Attachments: uploads checked and stored by core.files, tied to a workflow object for a purpose.

Callers check who may attach to what; this module keeps the record and the audit trail, and keeps
the upload folder in step with the database: a file written for a transaction that rolls back is
removed again (unless a committed row refers to the same content), whatever the caller does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import event, exists, select
from sqlalchemy.orm import Session, SessionTransaction

from core import audit, files
from core.errors import ValidationError
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
    """Check and store an upload and record it against its owner; a refusal names the file."""
    return _record(session, actor, owner_type, owner_id, purpose, accepted(name, data, allowed))


def attach_checked(session: Session, actor: User, owner_type: str, owner_id: int, purpose: str,
                   upload: files.Upload) -> Attachment:
    """Record an upload that files.accept has passed: many files are checked before the write that
    attaches them, so that no check runs while it holds the write lock (core.letter_scans)."""
    return _record(session, actor, owner_type, owner_id, purpose, upload)


def accepted(name: str, data: bytes, allowed: tuple[str, ...] = files.SCAN_KINDS) -> files.Upload:
    """files.accept, whose refusal names the file (several are sent together on many screens)."""
    try:
        return files.accept(name, data, allowed)
    except ValidationError as exc:
        raise ValidationError(f"“{_shown(name)}”：{exc.message}", field=exc.field) from exc


@dataclass(frozen=True)
class Batch:
    """What became of the files sent together: how many were attached, and why each other one was not."""

    added: int
    refused: tuple[str, ...] = ()

    def refusal(self) -> str | None:
        return f"未上传 {len(self.refused)} 个文件：" + "；".join(self.refused) if self.refused else None


def attach_each(session: Session, actor: User, owner_type: str, owner_id: int, purpose: str,
                uploads: list[tuple[str, bytes]], allowed: tuple[str, ...] = files.SCAN_KINDS) -> Batch:
    """Attach every file of `uploads` that passes the checks, and name each one that does not with its
    reason: one bad file among several no longer takes the good ones down with it (issue 14). When
    none passes, the step is refused, naming each."""
    added, refused = 0, []
    for name, data in uploads:
        try:
            upload = accepted(name, data, allowed)
        except ValidationError as exc:  # refused before anything of it was written
            refused.append(exc.message)
            continue
        _record(session, actor, owner_type, owner_id, purpose, upload)
        added += 1
    if not added:
        raise ValidationError("文件未上传：" + "；".join(refused), field="file")
    return Batch(added, tuple(refused))


def _shown(name: str, limit: int = 60) -> str:
    """A refused file's name as a message may quote it: printable characters, not too long."""
    name = "".join(c for c in str(name) if c.isprintable()).strip() or "（无名文件）"
    return name if len(name) <= limit else name[:limit] + "…"


def _record(session: Session, actor: User, owner_type: str, owner_id: int, purpose: str,
            upload: files.Upload) -> Attachment:
    stored = files.keep(upload)
    _written_in(session)[stored.sha256] = (stored, upload.content)
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


# --- the upload folder follows the transaction ---------------------------------------------------

_WRITTEN = "qjsc_written_uploads"  # session.info: (outermost transaction, {sha256: (StoredFile, content)})
_log = logging.getLogger(__name__)


def _written_in(session: Session) -> dict:
    """The files written in the session's current outermost transaction (a session closed without
    commit or rollback leaves an entry of an ended transaction behind: it is dropped here)."""
    root = session.get_transaction()
    owner, written = session.info.get(_WRITTEN, (None, {}))
    if owner is not root:
        owner, written = root, {}
        session.info[_WRITTEN] = (owner, written)
    return written


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    _owner, written = session.info.pop(_WRITTEN, (None, {}))
    for stored, content in written.values():
        try:
            files.restore(stored, content)
        except OSError:  # the rows are committed; reading the file will say it is missing
            _log.exception("could not restore the committed upload %s", stored.sha256)


@event.listens_for(Session, "after_soft_rollback")
def _discard_uncommitted_files(session: Session, previous_transaction: SessionTransaction) -> None:
    """The outermost transaction rolled back: its files go, unless a committed row refers to the same
    content. The check runs on the session itself, in the fresh transaction that follows the rollback
    (it sees only committed rows), so a rollback never needs a second connection from the pool."""
    if previous_transaction.parent is not None:
        return  # a savepoint or a failed flush inside the transaction: the outcome is not known yet
    owner, written = session.info.get(_WRITTEN, (None, {}))
    if owner is not previous_transaction:
        return
    del session.info[_WRITTEN]
    try:
        for stored, _content in written.values():
            files.discard(stored, lambda sha256: _referenced(session, sha256))
    except Exception:  # noqa: BLE001 - never hide the error that caused the rollback; a stray file is harmless
        _log.warning("could not remove the files of a rolled-back upload", exc_info=True)


def _referenced(session: Session, sha256: str) -> bool:
    return bool(session.scalar(select(exists().where(Attachment.sha256 == sha256))))
