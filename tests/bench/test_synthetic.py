"""The benchmarks' synthetic province: it holds every state the pages show, consistently, its accounts sign in,
it is built once per scale (and again when the builder changes), and the page benchmark opens every page it
lists as each tier without an error or a way back."""

from __future__ import annotations

from sqlalchemy import func, select

from bench import synthetic
from bench.page_specs import TIERS
from bench.pages_bench import measure_scale, select_specs
from bench.probes import SqlCounter
from core import attachments, auth, cases, enterprise_counts, roster_counts, stats
from core.db import unit_of_work
from core.models import Enterprise, User
from core.notice_models import NoticeAssignment, NoticeLetter, NoticeStatus
from core.project_models import AuditProject, Case, CaseStatus, CaseStep
from core.workflow_models import Attachment, RosterAssignment, RosterEntry, RosterStatus
from tests.bench.conftest import SCALE


def test_the_province_holds_every_state_the_pages_show(province):
    with unit_of_work() as s:
        under_way = province["roster"]["t3"]["task_id"]
        assert set(s.scalars(select(RosterAssignment.status).where(RosterAssignment.task_id == under_way))) == \
            set(RosterStatus)
        assert set(s.scalars(select(NoticeAssignment.status))) == set(NoticeStatus)
        for managing, route in cases.ROUTES.items():  # a case at every step of both routes
            steps = set(s.scalars(select(Case.step).where(Case.managing_tier == managing)))
            assert set(route) == steps, (managing, set(route) ^ steps)
        assert set(s.scalars(select(Case.status))) == set(CaseStatus)
        excluded = s.scalars(select(RosterEntry).where(RosterEntry.included.is_(False))).all()
        assert excluded and all(e.exclusion_reason for e in excluded)
        assert s.scalar(select(func.count()).select_from(RosterEntry).where(RosterEntry.added_by_division.is_not(None)))
        assert roster_counts.verify(s) == []  # counted after the bulk load, as the ORM keeps them later
        assert enterprise_counts.verify(s) == []


def test_letters_projects_and_figures_agree(province):
    with unit_of_work() as s:
        letters = s.execute(select(NoticeLetter, Enterprise.division_code)
                            .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)).all()
        assert all(letter.county_code == county for letter, county in letters)
        accepted = {letter.id for letter, _ in letters if letter.accepted_at}
        projects = list(s.scalars(select(AuditProject.letter_id)))
        assert sorted(projects) == sorted(accepted)  # one project per accepted letter, none without
        province_user = s.scalar(select(User).where(User.login == "130000"))
        total = stats.total_of(stats.funnel(s, province_user, by="city"))
        assert total["total"] == len(letters)
        assert total["accepted"] == len(accepted)
        assert 0 < total["acceptance_passed"] < total["evaluation_passed"] < total["evaluation_applied"]
        stored = s.scalars(select(Attachment).limit(1)).one()
        assert attachments.content(stored)[:4] in (b"%PDF", b"\x89PNG")  # the shared file, checked by its digest


def test_every_tier_signs_in_with_the_bench_password(province):
    with unit_of_work() as s:
        for login in ("130000", "130600", "130681", province["enterprise_login"]):
            result = auth.authenticate(s, login, synthetic.BENCH_PASSWORD)
            assert result.ok, (login, result.message)
            assert not s.scalar(select(User.must_change_password).where(User.login == login))


def test_a_built_province_is_reused_and_rebuilt_when_the_builder_changes(province, monkeypatch):
    again = synthetic.ensure(SCALE, quiet=True)
    assert again["built_at"] == province["built_at"]
    monkeypatch.setattr(synthetic, "BUILD_VERSION", synthetic.BUILD_VERSION + 1)
    rebuilt = synthetic.ensure(SCALE, quiet=True)
    assert rebuilt["version"] == synthetic.BUILD_VERSION
    assert rebuilt["counts"] == province["counts"]  # the same seed, the same province


def test_the_page_benchmark_opens_every_page_as_each_tier(province):
    specs = select_specs(None)
    with SqlCounter() as counter:
        rows = measure_scale(SCALE, specs, list(TIERS), counter, runs=1)
    assert len(rows) == sum(len(s.tiers) for s in specs)
    failed = [(r.page, r.tier, r.error) for r in rows if r.error]
    assert not failed
    assert all(r.median_ms > 0 and r.queries >= 1 for r in rows)  # at least the session is looked up
    dashboard = next(r for r in rows if r.page == "统计分析" and r.tier == "province")
    assert dashboard.rows > 0 and dashboard.sql_ms > 0


def test_a_page_that_fails_is_reported_and_the_run_goes_on(province, monkeypatch):
    import bench.page_specs as page_specs

    real = page_specs.targets
    monkeypatch.setattr(page_specs, "targets", lambda meta: {**real(meta), "case_done": [999_999, CaseStep.DONE]})
    monkeypatch.setattr(stats, "enterprise_rows", _broken)  # 统计分析 as a county lists its enterprises
    specs = select_specs(["业务办理详情·申请信息", "统计分析", "企业名录"])
    with SqlCounter() as counter:
        rows = {r.page: r for r in measure_scale(SCALE, specs, ["county"], counter, runs=1)}
    assert rows["业务办理详情·申请信息"].error == "ERROR not shown: 申请不存在"
    assert rows["统计分析"].error == "ERROR ZeroDivisionError"
    assert rows["统计分析"].median_ms is None
    assert rows["企业名录"].error == "" and rows["企业名录"].median_ms > 0


def _broken(*args, **kwargs):
    return 1 / 0


