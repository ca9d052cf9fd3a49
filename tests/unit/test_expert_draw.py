"""专家抽取: pool and matching, each avoidance rule, reproducible draws, 补抽, confirming the panel, turns."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from core import expert_draw as ed
from core.cases import StageVerdict, enterprise_of, intake
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, ManagingTier
from core.project_models import AuditProject, CaseStep
from core.review_models import Conclusion, ExpertDraw, ExpertOpinion, PanelMember, PanelStatus
from core.stages import stages_of
from tests.support.projects import submitted_case
from tests.support.review import at_draw, expert, pool
from tests.support.roster import CITY, PROVINCE, QINGYUAN, user

ENTERPRISE = "保定玖福食品有限公司"
CREDIT_CODE = "91130608MA07ABCD1X"
CONSULTANCY = "河北清源环境咨询有限公司"
CONSULTANCY_CODE = "91130600MA0000000X"
def counts(s) -> tuple[int, int, int]:
    return tuple(s.scalar(select(func.count()).select_from(t)) for t in (ExpertDraw, PanelMember, AuditLogEntry))


def with_consultancy(s, case) -> None:
    project = s.get(AuditProject, case.project_id)
    project.startup = {"basic": {"consultancy_name": CONSULTANCY, "consultancy_credit_code": CONSULTANCY_CODE}}
    enterprise_of(s, case).credit_code = CREDIT_CODE
    s.flush()


def test_draw_takes_only_eligible_experts_and_replays(uow):
    with uow() as s:
        case = at_draw(s)
        matching = pool(s, 4) + pool(s, 2, "市库专家", registry=CITY)
        other_trade = expert(s, "化工专家", specialties=("26",))
        expert(s, "停用专家", active=False)
        expert(s, "石家庄专家", registry="130100")
        version = case.version
        record = ed.draw(s, user(s, CITY), case.id, version, count=3, seed=20260401)
        ids = sorted(e.id for e in matching)
        assert record.candidate_ids == ids
        assert record.excluded == {str(other_trade.id): ed.MISMATCH}  # inactive / other registry: not listed
        assert len(set(record.selected_ids)) == 3 and set(record.selected_ids) <= set(ids)
        assert (record.seed, record.requested, record.avoid_same_county, record.round) == (20260401, 3, False, 1)
        assert record.drawn_by_user_id == user(s, CITY).id and record.replaces_expert_id is None
        assert ed.replay(record) == record.selected_ids
        assert [m.expert_id for m in ed.panel_of(s, case.id)] == record.selected_ids
        assert all(m.status is PanelStatus.ACTIVE for m in ed.active_panel(s, case.id))
        assert case.step is CaseStep.EXPERT_DRAW and case.version == version
        [entry] = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "case.expert_draw"))
        assert entry.object_id == str(case.id)
        assert entry.after["seed"] == 20260401 and entry.after["selected_ids"] == record.selected_ids


def test_same_seed_same_selection_other_seeds_differ(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 6)
        found = ed.eligibility(s, case, CITY, avoid_same_county=False)
        ids = [e.id for e in found.candidates]
        assert ids == sorted(ids)
        expected = random.Random(7).sample(ids, 3)
        record = ed.draw(s, user(s, CITY), case.id, case.version, seed=7)
        assert record.selected_ids == expected
        assert any(random.Random(seed).sample(ids, 3) != expected for seed in range(8, 20))


def test_default_seed_is_random_and_stored(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 4)
        record = ed.draw(s, user(s, CITY), case.id, case.version)
        assert 0 <= record.seed < 2**31 and record.requested == ed.DEFAULT_PANEL_SIZE == 3
        assert ed.replay(record) == record.selected_ids


AVOIDANCE = [
    pytest.param({"organisation": ENTERPRISE}, False, ed.SAME_ORGANISATION, id="same-org-as-enterprise"),
    pytest.param({"organisation": " 保定玖福食品 有限公司"}, False, ed.SAME_ORGANISATION, id="same-org-spaces"),
    pytest.param({"organisation": CONSULTANCY}, False, ed.CONSULTANCY_ORGANISATION, id="same-org-as-consultancy"),
    pytest.param({"conflicts": ("某某公司", ENTERPRISE)}, False, ed.DECLARED, id="declared-enterprise-name"),
    pytest.param({"conflicts": (CREDIT_CODE,)}, False, ed.DECLARED, id="declared-enterprise-code"),
    pytest.param({"conflicts": (CONSULTANCY,)}, False, ed.DECLARED, id="declared-consultancy-name"),
    pytest.param({"conflicts": (CONSULTANCY_CODE.lower(),)}, False, ed.DECLARED, id="declared-consultancy-code"),
    pytest.param({"region": QINGYUAN}, True, ed.SAME_COUNTY, id="same-county-avoided"),
    pytest.param({"region": QINGYUAN}, False, None, id="same-county-allowed-by-default"),
]


@pytest.mark.parametrize(("fields", "avoid", "reason"), AVOIDANCE)
def test_each_avoidance_rule_excludes_exactly_that_expert(uow, fields, avoid, reason):
    with uow() as s:
        case = at_draw(s)
        with_consultancy(s, case)
        plain = pool(s, 3)
        target = expert(s, "回避测试专家", **fields)
        found = ed.eligibility(s, case, CITY, avoid_same_county=avoid)
        if reason is None:
            assert found.excluded == [] and target in found.candidates
            return
        assert found.excluded == [(target, reason)]
        assert found.candidates == plain
        record = ed.draw(s, user(s, CITY), case.id, case.version, count=3, avoid_same_county=avoid, seed=1)
        assert record.excluded == {str(target.id): reason}
        assert target.id not in record.selected_ids and record.avoid_same_county is avoid


def test_an_avoidance_is_named_before_a_specialty_mismatch(uow):
    """Issue 14: a reviewer checks the 回避; an expert of the consultancy in another trade was listed
    only as 专业不匹配, among dozens."""
    with uow() as s:
        case = at_draw(s)
        with_consultancy(s, case)
        pool(s, 3)
        both = expert(s, "咨询机构的化工专家", organisation=CONSULTANCY, specialties=("26",))
        other = expert(s, "化工专家", specialties=("26",))
        found = ed.eligibility(s, case, CITY, avoid_same_county=False)
        assert found.excluded == [(both, ed.CONSULTANCY_ORGANISATION), (other, ed.MISMATCH)]


def test_organisation_compared_without_bracket_variants(uow):
    with uow() as s:
        case = at_draw(s)
        enterprise_of(s, case).name = "保定玖福食品（清苑）有限公司"
        project = s.get(AuditProject, case.project_id)
        project.startup = {"basic": {"consultancy_name": "河北清源环境咨询（保定）有限公司"}}
        a = expert(s, "甲", organisation="保定玖福食品(清苑)有限公司")
        b = expert(s, "乙", organisation="河北清源环境咨询 (保定) 有限公司")
        found = ed.eligibility(s, case, CITY, avoid_same_county=False)
        assert found.excluded == [(a, ed.SAME_ORGANISATION), (b, ed.CONSULTANCY_ORGANISATION)]


def test_self_audit_without_consultancy_avoids_nobody_for_it(uow):
    with uow() as s:
        case = at_draw(s)  # no consultancy in the startup data: empty names must match nobody
        experts = pool(s, 3, organisation="")
        assert ed.eligibility(s, case, CITY, avoid_same_county=False).candidates == experts


@pytest.mark.parametrize(("extra", "avoid", "eligible"), [(0, False, 2), (1, True, 2)])
def test_too_small_pool_refused_and_nothing_changes(uow, extra, avoid, eligible):
    with uow() as s:
        case = at_draw(s)
        pool(s, 2)
        pool(s, extra, "同县专家", region=QINGYUAN)
        expert(s, "化工专家", specialties=("26",))
        before = counts(s)
        with pytest.raises(RuleViolation) as err:
            ed.draw(s, user(s, CITY), case.id, case.version, count=3, avoid_same_county=avoid)
        assert err.value.message == (f"符合条件的专家只有 {eligible} 名，不足抽取 3 名，请扩充专家库或调整回避设置")
        assert counts(s) == before and case.step is CaseStep.EXPERT_DRAW


def test_city_uses_its_own_registry_never_another_citys(uow):
    with uow() as s:
        case = at_draw(s)
        province = pool(s, 2, "省库专家")
        own = pool(s, 2, "保定库专家", registry=CITY)
        other = pool(s, 3, "石家庄库专家", registry="130100")
        record = ed.draw(s, user(s, CITY), case.id, case.version, count=4, seed=3)
        assert sorted(record.selected_ids) == sorted(e.id for e in province + own)
        assert not {e.id for e in other} & (set(record.candidate_ids) | {int(k) for k in record.excluded})


def test_province_case_is_drawn_by_the_province_from_its_pool(uow):
    with uow() as s:
        case = at_draw(s, ManagingTier.PROVINCE)
        province = pool(s, 3, "省库专家")
        pool(s, 3, "保定库专家", registry=CITY)
        with pytest.raises(PermissionDenied):
            ed.draw(s, user(s, CITY), case.id, case.version)
        record = ed.draw(s, user(s, PROVINCE), case.id, case.version, seed=5)
        assert sorted(record.selected_ids) == [e.id for e in province] == record.candidate_ids


@pytest.mark.parametrize("count", [0, 16, -1])
def test_count_out_of_range_refused(uow, count):
    with uow() as s:
        case = at_draw(s)
        pool(s, 16)
        with pytest.raises(ValidationError) as err:
            ed.draw(s, user(s, CITY), case.id, case.version, count=count)
        assert err.value.field == "count"


def test_count_limits_allowed(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 15)
        record = ed.draw(s, user(s, CITY), case.id, case.version, count=15, seed=11)
        assert sorted(record.selected_ids) == record.candidate_ids and len(ed.active_panel(s, case.id)) == 15


def test_enterprise_without_industry_refused(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 3)
        enterprise_of(s, case).industry_code = None
        s.flush()
        with pytest.raises(RuleViolation, match="企业未填写所属行业，无法按行业抽取专家"):
            ed.draw(s, user(s, CITY), case.id, case.version)


@pytest.mark.parametrize("login", [QINGYUAN, PROVINCE])
def test_wrong_department_refused(uow, login):
    with uow() as s:
        case = at_draw(s)
        pool(s, 3)
        with pytest.raises(PermissionDenied):
            ed.draw(s, user(s, login), case.id, case.version)
        assert counts(s)[0] == 0


def test_wrong_step_and_stale_version_refused(uow):
    with uow() as s:
        case, _ = submitted_case(s)
        pool(s, 3)
        with pytest.raises(RuleViolation, match="区县受理审核") as err:
            ed.draw(s, user(s, CITY), case.id, case.version)
        assert not isinstance(err.value, PermissionDenied)
        verdicts = {stage.key: StageVerdict(True) for stage in stages_of(case.kind.value)}
        stale = case.version
        for login in (QINGYUAN, CITY):
            intake(s, user(s, login), case.id, case.version, verdicts, agreed=True)
        with pytest.raises(RuleViolation, match="刷新"):
            ed.draw(s, user(s, CITY), case.id, stale)


def test_decline_and_redraw_replaces_the_expert(uow):
    with uow() as s:
        case = at_draw(s)
        plain = pool(s, 4)
        neighbour = expert(s, "同县专家", region=QINGYUAN)
        first = ed.draw(s, user(s, CITY), case.id, case.version, count=3, avoid_same_county=True, seed=9)
        [spare] = [e for e in plain if e.id not in first.selected_ids]
        gone = first.selected_ids[0]
        second = ed.decline_and_redraw(s, user(s, CITY), case.id, case.version, gone, "  出差无法参加  ", seed=4)
        assert second.selected_ids == [spare.id] == ed.replay(second)
        assert (second.requested, second.replaces_expert_id, second.avoid_same_county) == (1, gone, True)
        assert second.excluded[str(neighbour.id)] == ed.SAME_COUNTY
        assert all(second.excluded[str(i)] == ed.ON_PANEL for i in first.selected_ids)
        assert [d.id for d in ed.draws_of(s, case.id)] == [first.id, second.id]
        panel = ed.panel_of(s, case.id)
        assert [m.expert_id for m in panel] == [*first.selected_ids, spare.id]
        declined = panel[0]
        assert declined.status is PanelStatus.DECLINED and declined.decline_reason == "出差无法参加"
        assert declined.declined_at is not None
        assert sorted(m.expert_id for m in ed.active_panel(s, case.id)) == sorted([*first.selected_ids[1:], spare.id])
        assert s.scalar(select(func.count()).where(AuditLogEntry.action == "case.expert_redraw")) == 1
        with pytest.raises(RuleViolation, match="已谢绝"):
            ed.decline_and_redraw(s, user(s, CITY), case.id, case.version, gone, "再次谢绝")


def test_redraw_with_exhausted_pool_keeps_the_member(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 3)
        first = ed.draw(s, user(s, CITY), case.id, case.version, seed=2)
        before = counts(s)
        with pytest.raises(RuleViolation, match="无法补抽"):
            ed.decline_and_redraw(s, user(s, CITY), case.id, case.version, first.selected_ids[0], "身体不适")
        member = ed.panel_of(s, case.id)[0]
        assert member.status is PanelStatus.ACTIVE and member.decline_reason is None and member.declined_at is None
        assert counts(s) == before and len(ed.draws_of(s, case.id)) == 1


@pytest.mark.parametrize("reason", ["", "病", "长" * 201])
def test_decline_reason_length(uow, reason):
    with uow() as s:
        case = at_draw(s)
        pool(s, 4)
        first = ed.draw(s, user(s, CITY), case.id, case.version, seed=2)
        with pytest.raises(ValidationError) as err:
            ed.decline_and_redraw(s, user(s, CITY), case.id, case.version, first.selected_ids[0], reason)
        assert err.value.field == "reason"


def test_decline_of_an_expert_not_on_the_panel_refused(uow):
    with uow() as s:
        case = at_draw(s)
        experts = pool(s, 4)
        first = ed.draw(s, user(s, CITY), case.id, case.version, seed=2)
        [outside] = [e for e in experts if e.id not in first.selected_ids]
        with pytest.raises(RuleViolation, match="不在本案专家组"):
            ed.decline_and_redraw(s, user(s, CITY), case.id, case.version, outside.id, "不能参加")


def test_confirm_panel_moves_to_document_review_then_no_second_draw(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 6)
        city = user(s, CITY)
        with pytest.raises(RuleViolation, match="尚未抽取专家"):
            ed.confirm_panel(s, city, case.id, case.version)
        with pytest.raises(PermissionDenied):
            ed.confirm_panel(s, user(s, QINGYUAN), case.id, case.version)
        ed.draw(s, city, case.id, case.version, seed=8)
        with pytest.raises(RuleViolation, match="补抽"):
            ed.draw(s, city, case.id, case.version, seed=9)
        version = case.version
        ed.confirm_panel(s, city, case.id, version)
        assert case.step is CaseStep.DOCUMENT_REVIEW and case.version > version
        assert s.scalar(select(func.count()).where(AuditLogEntry.action == "case.confirm_panel")) == 1
        with pytest.raises(RuleViolation, match="线上文审"):
            ed.draw(s, city, case.id, case.version)
        assert len(ed.draws_of(s, case.id)) == 1


def test_confirm_needs_the_requested_number_of_active_members(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 4)
        ed.draw(s, user(s, CITY), case.id, case.version, count=4, seed=8)
        ed.panel_of(s, case.id)[1].status = PanelStatus.DECLINED  # as if a redraw had failed midway
        s.flush()
        with pytest.raises(RuleViolation, match="专家组人数不足：需要 4 名，当前只有 3 名"):
            ed.confirm_panel(s, user(s, CITY), case.id, case.version)
        assert case.step is CaseStep.EXPERT_DRAW


def test_expert_with_an_opinion_cannot_be_declined_but_others_can(uow):
    with uow() as s:
        case = at_draw(s)
        pool(s, 5)
        city = user(s, CITY)
        first = ed.draw(s, city, case.id, case.version, seed=6)
        ed.confirm_panel(s, city, case.id, case.version)
        done, other = first.selected_ids[:2]
        s.add(ExpertOpinion(case_id=case.id, round=case.round, expert_id=done, score=85.0,
                            conclusion=Conclusion.PASS, opinion="同意通过", entered_by_user_id=city.id))
        s.flush()
        with pytest.raises(RuleViolation, match="该专家已提交意见，不能补抽"):
            ed.decline_and_redraw(s, city, case.id, case.version, done, "临时有事")
        second = ed.decline_and_redraw(s, city, case.id, case.version, other, "临时有事")  # at 线上文审 too
        assert second.replaces_expert_id == other and second.selected_ids[0] not in first.selected_ids
        assert case.step is CaseStep.DOCUMENT_REVIEW
