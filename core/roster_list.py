"""The list of a roster task: importing the province's list, and verifying it (是否列入, 增补, 修正).

One department at a time holds the pen for an enterprise's entry (see `PenMap`): the province while
it drafts, then the city, then the county while the county works on it, the city again once the
county is approved. Within a department, every write names the version it was based on, so two
users of one department cannot silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import core.enterprise_counts  # noqa: F401  (the directory's counts kept with every enterprise added)
from core import attachments, audit, credit_code, roster_counts  # noqa: F401  (counts kept with every entry written)
from core.db import flush_or_stale, lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.jurisdiction import covers
from core.models import Division, Enterprise, Industry, Tier, User, utcnow
from core.reference import normalize_name
from core.roster import STALE_MESSAGE, own_assignment, require_department
from core.roster_import import ImportRow
from core.text import Limit, clean
from core.workflow_models import RosterAssignment, RosterEntry, RosterStatus

S = RosterStatus
OWNER_ENTRY = "roster_entry"
# Enterprise facts a verifying department may correct, and how screens name them.
FACT_LABELS = {"name": "企业名称", "credit_code": "统一社会信用代码", "address": "地址",
               "legal_representative": "法定代表人", "industry_code": "行业代码",
               "double_exceed": "是否双超", "double_toxic": "是否双有"}
FACT_LIMITS = {"name": Limit.NAME, "address": Limit.ADDRESS, "credit_code": Limit.CREDIT_CODE}
MAX_REASON = 1000


class PenMap:
    """Which department may edit the entries of each county of one task, right now."""

    def __init__(self, session: Session, task_id: int):
        self._session = session
        self._by_code = {a.division_code: a for a in session.scalars(
            select(RosterAssignment).where(RosterAssignment.task_id == task_id))}
        self._province = next((a for a in self._by_code.values() if a.level is Tier.PROVINCE), None)

    def holder(self, county_code: str, city_code: str) -> RosterAssignment | None:
        if self._province is not None and self._province.status is S.PENDING:
            return self._province
        city = self._by_code.get(city_code)
        if city is None:
            return None
        if city.status in (S.PENDING, S.RETURNED):
            return city
        if city.status is S.DISPATCHED:
            county = self._by_code.get(county_code)
            if county is None or county.status is S.APPROVED:
                return city
            if county.status in (S.PENDING, S.RETURNED):
                return county
        return None  # under review above, or settled

    def require(self, actor: User, county_code: str, city_code: str) -> RosterAssignment:
        """The actor's department's part that holds the pen, locked until the transaction ends.

        The pen leaves a department only through a transition of that department's own part (its
        dispatch, submission, or the review of it), so holding that row keeps the pen where it is:
        a submission at the same moment waits for this change, or this change sees the submission.
        """
        holder = self.holder(county_code, city_code)
        if holder is not None:
            lock(self._session, holder, STALE_MESSAGE)
            holder = self.holder(county_code, city_code)
        if holder is None:
            raise RuleViolation("该区县的名单已提交上级审核或已确定，当前不能修改")
        if holder.division_code != actor.division_code:
            raise PermissionDenied(f"该企业的名单当前由{holder.division.short_name}核定，本部门不能修改")
        return holder


def _entry(session: Session, actor: User, entry_id: int, version: int | None) -> RosterEntry:
    require_department(actor)  # operational: not disabled, initial password replaced
    entry = session.get(RosterEntry, entry_id)
    if entry is None:
        raise RuleViolation("名单中没有该企业，可能已被撤销，请刷新页面")
    if not actor.tier.is_department or not covers(actor.division, entry.enterprise.division):
        raise PermissionDenied("您无权修改该企业：不在本部门管辖范围内")
    if version is not None and entry.version != version:
        raise RuleViolation(f"“{entry.enterprise.name}”已被本部门其他用户修改，请刷新页面后重试"
                            "（您填写的内容仍保留在页面上）")
    return entry


def _touch(entry: RosterEntry, actor: User) -> None:
    entry.updated_at = utcnow()
    entry.updated_by_user_id = actor.id


# --- importing the province's list ---------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    added: int
    created_enterprises: int
    already_listed: int


def import_rows(session: Session, actor: User, assignment_id: int, expected_version: int,
                rows: list[ImportRow]) -> ImportResult:
    """Put the rows of a checked preview on the province's draft list.

    Every row must be free of errors (proposals confirmed): nothing is guessed and nothing dropped.
    An enterprise is found by credit code, else by name within its county, else added to the
    directory as the province's list gives it.
    """
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if assignment.level is not Tier.PROVINCE or assignment.status is not S.PENDING:
        raise RuleViolation("只有省级在任务下发前可以导入企业名单")
    bad = [r.line for r in rows if not r.ok]
    if bad:
        shown = "、".join(str(n) for n in bad[:10]) + ("等" if len(bad) > 10 else "")
        raise ValidationError(f"还有 {len(bad)} 行存在问题（第 {shown} 行），请修正或确认后再导入", field="file")
    if not rows:
        raise ValidationError("没有可导入的企业", field="file")
    counties = {r.county_code for r in rows}
    known = list(session.scalars(select(Enterprise).where(Enterprise.division_code.in_(counties))))
    by_name = {(e.division_code, normalize_name(e.name)): e for e in known}
    codes = [r.credit_code for r in rows if r.credit_code]
    by_code = {e.credit_code: e for e in session.scalars(
        select(Enterprise).where(Enterprise.credit_code.in_(codes)))} if codes else {}
    listed = set(session.scalars(select(RosterEntry.enterprise_id)
                                 .where(RosterEntry.task_id == assignment.task_id)))
    divisions = {d.code: d for d in session.scalars(select(Division).where(Division.code.in_(counties)))}
    added = created = already = 0
    for row in rows:
        enterprise = by_code.get(row.credit_code) or by_name.get((row.county_code, normalize_name(row.name)))
        if enterprise is None:
            enterprise = Enterprise(name=row.name.strip(), division_code=row.county_code,
                                    industry_code=row.industry_code, managing_tier=row.managing_tier,
                                    credit_code=row.credit_code, double_exceed=row.double_exceed,
                                    double_toxic=row.double_toxic)
            session.add(enterprise)
            session.flush()
            by_name[(row.county_code, normalize_name(row.name))] = enterprise
            created += 1
            audit.record(session, actor=actor, action="enterprise.create", object_type="enterprise",
                         object_id=enterprise.id, after={"name": enterprise.name, "source": "roster_import"})
        else:
            _apply_list_facts(session, actor, enterprise, row)
        if enterprise.id in listed:
            already += 1
            continue
        listed.add(enterprise.id)
        number = row.values.get("序号", "")
        session.add(RosterEntry(task_id=assignment.task_id, enterprise_id=enterprise.id,
                                county_code=row.county_code, city_code=divisions[row.county_code].city_code,
                                list_number=int(number) if number.isdigit() else None))
        added += 1
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="roster.import", object_type="roster_task",
                 object_id=assignment.task_id,
                 after={"added": added, "created_enterprises": created, "already_listed": already})
    return ImportResult(added, created, already)


def _apply_list_facts(session: Session, actor: User, enterprise: Enterprise, row: ImportRow) -> None:
    """The province's list decides the managing department, and 双超/双有 when its file has them."""
    wanted = {"managing_tier": row.managing_tier}
    if "是否双超" in row.values:
        wanted["double_exceed"] = row.double_exceed
    if "是否双有" in row.values:
        wanted["double_toxic"] = row.double_toxic
    if row.credit_code and not enterprise.credit_code:
        wanted["credit_code"] = row.credit_code
    changed = {k: v for k, v in wanted.items() if getattr(enterprise, k) != v}
    if changed:
        before = {k: _plain(getattr(enterprise, k)) for k in changed}
        for key, value in changed.items():
            setattr(enterprise, key, value)
        audit.record(session, actor=actor, action="enterprise.update", object_type="enterprise",
                     object_id=enterprise.id, before=before,
                     after={**{k: _plain(v) for k, v in changed.items()}, "source": "roster_import"})


