"""Nothing applied twice (issue 12): the transitions of the records around a project (项目启动, the permit,
the disclosures), of the roster list and of the expert pool, raced by 20 threads (see test_races.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import disclosure, experts, permits, roster_counts, roster_list, roster_reading, startup
from core.disclosure_models import DisclosureRecord, PermitRecord
from core.project_models import AuditProject
from core.review_models import Expert
from core.workflow_models import Attachment, RosterAssignment, RosterEntry
from tests.security.races import MODES, actor, audit_count, one_applied, race
from tests.support.projects import accepted_project, started
from tests.support.roster import CITY, PROVINCE, QINGYUAN, new_task, pdf_bytes, user
from tests.support.roster import entries as roster_entries
from tests.unit.test_disclosure import ON, _disclosure, good, scan
from tests.unit.test_startup import VALID


@pytest.fixture(params=MODES)
def mode(request, db):
    return request.param


def test_startup_submit(uow, mode):
    with uow() as s:
        project, enterprise = accepted_project(s)
        for step, data in VALID.items():
            startup.save_step(s, enterprise, project.id, step, data, project.version)
        pid, eid, version = project.id, enterprise.id, project.version
    one_applied(race(lambda s, i: startup.submit(s, actor(s, eid), pid, version, agreed=True), mode=mode))
    with uow() as s:
        assert s.get(AuditProject, pid).startup_submitted_at is not None
        assert audit_count(s, "startup.submit", pid) == 1


def test_the_first_permit_record_by_the_enterprise_and_its_county_at_once(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        pid, recorders = project.id, (enterprise.id, user(s, QINGYUAN).id)
    one_applied(race(lambda s, i: permits.save_permit(s, actor(s, recorders[i % 2]), pid, good(), scan(), None,
                                                      on=ON).id, mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(PermitRecord)) == 1
        assert audit_count(s, "permit.record") == 1


def test_permit_confirmation(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        record = permits.save_permit(s, enterprise, project.id, good(), scan(), None, on=ON)
        pid, version, county = project.id, record.version, user(s, QINGYUAN).id
    one_applied(race(lambda s, i: permits.confirm_permit(s, actor(s, county), pid, version, agreed=True), mode=mode))
    with uow() as s:
        assert s.scalar(select(PermitRecord.confirmed_at)) is not None
        assert audit_count(s, "permit.confirm") == 1


def test_removing_a_disclosure(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        record = disclosure.add_disclosure(s, enterprise, project.id, _disclosure(), scan(), on=ON)
        pid, did, eid = project.id, record.id, enterprise.id
    one_applied(race(lambda s, i: disclosure.remove_disclosure(s, actor(s, eid), pid, did), mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(DisclosureRecord)) == 0
        assert audit_count(s, "disclosure.remove", did) == 1


def test_marking_an_entry_excluded(uow, mode):
    with uow() as s:
        part = new_task(s)
        entry = roster_entries(s, user(s, PROVINCE), part)[0]
        eid, version, by = entry.id, entry.version, user(s, PROVINCE).id
    one_applied(race(lambda s, i: roster_list.mark_excluded(s, actor(s, by), [(eid, version)], f"已停产（{i}）",
                                                            [("停产证明.pdf", pdf_bytes())]), mode=mode))
    with uow() as s:
        assert s.get(RosterEntry, eid).included is False
        assert audit_count(s, "roster.exclude", eid) == 1
        assert roster_counts.verify(s) == []


def test_marking_twenty_entries_of_one_county_at_once(uow, mode):
    """Twenty departments' clicks on twenty entries of one county: every one moves the county's counts
    (increments on one row, core.roster_counts), none is lost."""
    from tests.support.roster import HEADER

    rows = "".join(f"{i},涿州市测试企业{i:02d}有限公司,保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅\n"
                   for i in range(1, 21))
    with uow() as s:
        part = new_task(s, rows=HEADER + rows)
        targets = [(e.id, e.version) for e in roster_entries(s, user(s, PROVINCE), part)]
        by = user(s, PROVINCE).id
    outcomes = race(lambda s, i: roster_list.mark_excluded(s, actor(s, by), [targets[i]], f"已停产（{i}）",
                                                            [("停产证明.pdf", pdf_bytes())]), mode=mode)
    applied = [o for o in outcomes if o.kind == "ok"]
    # A deferred unit on SQLite that meets a newer snapshot is refused with the busy message (by design);
    # units that begin as the screens' do all land.
    assert all(o.kind == "ok" or (mode == "deferred" and o.kind == "refused") for o in outcomes), outcomes
    assert mode == "deferred" or len(applied) == 20
    with uow() as s:
        assert roster_reading.area_counts(s, s.get(RosterAssignment, part.id)).excluded == len(applied)
        assert roster_counts.verify(s) == []


def test_revising_an_excluded_entry(uow, mode):
    with uow() as s:
        part = new_task(s)
        entry = roster_entries(s, user(s, PROVINCE), part)[0]
        roster_list.mark_excluded(s, user(s, PROVINCE), [(entry.id, entry.version)], "已停产",
                                  [("停产证明.pdf", pdf_bytes())])
        eid, version, by = entry.id, entry.version, user(s, PROVINCE).id
    one_applied(race(lambda s, i: roster_list.revise_exclusion(s, actor(s, by), eid, version, f"已停产（{i}）", [],
                                                               [(f"注销证明{i}.pdf", pdf_bytes())]), mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.owner_id == eid,
                                                                         Attachment.owner_type == "roster_entry")) == 1
        assert audit_count(s, "roster.revise_exclusion", eid) == 1


def test_disabling_an_expert(uow, mode):
    with uow() as s:
        form = experts.ExpertForm(name="张工", organisation="河北省环境科学研究院", title="高级工程师",
                                  specialties=["13"], region_code="130606", phone="13800001111")
        expert = experts.add_expert(s, user(s, CITY), form)
        xid, version, by = expert.id, expert.version, user(s, CITY).id
    one_applied(race(lambda s, i: experts.set_active(s, actor(s, by), xid, version, False), mode=mode))
    with uow() as s:
        assert s.get(Expert, xid).active is False
        assert audit_count(s, "expert.deactivate", xid) == 1


def test_registering_the_same_expert(uow, mode):
    with uow() as s:
        by = user(s, CITY).id
    form = experts.ExpertForm(name="李工", organisation="保定市环境监测中心", specialties=["13"], region_code="130606",
                              phone="13800002222")
    one_applied(race(lambda s, i: experts.add_expert(s, actor(s, by), form).id, mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(Expert).where(Expert.name == "李工")) == 1
