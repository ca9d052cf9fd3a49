"""Nothing applied twice (issue 12): the roster, notice and letter transitions raced by 20 threads, and
project numbers taken by 20 acceptances at once. See test_races.py for the rules of a race."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core import auth, letter_issue, letter_scans, notice, progress, roster, roster_review
from core import letters as letter_pdf
from core.db import run_write, unit_of_work
from core.models import User
from core.notice_models import NoticeAssignment, NoticeLetter, NoticeStatus
from core.progress_totals import ProgressTotal
from core.project_models import AuditProject
from core.workflow_models import (
    Attachment,
    RosterAssignment,
    RosterReview,
    RosterStatus,
)
from tests.security.races import (
    MODES,
    THREADS,
    actor,
    all_applied,
    audit_count,
    one_applied,
    race,
    race_calls,
)
from tests.support.roster import (
    CITY,
    HEADER,
    PROVINCE,
    QINGYUAN,
    ZHUOZHOU,
    approved_task,
    new_task,
    part,
    pdf_bytes,
    user,
)
from tests.unit.test_notice import cascade_to_counties, form, the_part


@pytest.fixture(params=MODES)
def mode(request, db):
    return request.param


def test_roster_dispatch(uow, mode):
    with uow() as s:
        province = new_task(s)
        pid, version, by = province.id, province.version, user(s, PROVINCE).id
    one_applied(race(lambda s, i: roster.dispatch(s, actor(s, by), pid, version, agreed=True), mode=mode))
    with uow() as s:
        assert s.get(RosterAssignment, pid).status is RosterStatus.DISPATCHED
        assert s.scalar(select(func.count()).select_from(RosterAssignment).where(RosterAssignment.parent_id == pid)) == 1
        assert audit_count(s, "roster.dispatch", pid) == 1


def _county_part(s):
    province = new_task(s)
    roster.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
    city = part(s, province.task_id, CITY)
    roster.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    return part(s, province.task_id, QINGYUAN)


def test_roster_submit(uow, mode):
    with uow() as s:
        county = _county_part(s)
        cid, version, by = county.id, county.version, user(s, QINGYUAN).id
    one_applied(race(lambda s, i: roster.submit(s, actor(s, by), cid, version, agreed=True,
                                                final_list_name=f"最终名单{i}.pdf", final_list=pdf_bytes()), mode=mode))
    with uow() as s:
        assert s.get(RosterAssignment, cid).status is RosterStatus.SUBMITTED
        finals = s.scalars(select(Attachment).where(Attachment.owner_type == roster.OWNER_ASSIGNMENT,
                                                    Attachment.owner_id == cid)).all()
        assert len(finals) == 1
        assert audit_count(s, "roster.submit", cid) == 1


def test_roster_review(uow, mode):
    with uow() as s:
        county = _county_part(s)
        roster.submit(s, user(s, QINGYUAN), county.id, county.version, agreed=True, final_list_name="最终名单.pdf",
                      final_list=pdf_bytes())
        cid, version, by = county.id, county.version, user(s, CITY).id
    one_applied(race(lambda s, i: roster.review(s, actor(s, by), cid, version, approve=True, comment=""), mode=mode))
    with uow() as s:
        assert s.get(RosterAssignment, cid).status is RosterStatus.APPROVED
        assert s.scalar(select(func.count()).select_from(RosterReview).where(RosterReview.assignment_id == cid)) == 1
        assert audit_count(s, "roster.approve", cid) == 1


def test_roster_submit_unchanged(uow, mode):
    with uow() as s:
        county = _county_part(s)
        cid, version, by = county.id, county.version, user(s, QINGYUAN).id
    one_applied(race(lambda s, i: roster_review.submit_unchanged(s, actor(s, by), cid, version, agreed=True,
                                                                 final_list_name=f"最终名单{i}.pdf",
                                                                 final_list=pdf_bytes()), mode=mode))
    with uow() as s:
        assert s.get(RosterAssignment, cid).status is RosterStatus.SUBMITTED
        assert audit_count(s, "roster.submit", cid) == 1


def test_roster_approve_many(uow, mode):
    with uow() as s:
        qingyuan = _county_part(s)
        task_id = qingyuan.task_id
        targets = []
        for code in (QINGYUAN, ZHUOZHOU):
            county = part(s, task_id, code)
            roster.submit(s, user(s, code), county.id, county.version, agreed=True, final_list_name="最终名单.pdf",
                          final_list=pdf_bytes())
            targets.append((county.id, county.version))
        city_id, by = part(s, task_id, CITY).id, user(s, CITY).id
    won = one_applied(race(lambda s, i: roster_review.approve_many(s, actor(s, by), city_id, targets, agreed=True),
                           mode=mode))
    assert sorted(won.approved) == ["涿州市", "清苑区"]
    with uow() as s:
        for cid, _ in targets:
            assert s.get(RosterAssignment, cid).status is RosterStatus.APPROVED
            assert audit_count(s, "roster.approve", cid) == 1
            assert s.scalar(select(func.count()).select_from(RosterReview)
                            .where(RosterReview.assignment_id == cid)) == 1


def test_notice_dispatch(uow, mode):
    with uow() as s:
        province = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form())
        pid, version, by = province.id, province.version, user(s, PROVINCE).id
    one_applied(race(lambda s, i: notice.dispatch(s, actor(s, by), pid, version, agreed=True), mode=mode))
    with uow() as s:
        assert s.get(NoticeAssignment, pid).status is NoticeStatus.DISPATCHED
        assert s.scalar(select(func.count()).select_from(NoticeAssignment).where(NoticeAssignment.parent_id == pid)) == 1
        assert audit_count(s, "notice.dispatch", pid) == 1


def test_notice_creation(uow, mode):
    with uow() as s:
        task_id, by = approved_task(s), user(s, PROVINCE).id
    one_applied(race(lambda s, i: notice.create_notice(s, actor(s, by), task_id, form()).id, mode=mode))
    with uow() as s:
        assert audit_count(s, "notice.create") == 1
        numbers = s.scalars(select(NoticeLetter.letter_number)).all()
        assert len(numbers) == 3 and len(set(numbers)) == 3


def test_stamped_upload(uow, mode):
    with uow() as s:
        county = the_part(s, cascade_to_counties(s), QINGYUAN)
        notice.issue_letters(s, user(s, QINGYUAN), county.id)
        [letter] = notice.letters_in(s, county)
        lid, version, by = letter.id, letter.version, user(s, QINGYUAN).id
    one_applied(race(lambda s, i: notice.upload_stamped(s, actor(s, by), lid, f"盖章{i}.pdf", pdf_bytes(i % 3 + 1),
                                                        version), mode=mode))
    with uow() as s:
        assert len(notice.stamped_scans(s, [lid])) == 1
        assert s.get(NoticeLetter, lid).version == version + 1
        assert audit_count(s, "attachment.add", lid) == 1


def test_bulk_stamped_upload(uow, mode):
    """As the screen uploads many scans: the preview and the file checks outside any transaction, one
    write; officials sending the same scans at once on what they all saw store them once."""
    with uow() as s:
        county = the_part(s, cascade_to_counties(s), ZHUOZHOU)
        notice.issue_letters(s, user(s, ZHUOZHOU), county.id)
        seen = {x.id: x.version for x in notice.letters_in(s, county)}
        uploads = [(f"告知书_{x.letter_number}.pdf", pdf_bytes()) for x in notice.letters_in(s, county)]
        cid, by = county.id, user(s, ZHUOZHOU).id

    def send(i):
        with unit_of_work() as s:
            matches = letter_scans.preview(s, actor(s, by), cid, uploads)
        checked = letter_scans.check(matches, uploads)
        with unit_of_work(write=mode == "write") as s:
            return letter_scans.record(s, actor(s, by), cid, checked, seen)

    one_applied(race_calls(send))
    with uow() as s:
        assert len(notice.stamped_scans(s, list(seen))) == 2
        assert all(s.get(NoticeLetter, i).version == v + 1 for i, v in seen.items())
        assert audit_count(s, "notice.stamped_batch", cid) == 1


def test_letter_issuing(uow, mode):
    """As the screen issues letters: a read, the passwords and PDFs outside any transaction, one write."""
    with uow() as s:
        county = the_part(s, cascade_to_counties(s), ZHUOZHOU)
        seen = {x.id: x.version for x in notice.letters_in(s, county)}
        cid, by = county.id, user(s, ZHUOZHOU).id

    def issue(i):
        with unit_of_work() as s:
            plan = letter_issue.plan(s, actor(s, by), cid, list(seen), seen=seen)
        issued = letter_issue.prepare(plan)
        letter_pdf.render_letters(letter_issue.letter_data(plan, issued))
        with unit_of_work(write=mode == "write") as s:
            letter_issue.record(s, actor(s, by), plan, issued)
        return issued

    issued = one_applied(race_calls(issue))
    with uow() as s:
        assert [s.get(NoticeLetter, i).generation_count for i in seen] == [1, 1]
        assert audit_count(s, "notice.letter_issue") == 2
        for letter in issued:  # the winner's letters carry the passwords that work
            assert auth.authenticate(s, letter.account, letter.password).ok


def test_accepting_the_same_task(uow, mode):
    with uow() as s:
        letter_id, enterprise_id = _dispatched_letters(s, 1)[0]
    one_applied(race(lambda s, i: notice.accept(s, actor(s, enterprise_id), letter_id, project_leader="张三",
                                                mobile="13812345678"), mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(AuditProject)) == 1
        assert audit_count(s, "notice.accept", letter_id) == 1


def test_project_numbers_of_parallel_acceptances(uow, mode):
    """Twenty enterprises of one county accept at once: twenty projects, twenty distinct numbers.

    Units that write (the screens') all apply, one after the other. Deferred units on SQLite find a newer
    snapshot when they write: all but the first are refused with a message (and the screens retry), but
    none takes a number another one has.
    """
    with uow() as s:
        letters = _dispatched_letters(s, THREADS)
    if mode == "write":  # as the screens write: run_write, which waits for the lock and retries a conflict once
        outcomes = race_calls(lambda i: run_write(lambda s: _accept(s, *letters[i])))
    else:
        outcomes = race(lambda s, i: _accept(s, *letters[i]), mode=mode)
    year = date.today().year
    if mode == "write":
        numbers = all_applied(outcomes)
        assert sorted(numbers) == [f"{year}{QINGYUAN}{n:05d}" for n in range(1, THREADS + 1)]
    else:
        assert not [o for o in outcomes if o.kind == "error"], outcomes
        numbers = [o.value for o in outcomes if o.kind == "ok"]
        assert numbers and len(set(numbers)) == len(numbers)
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(AuditProject)) == len(numbers)
        # Every acceptance added its one to the county's group of progress_totals, none lost in the race.
        assert s.scalar(select(func.sum(ProgressTotal.accepted))) == len(numbers)
        assert progress.verify(s) == []


def _accept(s, letter_id, enterprise_id) -> str:
    notice.accept(s, actor(s, enterprise_id), letter_id, project_leader="张三", mobile="13812345678")
    return s.scalar(select(AuditProject.project_number).where(AuditProject.letter_id == letter_id))


def _dispatched_letters(s, n: int) -> list[tuple[int, int]]:
    """`n` enterprises of 清苑区 whose letters the county has dispatched: (letter id, account id) each."""
    rows = HEADER + "".join(f"{i},清苑测试{i:02d}食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n"
                            for i in range(1, n + 1))
    province = notice.create_notice(s, user(s, PROVINCE), approved_task(s, rows), form())
    notice.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
    city = the_part(s, province.notice_id, CITY)
    notice.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    county = the_part(s, province.notice_id, QINGYUAN)
    issued = notice.issue_letters(s, user(s, QINGYUAN), county.id)
    for letter in issued:
        notice.upload_stamped(s, user(s, QINGYUAN), letter.letter_id, "盖章.pdf", pdf_bytes())
    notice.dispatch(s, user(s, QINGYUAN), county.id, county.version, agreed=True)
    result = []
    for letter in issued:
        account = s.scalar(select(User).where(User.login == letter.account))
        account.must_change_password = False
        result.append((letter.letter_id, account.id))
    s.flush()
    return result
