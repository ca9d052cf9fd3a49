"""Every allowed and every refused transition of the roster state table, and who may take them.

The cases are generated from `roster.TRANSITIONS` and `RosterStatus`: each action at each level from
each status. A real task is built (province -> 保定市 -> 涿州市 and 清苑区), then only the statuses are
set directly, so that the rule under test is the only thing that decides. A refusal must leave the
database exactly as it was (the unit of work rolls back), which is checked in a fresh unit of work.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import audit, roster
from core.auth import create_account, enterprise_login
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Enterprise, Tier
from core.workflow_models import (
    Attachment,
    RosterAssignment,
    RosterReview,
    RosterStatus,
)
from tests.support.roster import (
    CITY,
    PROVINCE,
    QINGYUAN,
    ZHUOZHOU,
    new_task,
    part,
    pdf_bytes,
    user,
)

S = RosterStatus
ACTIONS = ("dispatch", "submit", "approve", "return", "finalize")
LEVELS = (Tier.PROVINCE, Tier.CITY, Tier.COUNTY)
CODE = {Tier.PROVINCE: PROVINCE, Tier.CITY: CITY, Tier.COUNTY: ZHUOZHOU}
PARENT = {Tier.CITY: PROVINCE, Tier.COUNTY: CITY}
RULES = {(t.action, t.level): t for t in roster.TRANSITIONS}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
OTHER_CITY, OTHER_CITY_COUNTY = "130100", "130102"  # 石家庄市, its 长安区: outside the task
SCAN = ("最终名单.pdf", pdf_bytes())

# The state table as seed 000 §2.1/§3.1 describes it, written out independently of core/roster.py:
# (action, level) -> (sources, target, taken by the level above).
SPEC = {
    ("dispatch", Tier.PROVINCE): ({S.PENDING}, S.DISPATCHED, False),
    ("dispatch", Tier.CITY): ({S.PENDING}, S.DISPATCHED, False),
    ("submit", Tier.COUNTY): ({S.PENDING, S.RETURNED}, S.SUBMITTED, False),
    ("submit", Tier.CITY): ({S.DISPATCHED, S.RETURNED}, S.SUBMITTED, False),
    ("approve", Tier.COUNTY): ({S.SUBMITTED}, S.APPROVED, True),
    ("approve", Tier.CITY): ({S.SUBMITTED}, S.APPROVED, True),
    ("return", Tier.COUNTY): ({S.SUBMITTED}, S.RETURNED, True),
    ("return", Tier.CITY): ({S.SUBMITTED}, S.RETURNED, True),
    ("finalize", Tier.PROVINCE): ({S.DISPATCHED}, S.APPROVED, False),
}


# --- building and observing ----------------------------------------------------------------

def build(uow) -> int:
    """A task dispatched down to its two counties; returns the task id."""
    with uow() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_part = part(s, province_part.task_id, CITY)
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
        return province_part.task_id


def set_statuses(uow, task_id: int, statuses: dict[str, RosterStatus]) -> None:
    with uow() as s:
        for code, status in statuses.items():
            part(s, task_id, code).status = status


def arrange(action: str, level: Tier, status: RosterStatus) -> dict[str, RosterStatus]:
    """`level`'s part in `status`, and everything else as the action would need it."""
    states = {CODE[level]: status}
    if action in ("approve", "return") and level in PARENT:
        states[PARENT[level]] = S.DISPATCHED
    if action == "submit" and level is Tier.CITY:
        states.update({ZHUOZHOU: S.APPROVED, QINGYUAN: S.APPROVED})
    if action == "finalize" and level is Tier.PROVINCE:
        states[CITY] = S.APPROVED
    return states


def rightful_actor(action: str, level: Tier) -> str:
    if action in ("approve", "return"):
        return PARENT.get(level, PROVINCE)
    return CODE[level]


def perform(s, actor, action: str, assignment: RosterAssignment, *, agreed: bool = True,
            final_list: tuple[str | None, bytes | None] = SCAN, comment: str = "请补充佐证材料",
            extra_counties: tuple[str, ...] = ()) -> None:
    name, data = final_list
    if action == "dispatch":
        roster.dispatch(s, actor, assignment.id, assignment.version, agreed=agreed, extra_counties=extra_counties)
    elif action == "submit":
        roster.submit(s, actor, assignment.id, assignment.version, agreed=agreed, final_list_name=name,
                      final_list=data)
    elif action in ("approve", "return"):
        roster.review(s, actor, assignment.id, assignment.version, approve=action == "approve", comment=comment)
    else:
        roster.finalize(s, actor, assignment.id, assignment.version, agreed=agreed)