def _plain(value):
    return getattr(value, "value", value)


# --- verification --------------------------------------------------------------------------

def mark_excluded(session: Session, actor: User, targets: list[tuple[int, int]], reason: str,
                  evidence: list[tuple[str, bytes]]) -> int:
    """标注“否”: (entry id, version) pairs, with a 情况说明 and at least one 佐证材料 each."""
    require_department(actor)
    reason = clean(reason, "情况说明", MAX_REASON, field="reason", multiline=True)
    if not targets:
        raise ValidationError("请先选择要标注为“否”的企业", field="selection")
    if not reason:
        raise ValidationError("请填写情况说明：说明该企业不符合本次清洁生产审核要求的原因", field="reason")
    if not evidence:
        raise ValidationError("请上传至少一份佐证材料（PDF、JPG 或 PNG）", field="evidence")
    for entry_id, version in targets:
        entry = _entry(session, actor, entry_id, version)
        PenMap(session, entry.task_id).require(actor, entry.county_code, entry.city_code)
        if not entry.included:
            raise RuleViolation(f"“{entry.enterprise.name}”已标注为“否”")
        entry.included, entry.exclusion_reason = False, reason
        _touch(entry, actor)
        for name, data in evidence:
            attachments.attach(session, actor, OWNER_ENTRY, entry.id, attachments.EVIDENCE, name, data)
        audit.record(session, actor=actor, action="roster.exclude", object_type=OWNER_ENTRY, object_id=entry.id,
                     before={"included": True}, after={"included": False, "reason": reason})
    flush_or_stale(session, STALE_MESSAGE)
    return len(targets)