def test_the_most_urgent_reminders_read_from_the_groups_are_the_head_of_the_full_list(province):
    """deadlines.pending(limit=k) finds its k letters through due_totals; on a province with many letters due
    on the same days (ties within a county, across counties and campaigns) they are the first k of the
    whole sorted list, and pending_count adds up what the whole list holds."""
    from datetime import timedelta

    from core import deadlines, progress
    from core.startup_fields import today

    with unit_of_work() as s:
        assert progress.verify(s) == []
        notice_ids = sorted(s.scalars(select(NoticeLetter.notice_id).distinct()))
        for login in ("130000", "130600", "130681"):
            actor = s.scalar(select(User).where(User.login == login))
            for flt in (stats.StatsFilter(), stats.StatsFilter(notice_id=notice_ids[-1]),
                        stats.StatsFilter(city_code="130600") if login == "130000" else stats.StatsFilter()):
                for on in (today(), today() + timedelta(days=400)):
                    everything = deadlines.pending(s, actor, flt, within=deadlines.SOON_DAYS, on=on)
                    count = deadlines.pending_count(s, actor, flt, on=on)
                    assert (count.total, count.overdue) == (len(everything), sum(d.overdue for d in everything))
                    for limit in (1, 7, 20, len(everything) + 5):
                        assert deadlines.pending(s, actor, flt, on=on, limit=limit) == everything[:limit], \
                            (login, flt, on, limit)
            assert any(deadlines.pending(s, actor, on=today() + timedelta(days=400), limit=5))


def test_the_tracking_lists_pages_and_figures_from_the_groups_match_the_whole_list(province):
    """许可与公开跟踪 pages through the counties progress_totals counts and reads its figures there; on a
    province with every permit state, the pages are slices of the whole sorted list and the figures
    are what that list holds."""
    from datetime import timedelta

    from core import disclosure, disclosure_tracking, progress
    from core.startup_fields import today

    with unit_of_work() as s:
        assert progress.verify(s) == []
        for login in ("130000", "130600", "130681"):
            actor = s.scalar(select(User).where(User.login == login))
            for on in (today(), today() - timedelta(days=400)):
                for overdue_only in (False, True):
                    flt = stats.StatsFilter()
                    everything = disclosure_tracking.tracking(s, actor, flt, overdue_only=overdue_only, on=on)
                    for offset, limit in ((0, 7), (5, 20), (len(everything) - 3, 20), (len(everything) + 1, 5)):
                        page = disclosure_tracking.tracking(s, actor, flt, overdue_only=overdue_only, on=on,
                                                            offset=max(0, offset), limit=limit)
                        assert page == everything[max(0, offset):max(0, offset) + limit], (login, on, offset)
                everything = disclosure_tracking.tracking(s, actor, stats.StatsFilter(), on=on)
                counts = disclosure_tracking.tracking_counts(s, actor, stats.StatsFilter(), on=on)
                assert counts.total == len(everything) > 0
                assert counts.confirmed == sum(r.status == disclosure.CONFIRMED for r in everything)
                assert counts.pending == sum(r.status == disclosure.PENDING for r in everything)
                assert counts.overdue == sum(r.overdue for r in everything)


def test_the_case_counts_kept_per_county_agree_with_the_cases(province):
    """业务办理's counts come from case_counts; on a province with cases at every step of both routes
    they are what the cases counted one by one say, for every tier, kind, status and the to-do list."""
    from core import case_counts
    from core.project_models import CaseKind, CaseStatus

    with unit_of_work() as s:
        assert case_counts.verify(s) == []
        for login in ("130000", "130600", "130681"):
            actor = s.scalar(select(User).where(User.login == login))
            for kind in (None, *CaseKind):
                for status in (None, *CaseStatus):
                    for mine_only in (False, True):
                        listed = cases.case_list(s, actor, kind=kind, status=status, mine_only=mine_only)
                        counted = cases.case_count(s, actor, kind=kind, status=status, mine_only=mine_only)
                        assert counted.total == len(listed), (login, kind, status, mine_only)
            everything = cases.case_list(s, actor)
            assert cases.case_count(s, actor).mine == sum(r.mine for r in everything)  # the rule in Python


def test_the_notice_lists_pages_read_through_the_counties_are_slices_of_the_whole_list(province):
    from core import notice_lists
    from core.notice_lists import LetterFilter
    from core.notice_models import NoticeAssignment

    with unit_of_work() as s:
        for code in ("130000", "130600", "130681"):
            part = s.get(NoticeAssignment, province["notice"]["n2"]["parts"][code])
            for flt in (LetterFilter(), LetterFilter(industry_major="33"), LetterFilter(county_code="130681")):
                everything = notice_lists.letter_rows(s, part, flt, limit=None)
                assert notice_lists.letter_count(s, part, flt) == len(everything)
                for offset, limit in ((0, 50), (7, 13), (max(0, len(everything) - 4), 50), (len(everything), 5)):
                    assert notice_lists.letter_rows(s, part, flt, offset=offset, limit=limit) == \
                        everything[offset:offset + limit], (code, flt, offset)


def test_the_directorys_industry_options_are_the_industries_of_the_jurisdictions_enterprises(province):
    from core.enterprises import industry_division_options
    from core.models import Industry

    with unit_of_work() as s:
        for login in ("130000", "130600", "130681"):
            actor = s.scalar(select(User).where(User.login == login))
            options = industry_division_options(s, actor)
            scope = cases.enterprise_scope(actor)
            from core.models import Division
            majors = set(s.scalars(select(func.substr(Enterprise.industry_code, 1, 2))
                                   .join(Division, Division.code == Enterprise.division_code).where(scope)))
            names = dict(s.execute(select(Industry.code, Industry.name).where(Industry.code.in_(majors))).all())
            assert options == sorted(names.items()) and options, login