def snapshot(uow, task_id: int):
    """Everything a transition may change: every part's status and version, and the row counts."""
    with uow() as s:
        parts = {a.division_code: (a.status, a.version, a.dispatched_at, a.submitted_at, a.decided_at)
                 for a in s.scalars(select(RosterAssignment).where(RosterAssignment.task_id == task_id))}
        counts = [s.scalar(select(func.count()).select_from(m)) for m in (AuditLogEntry, Attachment, RosterReview)]
        return parts, counts


def refused(uow, task_id: int, attempt, kind: type[RuleViolation] = RuleViolation) -> RuleViolation:
    """Run `attempt(session)` in its own unit of work; it must be refused and change nothing."""
    before = snapshot(uow, task_id)
    with pytest.raises(kind) as info, uow() as s:
        attempt(s)
    assert CHINESE.search(str(info.value)), str(info.value)
    assert snapshot(uow, task_id) == before
    return info.value


def department(s, code: str):
    """An operational department account, creating one for a division the demo has none for."""
    if code == OTHER_CITY:
        account, _ = create_account(s, login=code, display_name="石家庄市生态环境局", tier=Tier.CITY,
                                    division_code=code)
        account.must_change_password = False
        return account
    return user(s, code)


# --- the table itself ----------------------------------------------------------------------

def test_the_table_is_the_specified_one():
    rows = [(t.action, t.level) for t in roster.TRANSITIONS]
    assert len(rows) == len(set(rows)), "one row per action and level"
    assert {k: (set(t.sources), t.target, t.by_parent) for k, t in RULES.items()} == SPEC
    assert set(ACTIONS) == {t.action for t in roster.TRANSITIONS} == set(roster.ACTION_LABELS)


CASES = [pytest.param(action, level, status, id=f"{action}-{level.value}-from-{status.value}")
         for action in ACTIONS for level in LEVELS for status in RosterStatus]


@pytest.mark.parametrize(("action", "level", "status"), CASES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(uow, action, level, status):
    task_id = build(uow)
    set_statuses(uow, task_id, arrange(action, level, status))
    rule = RULES.get((action, level))
    actor = rightful_actor(action, level)

    def attempt(s):
        perform(s, user(s, actor), action, part(s, task_id, CODE[level]))

    if rule is None or status not in rule.sources:
        error = refused(uow, task_id, attempt)
        # Refused by the state rule, not by a permission or an input check of the setup.
        assert type(error) is RuleViolation and "不能" in str(error)
        return

    def logged(s, assignment_id):
        return list(s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == f"roster.{action}",
                                                          AuditLogEntry.object_id == str(assignment_id))
                              .order_by(AuditLogEntry.id)))

    with uow() as s:
        moved = part(s, task_id, CODE[level])
        logs_before = len(logged(s, moved.id))
        attempt(s)
    with uow() as s:
        moved = part(s, task_id, CODE[level])
        assert moved.status is rule.target
        logs = logged(s, moved.id)
        assert len(logs) == logs_before + 1
        assert logs[-1].before == {"status": status.value} and logs[-1].after["status"] == rule.target.value
        assert logs[-1].actor_login == actor
        if action in ("dispatch", "submit", "finalize"):
            assert logs[-1].statement == audit.STATEMENT
        stamp = {"dispatch": moved.dispatched_at, "submit": moved.submitted_at}.get(action, moved.decided_at)
        assert stamp is not None
        if action == "submit":
            assert s.scalar(select(func.count()).select_from(Attachment).where(
                Attachment.owner_id == moved.id, Attachment.purpose == "final_list")) == 1
        if action in ("approve", "return"):
            [review] = roster.reviews_of(s, moved.id)
            assert review.decision.value == action and review.comment == "请补充佐证材料"


# --- who may act ---------------------------------------------------------------------------

@pytest.mark.parametrize("approve", [True, False], ids=["approve", "return"])
@pytest.mark.parametrize(("level", "reviewer"), [
    (Tier.COUNTY, ZHUOZHOU),  # the department itself
    (Tier.CITY, CITY),  # the department itself
    (Tier.COUNTY, PROVINCE),  # above, but not the parent
    (Tier.COUNTY, QINGYUAN),  # a sibling
    (Tier.CITY, ZHUOZHOU),  # a department below
    (Tier.CITY, OTHER_CITY),  # another city
], ids=["county-itself", "city-itself", "county-by-province", "county-by-sibling", "city-by-its-county",
        "city-by-another-city"])
