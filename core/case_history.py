"""办理记录 of a case: every step taken on it, read back from the append-only audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditLogEntry, User
from core.project_models import Case, CaseStep

HISTORY_LABELS = {"case.submit_evaluation": "企业提交评估申请", "case.submit_acceptance": "企业提交验收申请",
                  "case.resubmit": "企业整改后重新提交", "case.intake_pass": "受理通过", "case.return": "退回企业整改",
                  "case.expert_draw": "专家抽取", "case.expert_redraw": "专家补抽", "case.confirm_panel": "确认专家组",
                  "case.expert_opinion": "录入专家意见", "case.finish_document_review": "线上文审完成",
                  "case.site_review": "记录现场审核", "case.finish_site_review": "现场审核完成",
                  "case.result": "出具审核结果"}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str
    step: str  # the step it happened at (label), "" for the enterprise's own steps
    round: int | None


def history(session: Session, case: Case) -> list[HistoryEntry]:
    """办理记录: every step taken on the case, oldest first, from the append-only audit log."""
    rows = session.execute(select(AuditLogEntry, User.display_name)
                           .outerjoin(User, User.id == AuditLogEntry.actor_user_id)
                           .where(AuditLogEntry.object_type == "case", AuditLogEntry.object_id == str(case.id))
                           .order_by(AuditLogEntry.id))
    entries = []
    for entry, name in rows:
        before, after = entry.before or {}, entry.after or {}
        step = before.get("step") or (after.get("step") if entry.action == "case.return" else None)
        entries.append(HistoryEntry(entry.at, name or entry.actor_login or "", HISTORY_LABELS.get(entry.action,
                                    entry.action), CaseStep(step).label if step else "", after.get("round")))
    return entries