def revise_exclusion(session: Session, actor: User, entry_id: int, version: int, reason: str,
                     keep: list[int], evidence: list[tuple[str, bytes]]) -> None:
    """Rework a 否 (after a return, say): its 情况说明 and 佐证材料 stay as they are unless changed.

    `keep`: ids of the entry's evidence files to keep (the others are detached, kept in the log);
    `evidence`: files to add. The 否 still needs a reason and at least one file.
    """
    entry = _entry(session, actor, entry_id, version)
    PenMap(session, entry.task_id).require(actor, entry.county_code, entry.city_code)
    if entry.included:
        raise RuleViolation(f"“{entry.enterprise.name}”未标注为“否”，请使用“标注“否””")
    reason = clean(reason, "情况说明", MAX_REASON, field="reason", multiline=True)
    if not reason:
        raise ValidationError("请填写情况说明：说明该企业不符合本次清洁生产审核要求的原因", field="reason")
    current = attachments.of(session, OWNER_ENTRY, entry.id, attachments.EVIDENCE)
    dropped = [a for a in current if a.id not in set(keep)]
    if len(current) - len(dropped) + len(evidence) == 0:
        raise ValidationError("请至少保留或上传一份佐证材料（PDF、JPG 或 PNG）", field="evidence")
    if reason == entry.exclusion_reason and not dropped and not evidence:
        raise ValidationError("情况说明和佐证材料没有变化，无需保存", field="changes")
    for item in dropped:
        attachments.remove(session, actor, item)
    for name, data in evidence:
        attachments.attach(session, actor, OWNER_ENTRY, entry.id, attachments.EVIDENCE, name, data)
    before = entry.exclusion_reason
    entry.exclusion_reason = reason
    _touch(entry, actor)  # moves the entry's version: a second user's edit of the same 否 is refused
    audit.record(session, actor=actor, action="roster.revise_exclusion", object_type=OWNER_ENTRY,
                 object_id=entry.id, before={"reason": before},
                 after={"reason": reason, "removed": [a.original_name for a in dropped],
                        "added": [name for name, _ in evidence]})
    flush_or_stale(session, STALE_MESSAGE)


def restore(session: Session, actor: User, entry_id: int, version: int) -> None:
    """Undo a 否: the enterprise is on the list again; its evidence is detached (kept in the log)."""
    entry = _entry(session, actor, entry_id, version)
    PenMap(session, entry.task_id).require(actor, entry.county_code, entry.city_code)
    if entry.included:
        raise RuleViolation(f"“{entry.enterprise.name}”已在名单中")
    before = {"included": False, "reason": entry.exclusion_reason}
    entry.included, entry.exclusion_reason = True, None
    _touch(entry, actor)
    for item in attachments.of(session, OWNER_ENTRY, entry.id, attachments.EVIDENCE):
        attachments.remove(session, actor, item)
    audit.record(session, actor=actor, action="roster.restore", object_type=OWNER_ENTRY, object_id=entry.id,
                 before=before, after={"included": True})
    flush_or_stale(session, STALE_MESSAGE)


def add_enterprise(session: Session, actor: User, assignment_id: int, enterprise_id: int) -> RosterEntry:
    """增补: put a missing enterprise of the directory on the list."""
    assignment = own_assignment(session, actor, assignment_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise RuleViolation("企业名录中没有该企业。请先联系“河北省污染源环境管理数据平台”负责人，"
                            "在其平台中增补该企业信息")
    if not covers(actor.division, enterprise.division):
        raise PermissionDenied("该企业不在本部门管辖范围内，不能增补")
    if enterprise.division.level is not Tier.COUNTY:
        raise RuleViolation("该企业未登记所属区县，请先在企业名录中补全后再增补")
    existing = session.scalar(select(RosterEntry).where(RosterEntry.task_id == assignment.task_id,
                                                        RosterEntry.enterprise_id == enterprise_id))
    if existing is not None:
        hint = "" if existing.included else "（当前标注为“否”，如需列入请恢复）"
        raise RuleViolation(f"“{enterprise.name}”已在本任务名单中{hint}")
    PenMap(session, assignment.task_id).require(actor, enterprise.division_code, enterprise.division.city_code)
    entry = RosterEntry(task_id=assignment.task_id, enterprise_id=enterprise.id,
                        county_code=enterprise.division_code, city_code=enterprise.division.city_code,
                        added_by_division=actor.division_code, updated_by_user_id=actor.id)
    session.add(entry)
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="roster.add", object_type=OWNER_ENTRY, object_id=entry.id,
                 after={"enterprise_id": enterprise.id, "name": enterprise.name})
    return entry


