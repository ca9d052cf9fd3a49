"""Short paths through the roster loop for the common cases (issue "What officials hit in a real
campaign"): a county whose list needs no change submits it in one step, and a city (or the province)
approves several submissions at once. Each still goes through core.roster's checked transitions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import roster, roster_reading
from core.db import lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import Tier, User
from core.roster import STALE_MESSAGE
from core.workflow_models import RosterAssignment


def submit_unchanged(session: Session, actor: User, assignment_id: int, expected_version: int, *,
                     agreed: bool, final_list_name: str | None, final_list: bytes | None) -> None:
    """名单无变化，直接提交: a county submits the list as it received it, with the stamped final list
    and the statement. Refused when the county has changed its list (否, 增补, 修正): the reviewer must
    then see those changes, and the county submits them through 提交任务."""
    part = roster.own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if part.level is not Tier.COUNTY:
        raise RuleViolation("只有区县可以“名单无变化，直接提交”；地市请在审核区县后通过“提交任务”提交")
    changed = roster_reading.change_count(session, actor, part)
    if changed:
        raise RuleViolation(f"本级名单已有 {changed} 家企业被标注“否”、增补或修正，不是“无变化”："
                            "请在“提交任务”步骤提交，以便地市审核这些变更")
    roster.submit(session, actor, part.id, part.version, agreed=agreed, final_list_name=final_list_name,
                  final_list=final_list)


@dataclass(frozen=True)
class BulkApproval:
    """What a bulk approval did: the departments approved, and each one refused with its reason."""

    approved: tuple[str, ...]
    refused: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"已审核通过 {len(self.approved)} 个单位：{'、'.join(self.approved)}" if self.approved else ""
        return text + ("；" if text and self.refused else "") + (
            f"未通过 {len(self.refused)} 个：" + "；".join(self.refused) if self.refused else "")


def approve_many(session: Session, actor: User, parent_id: int, targets: list[tuple[int, int]], *,
                 agreed: bool, comment: str = "") -> BulkApproval:
    """Approve several submitted parts below `parent_id` (id, version shown) in one transaction.

    Each approval is its own checked transition (the reviewer's department, the part's state and the
    version the page showed), recorded on its own with the statement; a part that may not be approved
    is left as it is and named with the reason, and the others are approved. When none may be, nothing
    is approved and the refusal names each.
    """
    statement = roster.require_statement(agreed)
    parent = roster.own_assignment(session, actor, parent_id)
    if not targets:
        raise ValidationError("请先选择要审核通过的单位", field="selection")
    approved, refused = [], []
    # Locked in id order, so that two reviewers of one department never wait on each other in a cycle.
    for child_id, version in sorted(set(targets)):
        child = session.get(RosterAssignment, child_id)
        if child is None or child.parent_id != parent.id:
            refused.append(f"任务 {child_id}：不是本级下发的任务")
            continue
        name = child.division.short_name
        lock(session, child, STALE_MESSAGE)
        try:
            roster.check_version(child, version)
            roster.check_move(session, actor, child, "approve")
        except (RuleViolation, PermissionDenied) as exc:
            refused.append(f"{name}：{exc.message}")
            continue
        roster.review(session, actor, child.id, version, approve=True, comment=comment, statement=statement)
        approved.append(name)
    if not approved:
        raise RuleViolation("没有审核通过任何单位：" + "；".join(refused))
    return BulkApproval(tuple(approved), tuple(refused))
