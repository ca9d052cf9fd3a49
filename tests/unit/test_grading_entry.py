"""The enterprise's 对标 sheets (core.grading_entry), who may see them, and the counts for the statistics."""

from __future__ import annotations

import pytest

from core import grading_entry, grading_stats, progress
from core.errors import PermissionDenied, RuleViolation
from core.grading import Entry
from core.indicator_models import SheetPhase
from core.startup_fields import StepErrors
from tests.support.grading import AFTER, BEFORE, FIGURES_BEFORE, GAOXIN, applied, graded, plating_project
from tests.support.roster import CITY, LIANCHI, PROVINCE, user


def test_the_enterprise_sees_its_level_before_and_after_with_the_target(uow):
    with uow() as s:
        project, enterprise = graded(s)
        _, sheets = grading_entry.view(s, enterprise, project.id)
        before, after = sheets[SheetPhase.BEFORE], sheets[SheetPhase.AFTER]
        assert (before.sheet.level, before.result.level, before.check.met) == ("III", "III", False)
        assert (after.sheet.level, after.check.met) == ("II", True)  # in a park, waste water to a plant
        assert after.sheet.score_2 == pytest.approx(100.0) and after.entries["rinse_water"].value == 7.0


def test_declaring_a_site_outside_a_park_raises_the_water_target_and_regrades(uow):
    with uow() as s:
        project, enterprise = graded(s)
        version = grading_entry.declaration(s, project).version
        grading_entry.save_declaration(s, enterprise, project.id, False, True, ["化学需氧量"], version)
        _, sheets = grading_entry.view(s, enterprise, project.id)
        after = sheets[SheetPhase.AFTER]
        assert after.check.target.water == "I" and after.check.water_short == ("有节水设施",)
        assert after.sheet.target_met is False and project.enterprise.in_industrial_park is False


def test_faults_are_named_per_field_and_nothing_is_stored(uow):
    with uow() as s:
        project, enterprise = plating_project(s)
        bad = BEFORE | {"rinse_water": Entry(not_applicable=True), "zinc": Entry(value=120.0)}
        with pytest.raises(StepErrors) as refused:
            grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE,
                                     FIGURES_BEFORE | {"year": 1990, "fresh_water": None}, bad, None)
        errors = refused.value.errors
        assert "限定性指标，不能标为不适用" in errors["ind.rinse_water"] and "不能超过 100" in errors["ind.zinc"]
        assert "统计年度" in errors["figures.year"] and errors["figures.fresh_water"] == "请填写新鲜水用量"
        assert grading_entry.view(s, enterprise, project.id)[1][SheetPhase.BEFORE].sheet is None


def test_a_stale_save_is_refused(uow):
    with uow() as s:
        project, enterprise = graded(s, after=False)
        sheet = grading_entry.view(s, enterprise, project.id)[1][SheetPhase.BEFORE].sheet
        old = sheet.version
        grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, old)
        with pytest.raises(RuleViolation, match="其他用户修改"):
            grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, old)
        with pytest.raises(RuleViolation, match="其他用户修改"):  # 0: the user saw no sheet, yet there is one
            grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, 0)
        grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.AFTER, FIGURES_BEFORE, AFTER, 0)
        with pytest.raises(RuleViolation, match="其他用户修改"):
            grading_entry.save_declaration(s, enterprise, project.id, True, True, [], 0)


def test_the_before_sheet_is_locked_while_the_evaluation_is_under_review(uow):
    with uow() as s:
        case, project, enterprise = applied(s, after=False)
        version = grading_entry.view(s, enterprise, project.id)[1][SheetPhase.BEFORE].sheet.version
        with pytest.raises(RuleViolation, match="评估申请已提交"):
            grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, version)
        grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.AFTER, FIGURES_BEFORE, AFTER, None)


def test_an_industry_without_a_system_cannot_grade(uow):
    from tests.support.projects import started

    with uow() as s:
        project, enterprise = started(s)  # 禽类屠宰: no system shipped
        state = grading_entry.view(s, enterprise, project.id)[1][SheetPhase.BEFORE]
        assert state.system is None
        with pytest.raises(RuleViolation, match="还没有导入清洁生产评价指标体系"):
            grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, {}, None)


def test_departments_see_it_within_their_jurisdiction_only(uow):
    with uow() as s:
        project, _ = graded(s)
        for login in (GAOXIN, CITY, PROVINCE):
            _, sheets = grading_entry.view(s, user(s, login), project.id)
            assert sheets[SheetPhase.AFTER].sheet.level == "II"
        with pytest.raises(PermissionDenied):
            grading_entry.view(s, user(s, LIANCHI), project.id)
        with pytest.raises(PermissionDenied):
            grading_entry.save_sheet(s, user(s, GAOXIN), project.id, SheetPhase.BEFORE, FIGURES_BEFORE, BEFORE, None)


def test_the_statistics_count_audits_that_reached_the_target(uow):
    with uow() as s:
        graded(s)
        city = user(s, CITY)
        counts = grading_stats.target_counts(s, city, by="county")
        assert counts[GAOXIN] == grading_stats.TargetCounts(1, 0, 1, 1)
        assert grading_stats.total(counts) == grading_stats.target_counts(s, city)["all"]
        assert grading_stats.target_counts(s, user(s, LIANCHI)) == {}
        # Counted from letter_progress's groups, kept with every save of a sheet: nothing differs from the sheets.
        assert progress.verify(s) == []
