"""letter_progress: kept current in the same transaction as every change, and provably equal to the source."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from core import progress
from core.cases import StageVerdict, intake
from core.disclosure_models import DisclosureChannel, DisclosureRecord
from core.errors import RuleViolation
from core.progress import LetterProgress
from core.project_models import AuditProject, CaseStatus
from core.stages import stages_of
from tests.support.projects import submitted_case
from tests.support.roster import CITY, QINGYUAN, user
from tests.support.stats import campaign

STAGE_FLAGS = progress.STAGE_KEYS


def flags(row: LetterProgress) -> tuple:
    return tuple(int(getattr(row, k)) for k in STAGE_FLAGS)


def rows(s, notice_id: int) -> dict[str, LetterProgress]:
    found = s.scalars(select(LetterProgress).where(LetterProgress.notice_id == notice_id))
    return {r.county_code + ":" + str(r.enterprise_id): r for r in found}


def test_every_step_of_a_small_campaign_is_counted_as_it_happens(uow):
    with uow() as s:
        notice_id = campaign(s)
        stored = sorted(rows(s, notice_id).values(), key=lambda r: (r.county_code, r.enterprise_id))
        #   notified accepted startup eval_applied eval_passed acc_applied acc_passed
        assert [(r.county_code, flags(r), r.next_milestone) for r in stored] == [
            (QINGYUAN, (1, 1, 1, 1, 1, 0, 0), "acceptance_apply_due"),
            ("130681", (0, 0, 0, 0, 0, 0, 0), "letters_due"),
            ("130681", (0, 0, 0, 0, 0, 0, 0), "letters_due")]
        assert {r.city_code for r in stored} == {CITY} and {r.province_code for r in stored} == {"130000"}
        assert progress.verify(s) == []


def test_changes_in_later_transactions_and_refusals_leave_it_equal_to_the_source(uow):
    with uow() as s:
        case, _ = submitted_case(s)
        case_id, version = case.id, case.version
    with uow() as s:
        assert progress.verify(s) == []
        [row] = s.scalars(select(LetterProgress))
        # Applied for evaluation without publishing its audit information: that milestone is still owed.
        assert flags(row)[:4] == (1, 1, 1, 1) and row.next_milestone == "register_due" and not row.disclosed
    verdicts = {stage.key: StageVerdict(True) for stage in stages_of("evaluation")}
    try:  # a stale version is refused: nothing may change, the table included
        with uow() as s:
            intake(s, user(s, QINGYUAN), case_id, version + 7, verdicts, agreed=True)
    except RuleViolation:
        pass
    with uow() as s:
        intake(s, user(s, QINGYUAN), case_id, version, verdicts, agreed=True)
        assert progress.verify(s) == []


def test_a_passed_evaluation_moves_the_next_milestone(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        case.status = CaseStatus.PASSED
        s.flush()
        [row] = s.scalars(select(LetterProgress))
        assert row.evaluation_passed and row.next_milestone == "register_due"
        published = DisclosureRecord(project_id=case.project_id, channel=DisclosureChannel.OTHER, location="公示栏",
                                     published_on=date(2026, 12, 1), recorded_by_user_id=enterprise.id)
        s.add(published)
        s.flush()
        s.refresh(row)
        assert row.disclosed and row.next_milestone == "acceptance_apply_due"
        assert progress.verify(s) == []
        s.delete(published)
        s.flush()
        s.refresh(row)
        assert not row.disclosed and row.next_milestone == "register_due"
        assert progress.verify(s) == []


def test_an_industry_correction_regroups_the_enterprise(uow):
    with uow() as s:
        notice_id = campaign(s)
        project = s.scalar(select(AuditProject))
        project.enterprise.industry_code = "3360"
        s.flush()
        assert s.scalar(select(LetterProgress.industry_major)
                        .where(LetterProgress.letter_id == project.letter_id)) == "33"
        assert progress.verify(s) == [] and len(rows(s, notice_id)) == 3


def test_verify_finds_a_tampered_or_missing_row_and_rebuild_repairs_it(uow):
    with uow() as s:
        campaign(s)
        s.execute(update(LetterProgress.__table__).where(LetterProgress.county_code == QINGYUAN)
                  .values(acceptance_passed=True))
        one = s.scalar(select(LetterProgress.letter_id).where(LetterProgress.county_code == "130681"))
        s.execute(LetterProgress.__table__.delete().where(LetterProgress.letter_id == one))
        differences = progress.verify(s)
        found = {d.letter_id: d for d in differences if d.letter_id}
        assert len(found) == 2 and found[one].stored is None
        # The totals were kept from the rows as they were: both groups touched are told apart (letter 0).
        nothing = {"acceptance_passed": 0, "total": 0}  # a group no stored row falls in any more
        groups = sorted((d.stored["group"][1], d.stored["acceptance_passed"],
                         (d.computed or nothing)["acceptance_passed"],
                         d.stored["total"], (d.computed or nothing)["total"]) for d in differences
                        if not d.letter_id and d.stored["group"][0] not in ("due", "county"))
        assert groups == [(QINGYUAN, 0, 1, 1, 1), ("130681", 0, 0, 1, 0)]
        # due_totals too: 涿州's two letters due on one day are counted as two, one row says one (the
        # tampered flag moved no date: letter_progress's next_due was left as it was).
        due = [(d.stored["group"][2], d.stored["letters"], d.computed["letters"]) for d in differences
               if not d.letter_id and d.stored["group"][0] == "due"]
        assert due == [("130681", 2, 1)]
        assert progress.rebuild(s) == 3
        assert progress.verify(s) == []


def test_the_totals_follow_every_change_and_a_tampered_total_is_found(uow):
    from core.progress_totals import ProgressTotal

    with uow() as s:
        notice_id = campaign(s)
        totals = {(t.county_code, t.industry_major): t for t in s.scalars(select(ProgressTotal))}
        assert {k: (t.total, t.notified, t.evaluation_passed, t.disclosed) for k, t in totals.items()} == {
            (QINGYUAN, "13"): (1, 1, 1, 1), ("130681", "33"): (1, 0, 0, 0), ("130681", "40"): (1, 0, 0, 0)}
        # An industry correction moves the enterprise to another group; the old one counts nothing.
        project = s.scalar(select(AuditProject).where(AuditProject.notice_id == notice_id))
        project.enterprise.industry_code = "3360"
        s.flush()
        s.expire_all()
        totals = {(t.county_code, t.industry_major): t for t in s.scalars(select(ProgressTotal))}
        assert (totals[(QINGYUAN, "13")].total, totals[(QINGYUAN, "33")].evaluation_passed) == (0, 1)
        assert progress.verify(s) == []
        s.execute(update(ProgressTotal.__table__).values(accepted=ProgressTotal.accepted + 5))
        assert {d.stored["group"][1] for d in progress.verify(s)} == {QINGYUAN, "130681"}
        progress.rebuild(s)
        assert progress.verify(s) == []


def test_verify_takes_option_sums_added_in_another_order_as_equal_but_not_another_figure(uow):
    from core.project_models import CleanerOption, OptionKind, OptionStatus

    with uow() as s:
        notice_id = campaign(s)
        project = s.scalar(select(AuditProject).where(AuditProject.notice_id == notice_id))
        s.add_all(CleanerOption(project_id=project.id, kind=OptionKind.LOW_COST, name=f"方案{i}",
                                stage="option_generation", status=OptionStatus.IMPLEMENTED, investment=value)
                  for i, value in enumerate((0.1, 0.2, 0.3)))
        s.flush()
        table, mine = LetterProgress.__table__, LetterProgress.letter_id == project.letter_id
        stored = s.scalar(select(LetterProgress.investment).where(mine))
        assert round(stored, 9) == 0.6
        other_order = 0.6 if stored != 0.6 else 0.1 + 0.2 + 0.3  # 0.6000000000000001
        s.execute(update(table).where(mine).values(investment=other_order))
        assert progress.verify(s) == []
        s.execute(update(table).where(mine).values(investment=0.7))
        found = progress.verify(s)
        [difference] = [d for d in found if d.letter_id]
        [county] = [d for d in found if not d.letter_id and d.stored["group"][0] == "county"]
        [group] = [d for d in found if not d.letter_id and d.stored["group"][0] != "county"]
        assert difference.stored["investment"] == 0.7 and round(difference.computed["investment"], 9) == 0.6
        # the group's total (and its county's) was kept by the refresh (0.6); the stored rows now add up to 0.7
        for total in (group, county):
            assert (total.letter_id, round(total.stored["investment"], 9), total.computed["investment"]) == (0, 0.6, 0.7)
        assert county.stored["group"][0] == "county"


def test_the_ledger_figures_it_adds_up_are_the_options_figures():
    from core.options import FIGURES

    assert set(progress.OPTION_FIGURES) == set(FIGURES)


def test_an_option_saved_or_deleted_updates_the_ledger_sums(uow):
    from core import options
    from tests.support.projects import an_option, started

    with uow() as s:
        project, enterprise = started(s)
        option = an_option(s, enterprise, project.id, investment=12.5, water_saved=300)
        an_option(s, enterprise, project.id, name="中水回用", investment=4, status=options.OptionStatus.PLANNED)
        [row] = s.scalars(select(LetterProgress))
        assert (row.low_cost, row.implemented, row.investment, row.water_saved) == (2, 1, 12.5, 300)
        options.delete_option(s, enterprise, project.id, option.id)
        [row] = s.scalars(select(LetterProgress).execution_options(populate_existing=True))
        assert (row.low_cost, row.implemented, row.investment) == (1, 0, 0.0)
        assert progress.verify(s) == []


def test_the_totals_count_what_letter_progress_holds():
    from core import progress_totals
    from core.summary import IN_PROGRESS

    assert progress_totals.COUNTED == (*progress.STAGE_KEYS, "disclosed")
    assert progress_totals.OPTION_COUNTS == progress.OPTION_COUNTS
    assert progress_totals.OPTION_FIGURES == progress.OPTION_FIGURES
    assert progress_totals.IN_REVIEW == tuple(s.value for s in IN_PROGRESS)


def test_the_stamped_scan_is_named_as_core_notice_names_it():
    from core import notice

    assert progress.STAMPED_SCAN == (notice.OWNER_LETTER, notice.STAMPED_LETTER)


def test_a_stamped_scan_uploaded_or_replaced_moves_the_letters_flag(uow):
    from core import notice
    from core.notice_models import NoticeLetter
    from tests.support.roster import ZHUOZHOU, pdf_bytes

    with uow() as s:
        campaign(s)  # 涿州 issued its letters, not yet stamped nor dispatched
        letter = s.scalars(select(NoticeLetter).where(NoticeLetter.county_code == ZHUOZHOU)).first()
        stamped = lambda: s.scalar(select(LetterProgress.stamped).where(LetterProgress.letter_id == letter.id))  # noqa: E731
        assert stamped() is False
        notice.upload_stamped(s, user(s, ZHUOZHOU), letter.id, "盖章.pdf", pdf_bytes())
        assert stamped() is True and progress.verify(s) == []
        notice.upload_stamped(s, user(s, ZHUOZHOU), letter.id, "盖章（重传）.pdf", pdf_bytes())  # replaced
        assert stamped() is True and progress.verify(s) == []
