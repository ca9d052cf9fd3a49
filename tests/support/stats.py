"""A small campaign whose progress is counted by hand in the statistics tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import notice
from core.disclosure_models import DisclosureChannel, DisclosureRecord
from core.models import User, utcnow
from core.notice_models import NoticeAssignment
from core.project_models import AuditProject, Case, CaseKind, CaseStatus
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, approved_task, pdf_bytes, user
from tests.unit.test_notice import START, form


def campaign(s) -> int:
    """SMALL_LIST: 清苑区 (1 enterprise) dispatched its letter, 涿州市 (2) has not yet; 玖福 (清苑) accepted,
    published its audit information, submitted its startup and passed evaluation. Returns the notice id."""
    task_id = approved_task(s)
    part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
    notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
    def parts():
        return {p.division_code: p for p in s.scalars(select(NoticeAssignment)
                                                      .where(NoticeAssignment.notice_id == part.notice_id))}

    city = parts()[CITY]
    notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    parts = parts()
    notice.issue_letters(s, user(s, ZHUOZHOU), parts[ZHUOZHOU].id)
    [issued] = notice.issue_letters(s, user(s, QINGYUAN), parts[QINGYUAN].id)
    notice.upload_stamped(s, user(s, QINGYUAN), issued.letter_id, "盖章.pdf", pdf_bytes())
    notice.dispatch(s, user(s, QINGYUAN), parts[QINGYUAN].id, parts[QINGYUAN].version, agreed=True)
    enterprise = s.scalar(select(User).where(User.login == issued.account))
    enterprise.must_change_password = False
    notice.accept(s, enterprise, issued.letter_id, project_leader="张三", mobile="13812345678")
    project = s.scalar(select(AuditProject).where(AuditProject.letter_id == issued.letter_id))
    project.startup_submitted_at = utcnow()
    s.add(DisclosureRecord(project_id=project.id, channel=DisclosureChannel.NEWSPAPER, location="《保定日报》第 3 版",
                           published_on=START + timedelta(days=15), recorded_by_user_id=enterprise.id))
    # A failed evaluation, then a passed one: the enterprise counts once in each stage it reached.
    s.add_all([Case(project_id=project.id, kind=CaseKind.EVALUATION, status=CaseStatus.FAILED),
               Case(project_id=project.id, kind=CaseKind.EVALUATION, status=CaseStatus.PASSED)])
    s.flush()
    return part.notice_id
