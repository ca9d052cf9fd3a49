"""The demo campaign (core.demo_campaign) loaded into a fresh demo database: its spread over the stages
and the review steps, the progress table, a second load, and the README's accounts at their first login."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from core import auth, progress
from core.config import PROJECT_ROOT
from core.db import unit_of_work
from core.demo_campaign import CAMPAIGN, load_campaign
from core.disclosure_models import DisclosureRecord, PermitRecord
from core.models import AuditLogEntry, Enterprise, Tier, User
from core.notice_models import AuditNotice, NoticeAssignment, NoticeStatus
from core.project_models import AuditProject, Case, CleanerOption
from core.workflow_models import RosterAssignment
from tests.app.conftest import click, new_app, reopen, texts
from tests.conftest import CAMPAIGN_DAY, reset_database

README_ROW = re.compile(r"^\| `(\w+)` \| `([^`]+)` \| (\S+) \| (.+) \|$", re.MULTILINE)
NEW_PASSWORD = "Demo#2026tour"


def readme_accounts() -> dict[str, str]:
    """login -> published initial password, as README.md's demo table prints them."""
    return {m[1]: m[2] for m in README_ROW.finditer((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def campaign(_template):
    """One load for the module (it takes a while); the tests only read, or sign in."""
    reset_database(_template)
    with unit_of_work(write=True) as session:
        counts = load_campaign(session, today=CAMPAIGN_DAY)
    assert counts is not None
    return counts


def _stage(row: progress.LetterProgress) -> str:
    reached = [key for key in progress.STAGE_KEYS if getattr(row, key)]
    return reached[-1] if reached else "not_notified"


def test_the_enterprises_are_spread_over_every_stage_and_review_step(campaign):
    with unit_of_work() as s:
        stages = Counter(_stage(r) for r in s.scalars(select(progress.LetterProgress)))
        assert stages == {"not_notified": 4, "notified": 7, "accepted": 7, "startup": 15, "evaluation_applied": 23,
                          "evaluation_passed": 9, "acceptance_applied": 8, "acceptance_passed": 4}
        steps = Counter((c.kind.value, c.status.value, c.step.value) for c in s.scalars(select(Case)))
        assert steps == {
            ("evaluation", "submitted", "county_intake"): 3, ("evaluation", "in_review", "city_intake"): 3,
            ("evaluation", "in_review", "province_intake"): 2, ("evaluation", "in_review", "expert_draw"): 3,
            ("evaluation", "in_review", "document_review"): 3, ("evaluation", "in_review", "site_review"): 2,
            ("evaluation", "in_review", "result"): 2, ("evaluation", "returned", "document_review"): 2,
            ("evaluation", "returned", "county_intake"): 1, ("evaluation", "failed", "done"): 2,
            ("evaluation", "passed", "done"): 21,
            ("acceptance", "submitted", "county_intake"): 2, ("acceptance", "in_review", "city_intake"): 1,
            ("acceptance", "in_review", "expert_draw"): 1, ("acceptance", "in_review", "document_review"): 1,
            ("acceptance", "in_review", "site_review"): 1, ("acceptance", "returned", "document_review"): 1,
            ("acceptance", "passed", "done"): 4, ("acceptance", "failed", "done"): 1}
        province_route = Counter(c.step.value for c in s.scalars(select(Case).where(
            Case.managing_tier == "province", Case.status.in_(("submitted", "in_review")))))
        # the slots only 省直管 enterprises may fill (others of theirs may stand anywhere else)
        assert all(province_route[step] >= n for step, n in
                   {"province_intake": 2, "expert_draw": 1, "document_review": 1, "site_review": 1}.items())
        assert progress.verify(s) == []


def test_the_roster_is_approved_and_the_notice_dispatched_but_in_wangdu(campaign):
    with unit_of_work() as s:
        parts = Counter((p.level.value, p.status.value) for p in s.scalars(select(RosterAssignment)))
        assert parts == {("province", "approved"): 1, ("city", "approved"): 1, ("county", "approved"): 14}
        [notice] = s.scalars(select(AuditNotice)).all()
        assert notice.name == CAMPAIGN and notice.plan_due < CAMPAIGN_DAY < notice.evaluation_due
        pending = [p.division_code for p in s.scalars(select(NoticeAssignment))
                   if p.status is not NoticeStatus.DISPATCHED]
        assert pending == ["130631"]  # 望都县: one stamped scan short
        assert campaign["letters"] == 77


def test_the_tour_finds_what_the_readme_says(campaign):
    from core import cases, notice
    from core.projects import open_remarks

    def waiting(s, login):
        """The applications the department holds, by step, as its home page counts them."""
        actor = s.scalar(select(User).where(User.login == login))
        actor.must_change_password = False  # as after the forced change (not committed: read only)
        return Counter((r.kind.value, r.step.value) for r in cases.case_list(s, actor, mine_only=True, limit=100))

    with unit_of_work() as s:
        assert sum(waiting(s, "130000").values()) == 5
        city = waiting(s, "130600")
        assert sum(city.values()) == 14 and city[("evaluation", "result")] == 2
        assert set(waiting(s, "130681")) == {("evaluation", "county_intake"), ("acceptance", "county_intake")}
        zhuozhou = [p for p in s.scalars(select(PermitRecord).join(AuditProject)
                                         .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
                                         .where(Enterprise.division_code == "130681"))]
        assert any(p.requirement_written and not p.confirmed_at for p in zhuozhou)
        assert any(not p.requirement_written for p in zhuozhou)
        wangdu = s.scalar(select(NoticeAssignment).where(NoticeAssignment.division_code == "130631"))
        letters = notice.letters_in(s, wangdu)
        assert len(letters) == 4 and len(notice.stamped_scans(s, [x.id for x in letters])) == 3
        s.rollback()

    with unit_of_work() as s:
        def cases_of(name):
            return [(c.kind.value, c.status.value, c.step.value) for c in s.scalars(
                select(Case).join(AuditProject).join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
                .where(Enterprise.name == name))]

        assert cases_of("保定中法供水有限公司") == [("evaluation", "in_review", "document_review")]
        assert cases_of("高阳县圣翔染厂") == [("evaluation", "returned", "document_review")]
        returned = s.scalar(select(Case).join(AuditProject)
                            .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
                            .where(Enterprise.name == "高阳县圣翔染厂"))
        assert set(open_remarks(s, returned)) == {"assessment", "option_generation"}
        # options, permits and disclosures are recorded
        assert s.scalar(select(func.count()).select_from(CleanerOption)) > 60
        assert s.scalar(select(func.count()).select_from(PermitRecord)) > 30
        assert s.scalar(select(func.count()).select_from(DisclosureRecord)) > 30


def test_a_second_load_changes_nothing(campaign):
    with unit_of_work() as s:
        before = s.scalar(select(func.count()).select_from(AuditLogEntry))
    with unit_of_work(write=True) as s:
        assert load_campaign(s, today=CAMPAIGN_DAY) is None
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)) == before
        assert s.scalar(select(func.count()).select_from(AuditNotice)) == 1


def test_every_readme_account_keeps_its_published_password_and_the_forced_change(campaign):
    accounts = readme_accounts()
    assert len(accounts) == 27
    with unit_of_work() as s:
        assert all(u.must_change_password for u in s.scalars(select(User)))
        for login, password in accounts.items():
            assert auth.authenticate(s, login, password).ok, login


@pytest.fixture
def first_login(campaign):
    """Sign in with the README's password, make the forced change and land on the home page; the
    account is put back afterwards, so that the module's other tests find it as published."""
    touched = []

    def sign_in(login: str):
        with unit_of_work() as s:
            user = s.scalar(select(User).where(User.login == login))
            touched.append((login, user.password_hash))
        return _first_login(login)

    yield sign_in
    with unit_of_work() as s:
        for login, password_hash in touched:
            user = s.scalar(select(User).where(User.login == login))
            user.password_hash, user.must_change_password = password_hash, True


def _first_login(login: str):
    password = readme_accounts()[login]
    at = new_app().run()
    at.text_input(key="login_account").input(login)
    at.text_input(key="login_password").input(password)
    at = reopen(click(at, "立即登录"))
    assert "修改初始密码" in texts(at)
    at.text_input(key="forced_current").input(password)
    at.text_input(key="forced_new").input(NEW_PASSWORD)
    at.text_input(key="forced_confirm").input(NEW_PASSWORD)
    at = reopen(click(at, "确认修改"))
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize(("login", "figures", "todo"), [
    ("130000", {"辖区企业": "77"}, "评估验收申请待办理"),
    ("130600", {"辖区企业": "77"}, "评估验收申请待办理"),
    ("130681", {"辖区企业": "17"}, "评估验收申请待办理"),
    ("130631", {"辖区企业": "4"}, "时间节点提醒"),  # its letters were due long ago
])
def test_each_department_finds_the_living_campaign_at_first_login(first_login, login, figures, todo):
    home = first_login(login)
    shown = texts(home)
    assert todo in shown and "时间节点提醒" in shown
    assert figures.items() <= metrics(home).items()
    dashboard = home.switch_page("pages/dashboard.py").run()
    assert int(metrics(dashboard)["企业总数"]) == int(figures["辖区企业"])
    if login != "130631":
        assert int(metrics(dashboard)["已接受任务"]) > 0 and int(metrics(dashboard)["评估通过"]) > 0


# 中法供水 applied for evaluation without ever recording a publication of its audit information: that
# milestone (overdue) comes before 完成评估.
@pytest.mark.parametrize(("login", "status", "milestone"), [
    ("QY1306060001", "审核中", "企业登录系统填报并公布审核信息"), ("QY1306280001", "已退回", "完成评估")])
def test_each_readme_enterprise_finds_its_application_at_first_login(first_login, login, status, milestone):
    home = first_login(login)
    assert "时间节点提醒" in texts(home) and "审核进展" in texts(home)
    assert home.dataframe[0].value["时间节点"].tolist() == [milestone]  # its next milestone
    applications = home.switch_page("pages/applications.py").run()
    assert not applications.exception
    assert status in texts(applications)


def test_the_other_counties_of_the_list_see_their_enterprises(campaign):
    """The figures the home page of every other county shows, read as it reads them (no AppTest each)."""
    from core.enterprises import jurisdiction_summary

    with unit_of_work() as s:
        listed = set(s.scalars(select(Enterprise.division_code)))
        counties = [u for u in s.scalars(select(User).where(User.tier == Tier.COUNTY))]
        for county in counties:
            county.must_change_password = False  # as after the forced change; put back below
            enterprises = jurisdiction_summary(s, county)["enterprises"]
            assert (enterprises > 0) == (county.division_code in listed), county.login
            county.must_change_password = True
        assert len(listed) == 14
