"""An enterprise that accepted its task: the starting point of the enterprise-side tests."""

from __future__ import annotations

from sqlalchemy import select

from core import notice
from core.models import User
from core.notice_models import NoticeAssignment
from core.project_models import AuditProject
from tests.support.roster import CITY, HEADER, PROVINCE, QINGYUAN, approved_task, pdf_bytes, user
from tests.unit.test_notice import form

ONE_ENTERPRISE = HEADER + "37,保定玖福食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n"


def accepted_project(session) -> tuple[AuditProject, User]:
    """保定玖福食品有限公司 (清苑区) has accepted its task; returns its project and its active account."""
    task_id = approved_task(session, ONE_ENTERPRISE)
    part = notice.create_notice(session, user(session, PROVINCE), task_id, form())
    notice.dispatch(session, user(session, PROVINCE), part.id, part.version, agreed=True)
    city = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                         NoticeAssignment.division_code == CITY))
    notice.dispatch(session, user(session, CITY), city.id, city.version, agreed=True)
    county = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == part.notice_id,
                                                           NoticeAssignment.division_code == QINGYUAN))
    [issued] = notice.issue_letters(session, user(session, QINGYUAN), county.id)
    notice.upload_stamped(session, user(session, QINGYUAN), issued.letter_id, "盖章.pdf", pdf_bytes())
    notice.dispatch(session, user(session, QINGYUAN), county.id, county.version, agreed=True)
    enterprise = session.scalar(select(User).where(User.login == issued.account))
    enterprise.must_change_password = False
    notice.accept(session, enterprise, issued.letter_id, project_leader="张三", mobile="13812345678")
    project = session.scalar(select(AuditProject).where(AuditProject.letter_id == issued.letter_id))
    return project, enterprise
