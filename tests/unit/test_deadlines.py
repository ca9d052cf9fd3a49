"""Milestones and what is overdue or due soon, against the hand-counted campaign of tests/support/stats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import deadlines, disclosure, progress
from core.disclosure import DisclosureForm
from core.disclosure_models import DisclosureRecord
from core.models import User
from core.notice_models import AuditNotice
from core.project_models import AuditProject
from tests.support.roster import CITY, LIANCHI, QINGYUAN, ZHUOZHOU, pdf_bytes, user
from tests.support.stats import campaign
from tests.unit.test_notice import START


def test_each_enterprise_shows_its_earliest_unmet_milestone_when_overdue_or_due_soon(uow):
    with uow() as s:
        campaign(s)
        city = user(s, CITY)
        # Day 12: the letters were due on day 10; 涿州 has not dispatched its two.
        due = deadlines.pending(s, city, on=START + timedelta(days=12))
        assert [(d.enterprise, d.milestone, d.days_left, d.status) for d in due] == [
            ("涿州市飞耀金属制品有限公司", "告知书送达企业", -2, "逾期 2 天"),
            ("涿州迅利达创新科技发展有限公司", "告知书送达企业", -2, "逾期 2 天")]
        # 玖福 passed evaluation; its next milestone is the acceptance application on day 50.
        everything = deadlines.pending(s, city, within=None, on=START + timedelta(days=12))
        assert ("保定玖福食品有限公司", "完成方案实施并提出验收申请", 38) in [
            (d.enterprise, d.milestone, d.days_left) for d in everything]
        soon = deadlines.pending(s, user(s, QINGYUAN), on=START + timedelta(days=45))
        assert [(d.enterprise, d.days_left, d.status) for d in soon] == [("保定玖福食品有限公司", 5, "剩余 5 天")]
        assert deadlines.pending(s, user(s, QINGYUAN), on=START + timedelta(days=12)) == []
        assert len(deadlines.pending(s, user(s, ZHUOZHOU), on=START + timedelta(days=12))) == 2
        assert deadlines.pending(s, user(s, LIANCHI), within=None) == []
        enterprise = s.scalar(select(User).where(User.enterprise_id.is_not(None), User.must_change_password.is_(False)))
        assert [d.enterprise for d in deadlines.pending(s, enterprise, on=START + timedelta(days=45))] == [
            "保定玖福食品有限公司"]


def test_publishing_the_audit_information_not_accepting_the_task_meets_its_milestone(uow):
    with uow() as s:
        notice_id = campaign(s)
        county = user(s, QINGYUAN)
        on = START + timedelta(days=12)
        project = s.scalar(select(AuditProject).where(AuditProject.notice_id == notice_id,
                                                      AuditProject.startup_submitted_at.is_not(None)))
        [published] = s.scalars(select(DisclosureRecord).where(DisclosureRecord.project_id == project.id))
        s.delete(published)
        s.flush()
        # Accepted, evaluated, yet nothing published: the register milestone (day 20) is still owed.
        [due] = deadlines.pending(s, county, within=None, on=on)
        assert (due.enterprise, due.milestone, due.days_left) == ("保定玖福食品有限公司", "企业登录系统填报并公布审核信息", 8)
        states = {m.key: m.met for m in deadlines.milestones(s, county, s.get(AuditNotice, notice_id), on=on)}
        assert (states["register_due"], states["plan_due"]) == (0, 1)
        enterprise = s.scalar(select(User).where(User.enterprise_id == project.enterprise_id))
        disclosure.add_disclosure(s, enterprise, project.id, DisclosureForm(
            channel="报纸", location="《保定日报》2026年12月12日第3版", published_on=on), [("版面.pdf", pdf_bytes())],
            on=on)
        [due] = deadlines.pending(s, county, within=None, on=on)
        assert (due.milestone, due.days_left) == ("完成方案实施并提出验收申请", 38)
        assert progress.verify(s) == []


def test_the_milestones_of_a_campaign_with_how_many_met_them(uow):
    with uow() as s:
        notice_id = campaign(s)
        states = deadlines.milestones(s, user(s, CITY), s.get(AuditNotice, notice_id), on=START + timedelta(days=12))
        assert [(m.label, m.due - START, m.days_left, m.met, m.total) for m in states] == [
            ("告知书送达企业", timedelta(days=10), -2, 1, 3),
            ("企业登录系统填报并公布审核信息", timedelta(days=20), 8, 1, 3),
            ("完成审核方案并提出评估申请", timedelta(days=30), 18, 1, 3),
            ("完成评估", timedelta(days=40), 28, 1, 3),
            ("完成方案实施并提出验收申请", timedelta(days=50), 38, 0, 3),
            ("完成验收", timedelta(days=60), 48, 0, 3),
            ("书面工作总结", timedelta(days=70), 58, None, 3)]


def test_a_limited_list_is_the_head_of_the_full_one(uow):
    with uow() as s:
        campaign(s)
        city = user(s, CITY)
        on = START + timedelta(days=12)
        everything = deadlines.pending(s, city, within=None, on=on)
        assert len(everything) == 3
        for limit in (1, 2, 3, 5):
            assert deadlines.pending(s, city, within=None, on=on, limit=limit) == everything[:limit]
        assert deadlines.pending_count(s, city, within=None, on=on) == deadlines.DueCount(total=3, overdue=2)
