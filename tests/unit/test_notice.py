"""The audit notice cascade in core: creation, dispatch rules, letters and accounts, acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import auth, notice
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, User
from core.notice_models import MILESTONES, NoticeAssignment, NoticeLetter, NoticeStatus
from tests.conftest import CAMPAIGN_DAY
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, ZHUOZHOU, approved_task, pdf_bytes, png_bytes, user

START = CAMPAIGN_DAY  # the day the tests take as today (tests/conftest.py)


def form(**changes) -> notice.NoticeForm:
    milestones = {key: START + timedelta(days=10 * (i + 1)) for i, (key, _) in enumerate(MILESTONES)}
    values = dict(doc_number="冀环科〔2026〕12号", batch="第二批", name="2026年白洋淀流域涉水企业清洁生产审核",
                  basis="《清洁生产审核办法》", requirements="按时完成", publish_date=START,
                  deadline=START + timedelta(days=200), contact_person="王贵磊", contact_phone="0311-87908917",
                  milestones=milestones)
    values.update(changes)
    return notice.NoticeForm(**values)


def the_part(s, notice_id, code) -> NoticeAssignment:
    return s.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == notice_id,
                                                   NoticeAssignment.division_code == code))


def cascade_to_counties(s):
    task_id = approved_task(s)
    province_part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
    notice.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
    city_part = the_part(s, province_part.notice_id, CITY)
    notice.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
    return province_part.notice_id


def test_a_notice_needs_an_approved_roster_and_numbers_each_letter(uow):
    with uow() as s:
        from tests.support.roster import new_task

        draft = new_task(s)
        with pytest.raises(RuleViolation, match="尚未确定最终名单"):
            notice.create_notice(s, user(s, PROVINCE), draft.task_id, form())
    with uow() as s:
        task_id = approved_task(s)
        assert [t.id for t in notice.approved_rosters(s, user(s, PROVINCE))] == [task_id]
        with pytest.raises(PermissionDenied):
            notice.create_notice(s, user(s, CITY), task_id, form())
        part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
        numbers = sorted(x.letter_number for x in notice.letters_in(s, part))
        assert numbers == ["202613060800001", "202613068100001", "202613068100002"]
        with pytest.raises(RuleViolation, match="已创建"):
            notice.create_notice(s, user(s, PROVINCE), task_id, form())


@pytest.mark.parametrize(("changes", "message"), [
    ({"doc_number": " "}, "文号"),
    ({"contact_phone": "打电话"}, "联系电话"),
    ({"milestones": {k: START for k, _ in MILESTONES} | {"plan_due": START - timedelta(days=1)}}, "不能早于"),
    ({"milestones": {k: START for k, _ in MILESTONES} | {"summary_due": None}}, "书面工作总结"),
    # dates set now cannot have passed (core.dates): the publish date can, what is still to be done not
    ({"publish_date": START - timedelta(days=40),
      "milestones": {k: START - timedelta(days=30) for k, _ in MILESTONES}}, "早于今天（2026-12-01）"),
    ({"publish_date": START - timedelta(days=40), "deadline": START - timedelta(days=1)}, "截止日期（2026-11-30）早于今天"),
])
def test_bad_notice_fields_are_refused(uow, changes, message):
    with uow() as s:
        task_id = approved_task(s)
        with pytest.raises(ValidationError, match=message):
            notice.create_notice(s, user(s, PROVINCE), task_id, form(**changes))


def test_a_notice_signed_before_it_is_entered_keeps_its_publish_date(uow):
    with uow() as s:
        part = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form(publish_date=START - timedelta(days=20)))
        assert part.notice.publish_date == START - timedelta(days=20)


def test_the_county_dispatches_only_when_every_stamped_letter_is_uploaded(uow):
    with uow() as s:
        notice_id = cascade_to_counties(s)
        county = the_part(s, notice_id, ZHUOZHOU)
        zhuozhou = user(s, ZHUOZHOU)
        issued = notice.issue_letters(s, zhuozhou, county.id)
        assert len(issued) == 2 and all(x.account.startswith("QY130681") for x in issued)
        letters = notice.letters_in(s, county)
        assert notice.unstamped(s, county) == (2, [x.enterprise.name for x in letters])
        notice.upload_stamped(s, zhuozhou, letters[0].id, "盖章告知书1.pdf", pdf_bytes())
        assert notice.unstamped(s, county, names=1) == (1, [letters[1].enterprise.name])
        with pytest.raises(RuleViolation, match="1 家企业的盖章告知书未上传"):
            notice.dispatch(s, zhuozhou, county.id, county.version, agreed=True)
        with pytest.raises(ValidationError, match="不是允许的格式"):
            notice.upload_stamped(s, zhuozhou, letters[1].id, "盖章.pdf", b"MZ\x90\x00" * 50)
        notice.upload_stamped(s, zhuozhou, letters[1].id, "盖章2.png", png_bytes())
        notice.upload_stamped(s, zhuozhou, letters[1].id, "盖章2（更正）.pdf", pdf_bytes())  # replaced
        assert notice.stamped_scans(s, [letters[1].id])[letters[1].id].original_name == "盖章2（更正）.pdf"
        notice.dispatch(s, zhuozhou, county.id, county.version, agreed=True)
        assert county.status is NoticeStatus.DISPATCHED
        with pytest.raises(RuleViolation, match="不能再更换"):
            notice.upload_stamped(s, zhuozhou, letters[1].id, "x.pdf", pdf_bytes())
        with pytest.raises(PermissionDenied):
            notice.issue_letters(s, user(s, LIANCHI), county.id)


def test_the_letters_password_works_once_and_a_reissue_voids_it(uow):
    with uow() as s:
        notice_id = cascade_to_counties(s)
        county = the_part(s, notice_id, QINGYUAN)
        [first] = notice.issue_letters(s, user(s, QINGYUAN), county.id)
        [second] = notice.issue_letters(s, user(s, QINGYUAN), county.id)
        assert first.account == second.account and first.password != second.password
        assert not auth.authenticate(s, first.account, first.password).ok
        assert auth.authenticate(s, second.account, second.password).ok
        account = s.scalar(select(User).where(User.login == second.account))
        assert account.must_change_password and second.password not in account.password_hash
        logged = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "notice.letter_issue")).all()
        assert all(second.password not in str(e.after) for e in logged)


def test_the_enterprise_accepts_with_a_valid_mobile(uow):
    with uow() as s:
        notice_id = cascade_to_counties(s)
        county = the_part(s, notice_id, QINGYUAN)
        qingyuan = user(s, QINGYUAN)
        [issued] = notice.issue_letters(s, qingyuan, county.id)
        [letter] = notice.letters_in(s, county)
        notice.upload_stamped(s, qingyuan, letter.id, "盖章.pdf", pdf_bytes())
        enterprise = s.scalar(select(User).where(User.login == issued.account))
        enterprise.must_change_password = False
        assert notice.enterprise_letters(s, enterprise) == []  # not dispatched yet
        notice.dispatch(s, qingyuan, county.id, county.version, agreed=True)
        [visible] = notice.enterprise_letters(s, enterprise)
        with pytest.raises(ValidationError, match="手机号码"):
            notice.accept(s, enterprise, visible.id, project_leader="张三", mobile="0311-8790891")
        with pytest.raises(ValidationError, match="项目负责人"):
            notice.accept(s, enterprise, visible.id, project_leader=" ", mobile="13812345678")
        notice.accept(s, enterprise, visible.id, project_leader="张三", mobile="138 1234 5678")
        assert s.get(NoticeLetter, visible.id).leader_mobile == "13812345678"
        with pytest.raises(RuleViolation, match="已接受"):
            notice.accept(s, enterprise, visible.id, project_leader="张三", mobile="13812345678")
        other = s.scalar(select(User).where(User.login == "QY1306060001"))
        other.must_change_password = False
        with pytest.raises(PermissionDenied):
            notice.accept(s, other, visible.id, project_leader="李四", mobile="13912345678")


def test_dispatch_rules_of_the_state_table(uow):
    with uow() as s:
        task_id = approved_task(s)
        part = notice.create_notice(s, user(s, PROVINCE), task_id, form())
        with pytest.raises(ValidationError, match="同意上述内容"):
            notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=False)
        with pytest.raises(PermissionDenied):
            notice.dispatch(s, user(s, CITY), part.id, part.version, agreed=True)
        notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        with pytest.raises(RuleViolation, match="已派发"):
            notice.dispatch(s, user(s, PROVINCE), part.id, part.version, agreed=True)
        city = the_part(s, part.notice_id, CITY)
        with pytest.raises(RuleViolation, match="其他用户修改"):
            notice.dispatch(s, user(s, CITY), city.id, city.version + 1, agreed=True)
        notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
        assert sorted(c.division_code for c in s.scalars(select(NoticeAssignment).where(
            NoticeAssignment.parent_id == city.id))) == [QINGYUAN, ZHUOZHOU]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("告知书.pdf", b"MZ\x90\x00" + b"\x00" * 200, "不是允许的格式"),  # an executable renamed .pdf
    ("告知书.pdf", pdf_bytes()[:-40], "不完整"),  # a truncated PDF
    ("告知书.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), "文件过大"),
    ("../../etc/告知书.pdf", pdf_bytes(), "路径分隔符"),
])
def test_hostile_stamped_uploads_are_refused_and_nothing_is_attached(uow, name, data, message):
    with uow() as s:
        notice_id = cascade_to_counties(s)
        county = the_part(s, notice_id, QINGYUAN)
        notice.issue_letters(s, user(s, QINGYUAN), county.id)
        [letter] = notice.letters_in(s, county)
        with pytest.raises(ValidationError, match=message):
            notice.upload_stamped(s, user(s, QINGYUAN), letter.id, name, data)
        assert notice.stamped_scans(s, [letter.id]) == {}


def test_the_county_is_warned_of_printed_milestones_that_have_passed(uow, monkeypatch):
    from core import dates, letter_issue

    with uow() as s:
        notice_id = cascade_to_counties(s)
        county = the_part(s, notice_id, QINGYUAN)
        row = county.notice
        assert letter_issue.passed_milestones(row) == [] and letter_issue.passed_warning(row) is None
        # 告知书送达企业 (day 10) is the departments' own and not printed: not named
        assert letter_issue.passed_milestones(row, START + timedelta(days=15)) == []
        later = START + timedelta(days=35)
        assert letter_issue.passed_milestones(row, later) == [
            ("企业登录系统填报并公布审核信息", START + timedelta(days=20)),
            ("完成审核方案并提出评估申请", START + timedelta(days=30))]
        monkeypatch.setattr(dates, "beijing_today", lambda: later)
        warning = letter_issue.passed_warning(row)
        assert "今天（2027-01-05）" in warning and "2 个时间节点已过" in warning
        assert "完成审核方案并提出评估申请（2026-12-31）" in warning and "王贵磊" in warning
        # and the letter is dated that (Beijing) day
        [planned] = letter_issue.plan(s, user(s, QINGYUAN), county.id).letters
        assert planned.data.issue_date == later
