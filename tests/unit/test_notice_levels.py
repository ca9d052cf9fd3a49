"""Each level's requirements, files and contact of a notice, as the enterprise reads them; the levels'
own contacts, which the city and the county set beside their requirements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import notice, notice_levels
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Tier, User
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, approved_task, pdf_bytes, user
from tests.unit.test_notice import form, the_part


def _cascade_with_requirements(s) -> int:
    part = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form())
    notice.attach_file(s, user(s, PROVINCE), part.id, "省级通知.pdf", pdf_bytes())
    notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
    city = the_part(s, part.notice_id, CITY)
    notice.save_requirements(s, user(s, CITY), city.id, city.version, "市级：10月底前公开", "袁喜全", "0312-3037280")
    notice.attach_file(s, user(s, CITY), city.id, "市级通知.pdf", pdf_bytes())
    notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    for code, person in ((QINGYUAN, "李亚龙"), (ZHUOZHOU, "")):
        county = the_part(s, part.notice_id, code)
        notice.save_requirements(s, user(s, code), county.id, county.version, f"{code} 县级要求", person,
                                 "13912345678" if person else "")
    return part.notice_id


def _dispatched_enterprise(s, notice_id: int, code: str) -> tuple[User, int]:
    county = the_part(s, notice_id, code)
    issued = notice.issue_letters(s, user(s, code), county.id)
    for letter in notice.letters_in(s, county):
        notice.upload_stamped(s, user(s, code), letter.id, "盖章.pdf", pdf_bytes())
    notice.dispatch(s, user(s, code), county.id, county.version, agreed=True)
    enterprise = s.scalar(select(User).where(User.login == issued[0].account))
    enterprise.must_change_password = False
    return enterprise, issued[0].letter_id


def test_the_enterprise_reads_each_levels_requirements_files_and_contact(uow):
    with uow() as s:
        notice_id = _cascade_with_requirements(s)
        enterprise, letter_id = _dispatched_enterprise(s, notice_id, QINGYUAN)
        province, city, county = notice_levels.task_levels(s, enterprise, letter_id)
        assert [(x.tier, x.label) for x in (province, city, county)] == [
            (Tier.PROVINCE, "省级"), (Tier.CITY, "市级"), (Tier.COUNTY, "县级")]
        assert (province.department, province.requirements, province.contact_person, province.contact_phone) == (
            "河北省生态环境厅", "按时完成", "王贵磊", "0311-87908917")
        assert [f.original_name for f in province.files] == ["省级通知.pdf"]
        assert (city.department, city.requirements, city.contact_person, city.contact_phone) == (
            "保定市生态环境局", "市级：10月底前公开", "袁喜全", "0312-3037280")
        assert [f.original_name for f in city.files] == ["市级通知.pdf"]
        assert (county.department, county.requirements, county.contact_person) == (
            "保定市生态环境局清苑区分局", f"{QINGYUAN} 县级要求", "李亚龙")
        assert county.files == []


def test_only_the_enterprises_own_dispatched_letter(uow):
    with uow() as s:
        notice_id = _cascade_with_requirements(s)
        enterprise, letter_id = _dispatched_enterprise(s, notice_id, QINGYUAN)
        zhuozhou = the_part(s, notice_id, ZHUOZHOU)
        notice.issue_letters(s, user(s, ZHUOZHOU), zhuozhou.id)  # issued, not dispatched
        other_letter = notice.letters_in(s, zhuozhou)[0]
        with pytest.raises(PermissionDenied):
            notice_levels.task_levels(s, enterprise, other_letter.id)
        other = s.scalar(select(User).where(User.enterprise_id == other_letter.enterprise_id))
        other.must_change_password = False
        with pytest.raises(PermissionDenied, match="尚未下发"):
            notice_levels.task_levels(s, other, other_letter.id)
        with pytest.raises(PermissionDenied):
            notice_levels.task_levels(s, user(s, QINGYUAN), letter_id)


@pytest.mark.parametrize(("person", "phone", "message"), [
    ("袁喜全", "", "同时填写"), ("", "0312-3037280", "同时填写"), ("袁喜全", "打电话", "联系电话应为")])
def test_a_levels_contact_is_both_or_neither_and_a_phone(uow, person, phone, message):
    with uow() as s:
        part = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form())
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        city = the_part(s, part.notice_id, CITY)
        with pytest.raises(ValidationError, match=message):
            notice.save_requirements(s, user(s, CITY), city.id, city.version, "要求", person, phone)


def test_contacts_are_logged_and_fixed_at_dispatch(uow):
    with uow() as s:
        part = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form())
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        city = the_part(s, part.notice_id, CITY)
        notice.save_requirements(s, user(s, CITY), city.id, city.version, "要求", "袁喜全", "0312 3037280")
        assert (city.contact_person, city.contact_phone) == ("袁喜全", "03123037280")  # spaces dropped
        notice.save_requirements(s, user(s, CITY), city.id, city.version, "要求")  # contact left as it is
        assert city.contact_person == "袁喜全"
        [entry] = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "notice.requirements")).all()
        assert entry.after == {"requirements": "要求", "contact_person": "袁喜全", "contact_phone": "03123037280"}
        notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
        with pytest.raises(RuleViolation, match="已下发"):
            notice.save_requirements(s, user(s, CITY), city.id, city.version, "要求", "李亚龙", "0312-6788617")