def withdraw(session: Session, actor: User, entry_id: int, version: int) -> None:
    """撤销增补 (or, for the province's draft, take a row off the list)."""
    entry = _entry(session, actor, entry_id, version)
    holder = PenMap(session, entry.task_id).require(actor, entry.county_code, entry.city_code)
    if entry.added_by_division is None and holder.level is not Tier.PROVINCE:
        raise RuleViolation("省级名单中的企业不能撤销，如不符合要求请标注“否”并说明情况")
    for item in attachments.of(session, OWNER_ENTRY, entry.id):
        attachments.remove(session, actor, item)
    audit.record(session, actor=actor, action="roster.withdraw", object_type=OWNER_ENTRY, object_id=entry.id,
                 before={"enterprise_id": entry.enterprise_id, "name": entry.enterprise.name,
                         "included": entry.included})
    session.delete(entry)
    flush_or_stale(session, STALE_MESSAGE)


def correct(session: Session, actor: User, entry_id: int, version: int, changes: dict) -> dict:
    """修正 an enterprise's facts from its entry; records before -> after. Returns what changed."""
    entry = _entry(session, actor, entry_id, version)
    PenMap(session, entry.task_id).require(actor, entry.county_code, entry.city_code)
    enterprise = entry.enterprise
    clean = {key: _checked_fact(session, enterprise, key, value) for key, value in changes.items()}
    changed = {k: v for k, v in clean.items() if getattr(enterprise, k) != v}
    if not changed:
        raise ValidationError("没有需要保存的修改", field="changes")
    before = {k: getattr(enterprise, k) for k in changed}
    for key, value in changed.items():
        setattr(enterprise, key, value)
    _touch(entry, actor)
    setattr(entry, f"corrected_by_{actor.tier.value}", True)
    audit.record(session, actor=actor, action="roster.correct", object_type=OWNER_ENTRY, object_id=entry.id,
                 before=before, after=changed)
    flush_or_stale(session, STALE_MESSAGE)
    return changed


def set_flags(session: Session, actor: User, targets: list[tuple[int, int]], *,
              double_exceed: bool | None = None, double_toxic: bool | None = None) -> int:
    """Bulk 修正 of 双超 / 双有 on selected entries; entries already so are left alone."""
    require_department(actor)
    wanted = {k: v for k, v in (("double_exceed", double_exceed), ("double_toxic", double_toxic)) if v is not None}
    if not targets:
        raise ValidationError("请先选择企业", field="selection")
    if not wanted:
        raise ValidationError("请选择要修正的项目", field="changes")
    changed = 0
    for entry_id, version in targets:
        entry = _entry(session, actor, entry_id, version)
        if any(getattr(entry.enterprise, k) != v for k, v in wanted.items()):
            correct(session, actor, entry_id, version, wanted)
            changed += 1
    return changed


def _checked_fact(session: Session, enterprise: Enterprise, key: str, value):
    if key not in FACT_LABELS:
        raise ValidationError(f"不能修改该项：{key}", field=key)
    if key in ("double_exceed", "double_toxic"):
        if not isinstance(value, bool):
            raise ValidationError(f"{FACT_LABELS[key]}只能为“是”或“否”", field=key)
        return value
    limit = FACT_LIMITS.get(key, Limit.SHORT)
    text = clean(value, FACT_LABELS[key], limit, field=key)
    if key == "name":
        if not text:
            raise ValidationError("企业名称不能为空", field=key)
        return text
    if key == "credit_code":
        text = credit_code.normalize(text)
        if not text:
            return None
        if problem := credit_code.problem(text):
            raise ValidationError(problem, field=key)
        other = session.scalar(select(Enterprise).where(Enterprise.credit_code == text,
                                                        Enterprise.id != enterprise.id))
        if other is not None:
            raise ValidationError(f"统一社会信用代码已被“{other.name}”使用", field=key)
        return text
    if key == "industry_code":
        industry = session.get(Industry, text)
        if industry is None or industry.level != "class":
            raise ValidationError("行业代码应为 GB/T 4754-2017 的四位小类代码", field=key)
        return text
    return text or None


# --- reading -------------------------------------------------------------------------------

def area_filter(assignment: RosterAssignment):
    """SQL predicate on RosterEntry: the part of the list this department verifies."""
    if assignment.level is Tier.PROVINCE:
        return RosterEntry.task_id == assignment.task_id
    column = RosterEntry.city_code if assignment.level is Tier.CITY else RosterEntry.county_code
    return (RosterEntry.task_id == assignment.task_id) & (column == assignment.division_code)
