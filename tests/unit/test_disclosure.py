"""排污许可与信息公开: the permit record and its confirmation, the disclosures, the departments' tracking list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import disclosure, disclosure_tracking, permits
from core.disclosure import DisclosureForm
from core.permits import PermitForm
from core.disclosure_models import (
    DisclosureChannel,
    DisclosureRecord,
    PermitClass,
    PermitRecord,
)
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry
from core.notice_models import AuditNotice
from core.stats import StatsFilter
from core.workflow_models import Attachment
from tests.support.projects import accepted_project
from tests.support.roster import CITY, LIANCHI, QINGYUAN, pdf_bytes, png_bytes, user

ON = date(2027, 1, 10)  # "today" for the rules that depend on it
NUMBER = "91130608MA07ABCD1X001P"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def good(**changes) -> PermitForm:
    values = dict(permit_number=NUMBER, management_class=PermitClass.KEY, requirement_written=True,
                  written_on=date(2026, 12, 15))
    values.update(changes)
    return PermitForm(**values)


def scan() -> list[tuple[str, bytes]]:
    return [("排污许可证副本第3页.pdf", pdf_bytes())]


def saved_nothing(s) -> bool:
    return (s.scalar(select(func.count()).select_from(PermitRecord)) == 0
            and s.scalar(select(func.count()).select_from(DisclosureRecord)) == 0
            and s.scalar(select(func.count()).select_from(Attachment)
                         .where(Attachment.owner_type.in_(["permit_record", "disclosure"]))) == 0
            and s.scalar(select(func.count()).select_from(AuditLogEntry)
                         .where(AuditLogEntry.action.like("permit.%")
                                | AuditLogEntry.action.like("disclosure.%"))) == 0)


def actions(s) -> list[str]:
    return list(s.scalars(select(AuditLogEntry.action).where(AuditLogEntry.object_type.in_(
        ["permit_record", "disclosure"])).where(AuditLogEntry.action.not_like("attachment.%"))
        .order_by(AuditLogEntry.id)))


@pytest.mark.parametrize("changes, field, message", [
    (dict(permit_number=""), "permit_number", "请填写排污许可证编号"),
    (dict(permit_number="   "), "permit_number", "请填写排污许可证编号"),
    (dict(permit_number="12345"), "permit_number", "排污许可证编号应为 6 至 40 个字符"),
    (dict(permit_number="9" * 41), "permit_number", "排污许可证编号应为 6 至 40 个字符"),
    (dict(permit_number="9113\x0006MA07"), "permit_number", "排污许可证编号含有不可见的控制字符"),
    (dict(management_class="甲类"), "management_class", "请选择排污许可管理类别"),
    (dict(management_class=None), "management_class", "请选择排污许可管理类别"),
    (dict(requirement_written=None), "requirement_written", "是否已将清洁生产审核要求写入排污许可证"),
    (dict(requirement_written="也许"), "requirement_written", "是否已将清洁生产审核要求写入排污许可证"),
    (dict(written_on=None), "written_on", "已写入审核要求时，请填写写入日期"),
    (dict(requirement_written="是", written_on=""), "written_on", "已写入审核要求时，请填写写入日期"),
    (dict(written_on=ON + timedelta(days=1)), "written_on", "写入日期不能晚于今天（2027-01-10）"),
    (dict(written_on="2026-13-01"), "written_on", "写入日期应为有效日期"),
    (dict(written_on=date(1999, 12, 31)), "written_on", "写入日期不能早于 2000 年"),
])
def test_each_permit_field_is_checked_and_nothing_is_saved(uow, changes, field, message):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(ValidationError) as refused:
            permits.save_permit(s, enterprise, project.id, good(**changes), scan(), on=ON)
        assert refused.value.errors[field].startswith(message) or message in refused.value.errors[field]
        assert message in refused.value.message  # the summary names the field too
        assert saved_nothing(s)


def test_every_faulty_field_is_named_at_once(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(ValidationError) as refused:
            permits.save_permit(s, enterprise, project.id,
                                   PermitForm("123", "", True, None), scan(), on=ON)
        assert set(refused.value.errors) == {"permit_number", "management_class", "written_on"}


def test_the_permit_needs_evidence_checked_by_its_content(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(ValidationError, match="请上传排污许可证扫描件"):
            permits.save_permit(s, enterprise, project.id, good(), [], on=ON)
        refusal = "排污许可证扫描件“许可证.pdf”不能上传：文件内容不是允许的格式"
        with pytest.raises(ValidationError, match=refusal) as refused:
            permits.save_permit(s, enterprise, project.id, good(), [("许可证.pdf", EXE)], on=ON)
        assert refused.value.field == "evidence"
        with pytest.raises(ValidationError, match="扩展名与内容不符"):
            permits.save_permit(s, enterprise, project.id, good(), [("许可证.pdf", png_bytes())], on=ON)
        # A good scan beside a bad one: the bad one refuses the whole save.
        with pytest.raises(ValidationError, match="不能上传"):
            permits.save_permit(s, enterprise, project.id, good(), [*scan(), ("说明.docx", EXE)], on=ON)
        assert saved_nothing(s)


def test_a_permit_not_yet_written_keeps_no_date_and_cannot_be_confirmed(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        record = permits.save_permit(s, enterprise, project.id,
                                        good(requirement_written="否", written_on="2026-12-01",
                                             management_class="简化管理"), scan(), on=ON)
        assert (record.requirement_written, record.written_on, record.management_class) == (
            False, None, PermitClass.SIMPLIFIED)
        assert permits.permit_of(s, enterprise, project.id).status_label == "未写入"
        with pytest.raises(RuleViolation, match="尚未写入清洁生产审核要求，不能确认"):
            permits.confirm_permit(s, user(s, QINGYUAN), project.id, record.version, agreed=True)


def test_enterprise_records_county_confirms_and_revokes_then_enterprise_edits_again(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        county = user(s, QINGYUAN)
        assert permits.permit_of(s, county, project.id).status == disclosure.MISSING
        record = permits.save_permit(s, enterprise, project.id, good(), scan(), None, on=ON)
        state = permits.permit_of(s, county, project.id)
        assert (state.status_label, state.recorded_by.login, len(state.files)) == ("已填报待确认", enterprise.login, 1)
        assert (record.permit_number, record.management_class, record.written_on) == (
            NUMBER, PermitClass.KEY, date(2026, 12, 15))
        seen = record.version

        with pytest.raises(ValidationError, match="我同意上述内容"):
            permits.confirm_permit(s, county, project.id, seen, agreed=False)
        with pytest.raises(RuleViolation, match="已被他人修改"):
            permits.confirm_permit(s, county, project.id, seen - 1, agreed=True)
        with pytest.raises(PermissionDenied):
            permits.confirm_permit(s, enterprise, project.id, seen, agreed=True)
        permits.confirm_permit(s, county, project.id, seen, agreed=True)
        state = permits.permit_of(s, enterprise, project.id)
        assert (state.status_label, state.confirmed_by.login) == ("已确认", QINGYUAN)
        with pytest.raises(RuleViolation, match="已经确认"):
            permits.confirm_permit(s, county, project.id, state.version, agreed=True)

        with pytest.raises(RuleViolation, match="企业不能再修改"):
            permits.save_permit(s, enterprise, project.id, good(permit_number="91130608MA07ABCD1X002P"), [],
                                   state.version, on=ON)
        with pytest.raises(RuleViolation, match="企业不能再修改"):
            permits.remove_permit_file(s, enterprise, project.id, state.files[0].id, state.version)
        with pytest.raises(RuleViolation, match="请先撤销确认再修改"):
            permits.save_permit(s, county, project.id, good(), [], state.version, on=ON)

        with pytest.raises(ValidationError, match="请填写撤销确认的原因"):
            permits.revoke_confirmation(s, county, project.id, state.version, "  ")
        with pytest.raises(ValidationError, match="4 至 500 个字"):
            permits.revoke_confirmation(s, county, project.id, state.version, "有误")
        with pytest.raises(PermissionDenied):
            permits.revoke_confirmation(s, enterprise, project.id, state.version, "许可证编号有误")
        permits.revoke_confirmation(s, county, project.id, state.version, "许可证编号与副本不一致")
        state = permits.permit_of(s, enterprise, project.id)
        assert (state.status_label, state.record.revoke_reason, state.revoked_by.login) == (
            "已填报待确认", "许可证编号与副本不一致", QINGYUAN)
        with pytest.raises(RuleViolation, match="尚未确认，无需撤销"):
            permits.revoke_confirmation(s, county, project.id, state.version, "再次撤销确认")

        record = permits.save_permit(s, enterprise, project.id, good(permit_number="91130608MA07ABCD1X002P"),
                                        [("第4页.png", png_bytes())], state.version, on=ON)
        state = permits.permit_of(s, county, project.id)
        assert (state.record.permit_number, state.status_label, len(state.files)) == (
            "91130608MA07ABCD1X002P", "已填报待确认", 2)
        assert actions(s) == ["permit.record", "permit.confirm", "permit.revoke", "permit.record"]
        confirm = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "permit.confirm"))
        assert confirm.statement and confirm.actor_login == QINGYUAN


def test_the_county_may_record_too_and_who_recorded_is_kept(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        county = user(s, QINGYUAN)
        record = permits.save_permit(s, enterprise, project.id, good(), scan(), on=ON)
        with pytest.raises(RuleViolation, match="已被他人修改"):  # saved on a view from before the record
            permits.save_permit(s, county, project.id, good(), scan(), None, on=ON)
        permits.save_permit(s, county, project.id, good(management_class="登记管理"), [], record.version, on=ON)
        state = permits.permit_of(s, enterprise, project.id)
        assert (state.created_by.login, state.recorded_by.login) == (enterprise.login, QINGYUAN)
        assert state.record.management_class is PermitClass.REGISTRATION
        # The last scan stays; a stale view is refused.
        with pytest.raises(RuleViolation, match="至少保留一份"):
            permits.remove_permit_file(s, county, project.id, state.files[0].id, state.version)
        with pytest.raises(RuleViolation, match="已被他人修改"):
            permits.remove_permit_file(s, county, project.id, state.files[0].id, record.version - 1)
        permits.save_permit(s, county, project.id, good(), [("新扫描件.jpg", _jpg())], state.version, on=ON)
        state = permits.permit_of(s, county, project.id)
        permits.remove_permit_file(s, county, project.id, state.files[0].id, state.version)
        assert [a.original_name for a in permits.permit_of(s, county, project.id).files] == ["新扫描件.jpg"]


def _jpg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_jurisdiction_another_county_the_city_and_another_enterprise(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        record = permits.save_permit(s, enterprise, project.id, good(), scan(), on=ON)
        other_county = user(s, LIANCHI)
        for step in (lambda: permits.permit_of(s, other_county, project.id),
                     lambda: disclosure.disclosures_of(s, other_county, project.id),
                     lambda: permits.save_permit(s, other_county, project.id, good(), scan(), record.version, on=ON),
                     lambda: permits.confirm_permit(s, other_county, project.id, record.version, agreed=True)):
            with pytest.raises(PermissionDenied, match="不在本部门管辖范围内"):
                step()
        city = user(s, CITY)
        assert permits.permit_of(s, city, project.id).record.id == record.id  # the city sees it
        assert not disclosure.may_record_permit(s, city, project.id) and not disclosure.may_confirm(s, city, project.id)
        with pytest.raises(PermissionDenied, match="本部门只能查看"):
            permits.save_permit(s, city, project.id, good(), [], record.version, on=ON)
        with pytest.raises(PermissionDenied, match="由企业所在区县生态环境部门办理"):
            permits.confirm_permit(s, city, project.id, record.version, agreed=True)
        assert disclosure.may_record_permit(s, user(s, QINGYUAN), project.id)
        assert disclosure.may_confirm(s, user(s, QINGYUAN), project.id)
        assert disclosure.may_record_permit(s, enterprise, project.id)
        assert not disclosure.may_confirm(s, enterprise, project.id)
        stranger = user(s, "QY1306060001")
        with pytest.raises(PermissionDenied, match="不属于本企业"):
            permits.permit_of(s, stranger, project.id)
        with pytest.raises(PermissionDenied, match="不属于本企业"):
            disclosure.add_disclosure(s, stranger, project.id, _disclosure(), scan(), on=ON)
        with pytest.raises(PermissionDenied):
            disclosure.add_disclosure(s, user(s, QINGYUAN), project.id, _disclosure(), scan(), on=ON)


def _disclosure(**changes) -> DisclosureForm:
    values = dict(channel=DisclosureChannel.ENTERPRISE_SITE, location="https://www.jiufu-food.com/gs/qjsc.html",
                  published_on=date(2026, 12, 20))
    values.update(changes)
    return DisclosureForm(**values)


@pytest.mark.parametrize("changes, field, message", [
    (dict(channel=None), "channel", "请选择公开方式"),
    (dict(channel="电视"), "channel", "请选择公开方式"),
    (dict(location=""), "location", "请填写企业网站上公开信息的网址"),
    (dict(location="www.jiufu-food.com"), "location", "企业网站的网址应以 http:// 或 https:// 开头"),
    (dict(location="https://本站 首页"), "location", "企业网站的网址应以 http:// 或 https:// 开头"),
    (dict(channel="政府网站", location="ftp://files.example.com/a"), "location", "政府网站的网址应以 http://"),
    (dict(channel=DisclosureChannel.NEWSPAPER, location=""), "location", "请填写公开位置"),
    (dict(channel=DisclosureChannel.NEWSPAPER, location="日报"), "location", "公开位置应为 4 至 500 个字"),
    (dict(channel="其他", location="x" * 501), "location", "公开位置应为 4 至 500 个字"),
    (dict(published_on=None), "published_on", "请填写公开日期"),
    (dict(published_on=ON + timedelta(days=1)), "published_on", "公开日期不能晚于今天"),
    (dict(published_on="2026/12/20"), "published_on", "公开日期应为有效日期"),
])
def test_each_disclosure_field_is_checked_and_nothing_is_saved(uow, changes, field, message):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(ValidationError) as refused:
            disclosure.add_disclosure(s, enterprise, project.id, _disclosure(**changes), scan(), on=ON)
        assert message in refused.value.errors[field] and message in refused.value.message
        assert saved_nothing(s)


def test_disclosures_need_evidence_and_are_listed_latest_first(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(ValidationError, match="请上传公开证明材料"):
            disclosure.add_disclosure(s, enterprise, project.id, _disclosure(), [], on=ON)
        with pytest.raises(ValidationError, match="公开证明材料“截图.png”不能上传"):
            disclosure.add_disclosure(s, enterprise, project.id, _disclosure(), [("截图.png", EXE)], on=ON)
        assert saved_nothing(s)
        first = disclosure.add_disclosure(s, enterprise, project.id, _disclosure(published_on="2026-12-18"),
                                          [("网页截图.png", png_bytes())], on=ON)
        disclosure.add_disclosure(s, enterprise, project.id,
                                  _disclosure(channel="报纸", location="《保定日报》2026年12月22日第3版",
                                              published_on=date(2026, 12, 22)),
                                  [("报纸扫描件.pdf", pdf_bytes()), ("报纸版面.png", png_bytes())], on=ON)
        listed = disclosure.disclosures_of(s, user(s, QINGYUAN), project.id)
        assert [(d.record.channel.label, d.record.published_on, len(d.files)) for d in listed] == [
            ("报纸", date(2026, 12, 22), 2), ("企业网站", date(2026, 12, 18), 1)]
        assert listed[1].record.location == "https://www.jiufu-food.com/gs/qjsc.html"
        assert listed[0].recorded_by.login == enterprise.login
        assert len(disclosure.disclosures_of(s, user(s, CITY), project.id)) == 2
        disclosure.remove_disclosure(s, enterprise, project.id, first.id)
        assert [d.record.channel for d in disclosure.disclosures_of(s, enterprise, project.id)] == [
            DisclosureChannel.NEWSPAPER]
        with pytest.raises(RuleViolation, match="请刷新页面"):
            disclosure.remove_disclosure(s, enterprise, project.id, first.id)
        assert actions(s) == ["disclosure.add", "disclosure.add", "disclosure.remove"]


def test_the_tracking_list_statuses_and_overdue_flag(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        due = s.get(AuditNotice, project.notice_id).register_due
        county = user(s, QINGYUAN)
        flt = StatsFilter(notice_id=project.notice_id)

        def row(on=due + timedelta(days=5), who=county, **kw):
            [only] = disclosure_tracking.tracking(s, who, flt, on=on, **kw)
            return only

        r = row()
        assert (r.enterprise, r.county, r.project_id, r.status_label, r.disclosures, r.days_overdue) == (
            "保定玖福食品有限公司", "清苑区", project.id, "未填报", 0, 5)
        late = due + timedelta(days=5)
        assert disclosure_tracking.tracking_counts(s, county, flt, on=late) == disclosure_tracking.TrackingCounts(
            total=1, confirmed=0, pending=0, missing_or_not_written=1, overdue=1)
        assert disclosure_tracking.tracking_counts(s, county, flt, on=due).overdue == 0
        assert disclosure_tracking.tracking_counts(s, county, flt, county_code="130681").total == 0
        assert disclosure_tracking.tracking(s, county, flt, on=late, offset=1, limit=10) == []
        assert r.overdue and not row(on=due).overdue  # due that day: not yet late
        assert row(on=due - timedelta(days=3)).days_overdue == 0

        record = permits.save_permit(s, enterprise, project.id, good(requirement_written=False), scan(), on=ON)
        assert (row().status_label, row().recorded_by_label, row().written_on) == ("未写入", "企业", None)
        record = permits.save_permit(s, county, project.id, good(), [], record.version, on=ON)
        r = row()
        assert (r.status_label, r.recorded_by_label, r.written_on, r.permit_number, r.management_class) == (
            "已填报待确认", "区县部门", date(2026, 12, 15), NUMBER, PermitClass.KEY)
        permits.confirm_permit(s, county, project.id, record.version, agreed=True)
        assert row().status_label == "已确认"
        assert disclosure_tracking.tracking_counts(s, county, flt, on=ON).confirmed == 1

        disclosure.add_disclosure(s, enterprise, project.id, _disclosure(published_on=due + timedelta(days=2)),
                                  scan(), on=due + timedelta(days=5))
        disclosure.add_disclosure(s, enterprise, project.id, _disclosure(published_on=due - timedelta(days=1)),
                                  scan(), on=due + timedelta(days=5))
        r = row()
        assert (r.disclosures, r.latest_disclosure, r.overdue) == (2, due + timedelta(days=2), False)

        # Filters: by status, overdue only, another campaign; who sees the row.
        assert disclosure_tracking.tracking(s, county, flt, status=disclosure.PENDING, on=ON) == []
        assert len(disclosure_tracking.tracking(s, county, flt, status=disclosure.CONFIRMED, on=ON)) == 1
        assert disclosure_tracking.tracking(s, county, flt, overdue_only=True, on=ON) == []
        assert disclosure_tracking.tracking(s, county, StatsFilter(notice_id=project.notice_id + 1), on=ON) == []
        assert row(who=user(s, CITY)).project_id == project.id
        assert disclosure_tracking.tracking(s, user(s, LIANCHI), flt, on=ON) == []
        with pytest.raises(ValidationError):
            disclosure_tracking.tracking(s, county, flt, status="done")
        with pytest.raises(PermissionDenied):
            disclosure_tracking.tracking(s, enterprise, flt)