def test_only_the_parent_may_review(uow, level, reviewer, approve):
    task_id = build(uow)
    action = "approve" if approve else "return"
    set_statuses(uow, task_id, arrange(action, level, S.SUBMITTED))
    refused(uow, task_id, lambda s: perform(s, department(s, reviewer), action, part(s, task_id, CODE[level])),
            PermissionDenied)
    with uow() as s:  # the parent may
        perform(s, user(s, PARENT[level]), action, part(s, task_id, CODE[level]))
    with uow() as s:
        assert part(s, task_id, CODE[level]).status is SPEC[(action, level)][1]


@pytest.mark.parametrize("parent_status", [s for s in RosterStatus if s is not S.DISPATCHED])
@pytest.mark.parametrize("action", ["approve", "return"])
@pytest.mark.parametrize("level", [Tier.COUNTY, Tier.CITY])
def test_the_parent_reviews_only_while_its_own_part_is_dispatched(uow, level, action, parent_status):
    task_id = build(uow)
    set_statuses(uow, task_id, {**arrange(action, level, S.SUBMITTED), PARENT[level]: parent_status})
    error = refused(uow, task_id, lambda s: perform(s, user(s, PARENT[level]), action, part(s, task_id, CODE[level])))
    assert type(error) is RuleViolation and f"“{parent_status.label}”" in str(error) and "审核下级" in str(error)


@pytest.mark.parametrize(("action", "level", "status", "intruder"), [
    ("dispatch", Tier.CITY, S.PENDING, PROVINCE),
    ("dispatch", Tier.PROVINCE, S.PENDING, CITY),
    ("submit", Tier.COUNTY, S.PENDING, CITY),
    ("submit", Tier.COUNTY, S.PENDING, QINGYUAN),
    ("submit", Tier.CITY, S.DISPATCHED, PROVINCE),
    ("submit", Tier.CITY, S.DISPATCHED, ZHUOZHOU),
    ("finalize", Tier.PROVINCE, S.DISPATCHED, CITY),
])
def test_a_department_cannot_act_on_another_departments_part(uow, action, level, status, intruder):
    task_id = build(uow)
    set_statuses(uow, task_id, arrange(action, level, status))
    refused(uow, task_id, lambda s: perform(s, user(s, intruder), action, part(s, task_id, CODE[level])),
            PermissionDenied)
    with uow() as s:  # the department itself may
        perform(s, user(s, CODE[level]), action, part(s, task_id, CODE[level]))


def enterprise_account(s):
    """An operational account of an enterprise in 涿州市: it shares the county part's division code."""
    feiyao = s.scalar(select(Enterprise).where(Enterprise.name == "涿州市飞耀金属制品有限公司"))
    account, _ = create_account(s, login=enterprise_login(ZHUOZHOU, 1), display_name=feiyao.name,
                                tier=Tier.ENTERPRISE, division_code=ZHUOZHOU, enterprise_id=feiyao.id)
    account.must_change_password = False
    return account


def first_allowed(action: str) -> tuple[Tier, RosterStatus]:
    rule = next(t for t in roster.TRANSITIONS if t.action == action)
    return rule.level, next(s for s in RosterStatus if s in rule.sources)


@pytest.mark.parametrize("who", ["enterprise", "initial-password", "inactive"])
@pytest.mark.parametrize("action", ACTIONS)
def test_enterprises_and_accounts_not_yet_usable_cannot_act(uow, action, who):
    task_id = build(uow)
    level, status = first_allowed(action)
    set_statuses(uow, task_id, arrange(action, level, status))
    rightful = rightful_actor(action, level)

    def attempt(s):
        actor = enterprise_account(s) if who == "enterprise" else user(s, rightful)
        if who == "initial-password":
            actor.must_change_password = True
        elif who == "inactive":
            actor.is_active = False
        perform(s, actor, action, part(s, task_id, CODE[level]))

    refused(uow, task_id, attempt, PermissionDenied)
    with uow() as s:
        perform(s, user(s, rightful), action, part(s, task_id, CODE[level]))


# --- guards ----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["dispatch", "submit", "finalize"])
def test_binding_steps_need_the_statement(uow, action):
    task_id = build(uow)
    for level in LEVELS:
        if (action, level) not in RULES:
            continue
        status = next(s for s in RosterStatus if s in RULES[(action, level)].sources)
        set_statuses(uow, task_id, arrange(action, level, status))
        error = refused(uow, task_id, lambda s, lv=level: perform(s, user(s, CODE[lv]), action,
                                                                  part(s, task_id, CODE[lv]), agreed=False),
                        ValidationError)
        assert error.field == "statement" and "我同意" in str(error)


def test_the_province_cannot_dispatch_an_empty_list(uow):
    with uow() as s:
        province_part = roster.create_task(s, user(s, PROVINCE), name="空名单任务", batch="第一批",
                                           requirements="", deadline=date.today() + timedelta(days=10))
        task_id = province_part.task_id
    error = refused(uow, task_id, lambda s: perform(s, user(s, PROVINCE), "dispatch", part(s, task_id, PROVINCE)))
    assert "企业名单为空" in str(error)
    assert list(snapshot(uow, task_id)[0]) == [PROVINCE]


@pytest.mark.parametrize("extra", [OTHER_CITY_COUNTY, OTHER_CITY, CITY, "999999"])
def test_a_city_cannot_dispatch_to_a_county_that_is_not_its_own(uow, extra):
    task_id = build(uow)
    set_statuses(uow, task_id, {CITY: S.PENDING})
    error = refused(uow, task_id, lambda s: perform(s, user(s, CITY), "dispatch", part(s, task_id, CITY),
                                                    extra_counties=(extra,)), ValidationError)
    assert extra in str(error) and "不是本市的区县" in str(error)  # and no part was created (snapshot)


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data"), [
    (None, None), ("最终名单.pdf", b""), ("最终名单.pdf", EXE), ("最终名单.jpg", "盖章名单".encode()),
    ("最终名单.pdf", pdf_bytes()[:-40]), ("最终名单.docx", docx_bytes()),
], ids=["no-file", "empty", "exe-renamed-pdf", "text-renamed-jpg", "truncated-pdf", "word-document"])
@pytest.mark.parametrize("level", [Tier.COUNTY, Tier.CITY])
def test_submit_needs_a_stamped_scan(uow, level, name, data):
    task_id = build(uow)
    status = next(s for s in RosterStatus if s in RULES[("submit", level)].sources)
    set_statuses(uow, task_id, arrange("submit", level, status))
    error = refused(uow, task_id, lambda s: perform(s, user(s, CODE[level]), "submit", part(s, task_id, CODE[level]),
                                                    final_list=(name, data)),
                    ValidationError)
    if data:  # judged by its content
        assert error.field == "file" and ("格式" in str(error) or "不完整" in str(error))
    else:  # nothing uploaded: asked for the stamped final list itself
        assert error.field == "final_list" and "盖章扫描件" in str(error)


@pytest.mark.parametrize("county_status", [s for s in RosterStatus if s is not S.APPROVED])
def test_a_city_cannot_submit_while_a_county_is_not_approved(uow, county_status):
    task_id = build(uow)
    set_statuses(uow, task_id, {**arrange("submit", Tier.CITY, S.DISPATCHED), QINGYUAN: county_status})
    error = refused(uow, task_id, lambda s: perform(s, user(s, CITY), "submit", part(s, task_id, CITY)))
    assert "1 个区县" in str(error) and "清苑" in str(error) and "涿州" not in str(error)


@pytest.mark.parametrize("comment", ["", "   \n "])
@pytest.mark.parametrize("level", [Tier.COUNTY, Tier.CITY])
def test_a_return_needs_a_comment(uow, level, comment):
    task_id = build(uow)
    set_statuses(uow, task_id, arrange("return", level, S.SUBMITTED))
    error = refused(uow, task_id, lambda s: perform(s, user(s, PARENT[level]), "return",
                                                    part(s, task_id, CODE[level]), comment=comment),
                    ValidationError)
    assert error.field == "comment" and "审核意见" in str(error)


@pytest.mark.parametrize("city_status", [s for s in RosterStatus if s is not S.APPROVED])
def test_the_province_cannot_finalize_while_a_city_is_not_approved(uow, city_status):
    task_id = build(uow)
    set_statuses(uow, task_id, {PROVINCE: S.DISPATCHED, CITY: city_status})
    error = refused(uow, task_id, lambda s: perform(s, user(s, PROVINCE), "finalize", part(s, task_id, PROVINCE)))
    assert "1 个地市" in str(error) and "保定" in str(error)
