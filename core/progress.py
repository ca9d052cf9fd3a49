"""Each enterprise's progress in each campaign, kept in a table of its own (letter_progress).

Statistics, deadlines and reminders used to derive an enterprise's stage from the letters, the county's
notice part, the project and every case, which at ten times a province meant joining and grouping
hundreds of thousands of rows on every page. Here that answer is stored per letter (one letter = one
enterprise in one campaign) and kept current in the same transaction as the change that moves it:
a session hook notes which letters a flush touches (a notice part dispatched, a letter accepted, a
startup submitted, a case opened or decided, an option of the ledger saved, a publication recorded or removed, an enterprise's industry
corrected, a campaign's dates)
and recomputes exactly those rows from the source right after that flush, in the same transaction. So a transition
added later needs nothing of its own, and `verify()` can prove the table equals the source.
Bulk loads that bypass the ORM (Core inserts) call `rebuild()` afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import (Boolean, Date, Float, ForeignKey, Index, Integer, String, and_, bindparam, case, delete, event,
                        false, func, insert, literal, select)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from core import progress_totals
from core.paging import in_chunks
from core.disclosure_models import DisclosureRecord, PermitRecord
from core.indicator_models import GradingSheet, SheetPhase
from core.models import Base, Division, Enterprise
from core.notice_models import AuditNotice, NoticeAssignment, NoticeLetter, NoticeStatus
from core.project_models import (AuditProject, Case, CaseKind, CaseStatus, CleanerOption, OptionKind,
                                 OptionStatus)
from core.workflow_models import Attachment

# The stages an enterprise passes, in order (seed 001 时间步骤).
STAGES: tuple[tuple[str, str], ...] = (
    ("notified", "已告知"),
    ("accepted", "已接受任务"),
    ("startup", "已提交项目启动"),
    ("evaluation_applied", "已申请评估"),
    ("evaluation_passed", "评估通过"),
    ("acceptance_applied", "已申请验收"),
    ("acceptance_passed", "验收通过"),
)
STAGE_KEYS = tuple(key for key, _ in STAGES)
# The stage that meets each milestone; the last milestone (the written summary) is the departments' own.
# 登录系统填报并公布审核信息 is met by a recorded publication (信息公开), not by accepting the task: an
# enterprise can accept and never publish (issue 14).
MET_BY = {"letters_due": "notified", "register_due": "disclosed", "plan_due": "evaluation_applied",
          "evaluation_due": "evaluation_passed", "acceptance_apply_due": "acceptance_applied",
          "acceptance_due": "acceptance_passed"}
OPTION_COUNTS = ("low_cost", "high_cost", "implemented", "low_cost_implemented", "high_cost_implemented")
GRADED = progress_totals.GRADED  # its 对标 sheets: saved before / after, and whether they met the target
PERMIT = progress_totals.PERMIT  # its permit record's state
# The attachment that is a letter's stamped scan: core.notice's OWNER_LETTER and STAMPED_LETTER (a test keeps
# them in step; core.notice cannot be imported from here).
STAMPED_SCAN = ("notice_letter", "stamped_letter")
# core.options.FIGURES' keys (a test keeps them in step; core.options cannot be imported from here).
OPTION_FIGURES = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "other_reduced",
                  "energy_saved")
_CHUNK = 5000  # ids per statement, well inside SQLite's and PostgreSQL's parameter limits


class LetterProgress(Base):
    """How far one enterprise has come in one campaign, and its earliest milestone not yet met."""

    __tablename__ = "letter_progress"
    # The home pages' most urgent letters are looked up per (county, due date) pair (core.deadlines).
    __table_args__ = (Index("ix_letter_progress_county_due", "county_code", "next_due"),)

    letter_id: Mapped[int] = mapped_column(ForeignKey("notice_letters.id", ondelete="CASCADE"), primary_key=True)
    notice_id: Mapped[int] = mapped_column(Integer, index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, index=True)
    # The letter's county and its ancestors, so that a jurisdiction is one predicate on this table.
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_major: Mapped[str] = mapped_column(String(2), default="")  # GB/T 4754 大类, "" when unknown
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    startup: Mapped[bool] = mapped_column(Boolean, default=False)
    # At least one publication of its audit information recorded (not a stage of the funnel: it runs
    # beside the others, from acceptance on).
    disclosed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    evaluation_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    acceptance_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    acceptance_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its 对标 sheets (core.grading_entry): a 预审核 / 验收 sheet saved, and whether its level met the campaign's
    # target, for 统计分析 and 工作总结 (core.grading_stats).
    graded_before: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    met_before: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    graded_after: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    met_after: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Its 排污许可证 record, with the audit requirement written: confirmed by the county, or awaiting it
    # (core.disclosure_tracking's states CONFIRMED and PENDING).
    permit_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    permit_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Its stamped scan (盖章扫描件) is uploaded (core.notice.upload_stamped).
    stamped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_milestone: Mapped[str | None] = mapped_column(String(32))
    next_due: Mapped[date | None] = mapped_column(Date, index=True)
    # The status of the project's latest evaluation case and of its latest acceptance case (None: none yet),
    # for the work summary's results.
    evaluation_status: Mapped[str | None] = mapped_column(String(16))
    acceptance_status: Mapped[str | None] = mapped_column(String(16))
    # The project's options ledger added up, for the work summary: counts by kind and status, and the
    # implemented options' investment and benefits.
    low_cost: Mapped[int] = mapped_column(Integer, default=0)
    high_cost: Mapped[int] = mapped_column(Integer, default=0)
    implemented: Mapped[int] = mapped_column(Integer, default=0)
    low_cost_implemented: Mapped[int] = mapped_column(Integer, default=0)
    high_cost_implemented: Mapped[int] = mapped_column(Integer, default=0)
    investment: Mapped[float] = mapped_column(Float, default=0.0)
    economic_benefit: Mapped[float] = mapped_column(Float, default=0.0)
    water_saved: Mapped[float] = mapped_column(Float, default=0.0)
    cod_reduced: Mapped[float] = mapped_column(Float, default=0.0)
    ammonia_reduced: Mapped[float] = mapped_column(Float, default=0.0)
    other_reduced: Mapped[float] = mapped_column(Float, default=0.0)
    energy_saved: Mapped[float] = mapped_column(Float, default=0.0)


@cache
def source_query(some_letters: bool = False):
    """The progress of letters computed from the workflow tables themselves: of every letter, or
    (some_letters) of those in the expanding parameter `letter_ids`. Built once per process: building
    this statement costs more than running it for one letter, and it runs at every flush that moves
    an enterprise's progress."""
    letter_ids = bindparam("letter_ids", expanding=True) if some_letters else None
    def flag(kind: CaseKind, passed: bool = False):
        cond = Case.kind == kind
        if passed:
            cond = and_(cond, Case.status == CaseStatus.PASSED)
        return func.max(case((cond, 1), else_=0))

    flags = (select(Case.project_id.label("project_id"),
                    flag(CaseKind.EVALUATION).label("evaluation_applied"),
                    flag(CaseKind.EVALUATION, True).label("evaluation_passed"),
                    flag(CaseKind.ACCEPTANCE).label("acceptance_applied"),
                    flag(CaseKind.ACCEPTANCE, True).label("acceptance_passed"))
             .group_by(Case.project_id))
    county_part = aliased(NoticeAssignment)
    one = literal(1)
    latest_ids = select(func.max(Case.id)).group_by(Case.project_id, Case.kind)
    if letter_ids is not None:
        flags = flags.join(AuditProject, AuditProject.id == Case.project_id).where(
            AuditProject.letter_id.in_(letter_ids))
        latest_ids = latest_ids.join(AuditProject, AuditProject.id == Case.project_id).where(
            AuditProject.letter_id.in_(letter_ids))
    done = CleanerOption.status == OptionStatus.IMPLEMENTED
    low, high = CleanerOption.kind == OptionKind.LOW_COST, CleanerOption.kind == OptionKind.HIGH_COST

    def tally(condition):
        return func.sum(case((condition, 1), else_=0))

    ledger = select(CleanerOption.project_id.label("project_id"), tally(low).label("low_cost"),
                    tally(high).label("high_cost"), tally(done).label("implemented"),
                    tally(and_(low, done)).label("low_cost_implemented"),
                    tally(and_(high, done)).label("high_cost_implemented"),
                    *(func.sum(case((done, getattr(CleanerOption, k)), else_=0.0)).label(k) for k in OPTION_FIGURES))
    if letter_ids is not None:
        ledger = ledger.join(AuditProject, AuditProject.id == CleanerOption.project_id).where(
            AuditProject.letter_id.in_(letter_ids))
    ledger = ledger.group_by(CleanerOption.project_id).subquery("ledger")
    published = select(DisclosureRecord.project_id).distinct()
    if letter_ids is not None:
        published = published.join(AuditProject, AuditProject.id == DisclosureRecord.project_id).where(
            AuditProject.letter_id.in_(letter_ids))
    published = published.subquery("published")
    stamped = (select(Attachment.id).where(Attachment.owner_type == STAMPED_SCAN[0],
                                           Attachment.purpose == STAMPED_SCAN[1],
                                           Attachment.owner_id == NoticeLetter.id).exists())
    before, after = GradingSheet.phase == SheetPhase.BEFORE, GradingSheet.phase == SheetPhase.AFTER
    met = GradingSheet.target_met.is_(True)
    graded = select(GradingSheet.project_id.label("project_id"),
                    *(func.max(case((condition, 1), else_=0)).label(key) for key, condition in (
                        ("graded_before", before), ("met_before", and_(before, met)),
                        ("graded_after", after), ("met_after", and_(after, met)))))
    if letter_ids is not None:
        graded = graded.join(AuditProject, AuditProject.id == GradingSheet.project_id).where(
            AuditProject.letter_id.in_(letter_ids))
    graded = graded.group_by(GradingSheet.project_id).subquery("graded")
    flags = flags.subquery("case_flags")
    latest = (select(Case.project_id.label("project_id"),
                     func.max(case((Case.kind == CaseKind.EVALUATION, Case.status))).label("evaluation_status"),
                     func.max(case((Case.kind == CaseKind.ACCEPTANCE, Case.status))).label("acceptance_status"))
              .where(Case.id.in_(latest_ids)).group_by(Case.project_id).subquery("latest_cases"))
    stmt = (select(NoticeLetter.id.label("letter_id"), NoticeLetter.notice_id, NoticeLetter.enterprise_id,
                   NoticeLetter.county_code, func.coalesce(Division.city_code, Division.code).label("city_code"),
                   Division.province_code,
                   func.coalesce(func.substr(Enterprise.industry_code, 1, 2), "").label("industry_major"),
                   case((county_part.status == NoticeStatus.DISPATCHED, one), else_=0).label("notified"),
                   case((NoticeLetter.accepted_at.is_not(None), one), else_=0).label("accepted"),
                   case((AuditProject.startup_submitted_at.is_not(None), one), else_=0).label("startup"),
                   case((published.c.project_id.is_not(None), one), else_=0).label("disclosed"),
                   case((stamped, one), else_=0).label("stamped"),
                   *(func.coalesce(graded.c[k], 0).label(k) for k in GRADED),
                   case((and_(PermitRecord.requirement_written.is_(True), PermitRecord.confirmed_at.is_not(None)), one),
                        else_=0).label("permit_confirmed"),
                   case((and_(PermitRecord.requirement_written.is_(True), PermitRecord.confirmed_at.is_(None)), one),
                        else_=0).label("permit_pending"),
                   *(func.coalesce(flags.c[k], 0).label(k) for k in STAGE_KEYS[3:]),
                   latest.c.evaluation_status, latest.c.acceptance_status,
                   *(func.coalesce(ledger.c[k], 0).label(k) for k in OPTION_COUNTS),
                   *(func.coalesce(ledger.c[k], 0.0).label(k) for k in OPTION_FIGURES),
                   *(getattr(AuditNotice, key).label(key) for key in MET_BY))
            .select_from(NoticeLetter)
            .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
            .join(Division, Division.code == NoticeLetter.county_code)
            .join(AuditNotice, AuditNotice.id == NoticeLetter.notice_id)
            .outerjoin(county_part, and_(county_part.notice_id == NoticeLetter.notice_id,
                                         county_part.division_code == NoticeLetter.county_code))
            .outerjoin(AuditProject, AuditProject.letter_id == NoticeLetter.id)
            .outerjoin(flags, flags.c.project_id == AuditProject.id)
            .outerjoin(latest, latest.c.project_id == AuditProject.id)
            .outerjoin(ledger, ledger.c.project_id == AuditProject.id)
            .outerjoin(published, published.c.project_id == AuditProject.id)
            .outerjoin(graded, graded.c.project_id == AuditProject.id)
            .outerjoin(PermitRecord, PermitRecord.project_id == AuditProject.id))
    if letter_ids is not None:
        stmt = stmt.where(NoticeLetter.id.in_(letter_ids))
    return stmt


def _row(source) -> dict:
    values = source._mapping
    row = {key: values[key] for key in ("letter_id", "notice_id", "enterprise_id", "county_code", "city_code",
                                        "province_code", "industry_major")}
    row.update({key: bool(values[key]) for key in (*STAGE_KEYS, "disclosed", *GRADED, *PERMIT, "stamped")})
    for key in ("evaluation_status", "acceptance_status"):
        row[key] = getattr(values[key], "value", values[key])
    row.update({key: int(values[key] or 0) for key in OPTION_COUNTS})
    row.update({key: float(values[key] or 0.0) for key in OPTION_FIGURES})
    row["next_milestone"] = row["next_due"] = None
    for milestone, stage in MET_BY.items():
        if not row[stage]:
            row["next_milestone"], row["next_due"] = milestone, values[milestone]
            break
    return row


def refresh(session: Session, letter_ids: Iterable[int]) -> int:
    """Recompute the progress rows of these letters from the source; returns how many were written."""
    ids = sorted(set(letter_ids))
    table = LetterProgress.__table__
    # Core statements on the session's connection: this also runs inside a flush hook.
    connection = session.connection()
    written = 0
    for chunk in in_chunks(ids, _CHUNK):
        rows = [_row(r) for r in connection.execute(source_query(True), {"letter_ids": chunk})]
        old = [r._mapping for r in connection.execute(select(table).where(table.c.letter_id.in_(chunk)))]
        connection.execute(delete(table).where(table.c.letter_id.in_(chunk)))
        if rows:
            connection.execute(insert(table), rows)
        progress_totals.apply(connection, old, rows)
        written += len(rows)
    return written


def rebuild(session: Session) -> int:
    """Recompute every row (after a bulk load that bypassed the ORM, or to repair), and their totals."""
    connection = session.connection()
    connection.execute(delete(LetterProgress.__table__))
    for totals in (progress_totals.ProgressTotal, progress_totals.CountyTotal,
                   progress_totals.DueTotal):  # refresh adds every letter back in
        connection.execute(delete(totals.__table__))
    ids = list(connection.scalars(select(NoticeLetter.id).order_by(NoticeLetter.id)))
    return refresh(session, ids)


@dataclass(frozen=True)
class Difference:
    letter_id: int
    stored: dict | None
    computed: dict | None


def verify(session: Session) -> list[Difference]:
    """Every letter whose stored progress differs from what the source says, and every group of
    progress_totals that differs from the stored rows added up (empty: both tables are right)."""
    columns = [c.key for c in LetterProgress.__table__.columns]
    stored = {r.letter_id: {c: getattr(r, c) for c in columns} for r in
              session.execute(select(LetterProgress.__table__))}
    differences = []
    for source in session.execute(source_query()):
        computed = _row(source)
        mine = stored.pop(computed["letter_id"], None)
        if not _same(mine, computed):
            differences.append(Difference(computed["letter_id"], mine, computed))
    differences += [Difference(letter_id, row, None) for letter_id, row in stored.items()]
    # The totals (core.progress_totals) added up from the stored rows; a group is reported as letter 0.
    differences += [Difference(0, stored_total and {"group": key, **stored_total},
                               expected and {"group": key, **expected})
                    for key, stored_total, expected in progress_totals.verify(session)]
    return differences


def _same(stored: dict | None, computed: dict) -> bool:
    """Equal, the option figures up to rounding: a sum over one letter's options and the same sum in a
    query over every letter may add them in another order (PostgreSQL does), e.g. 191.2 vs 191.20000000000002."""
    if stored is None or stored.keys() != computed.keys():
        return False
    return all(math.isclose(stored[k], computed[k], rel_tol=1e-9, abs_tol=1e-9) if k in OPTION_FIGURES
               and stored[k] is not None and computed[k] is not None else stored[k] == computed[k] for k in computed)


# --- keeping it current ---------------------------------------------------------------------------

_DIRTY = "progress_dirty"


def _pending(session: Session) -> dict[str, set]:
    return session.info.setdefault(_DIRTY, {"letters": set(), "projects": set(), "parts": set(),
                                            "enterprises": set(), "notices": set()})


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    """Note what this flush changes that moves an enterprise's progress (resolved to letters later)."""
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, NoticeLetter):
            key, value = "letters", obj.id
        elif isinstance(obj, AuditProject):
            key, value = "projects", obj.id
        elif isinstance(obj, Case | CleanerOption | DisclosureRecord | GradingSheet | PermitRecord):
            key, value = "projects", obj.project_id
        elif isinstance(obj, Attachment) and (obj.owner_type, obj.purpose) == STAMPED_SCAN:
            key, value = "letters", obj.owner_id
        elif isinstance(obj, NoticeAssignment):
            key, value = "parts", obj.id
        elif isinstance(obj, Enterprise) and obj in session.dirty:
            key, value = "enterprises", obj.id
        elif isinstance(obj, AuditNotice) and obj in session.dirty:
            key, value = "notices", obj.id
        else:
            continue
        pending = pending or _pending(session)
        pending[key].add(obj if value is None else value)


def _letters_of(session: Session, pending: dict[str, set]) -> set[int]:
    connection = session.connection()

    def ids(values: set) -> list[int]:  # objects new in this flush got their id meanwhile
        return [v if isinstance(v, int) else v.id for v in values if v is not None]

    letters = set(ids(pending["letters"]))
    if projects := ids(pending["projects"]):
        letters |= set(connection.scalars(select(AuditProject.letter_id).where(AuditProject.id.in_(projects))))
    if parts := ids(pending["parts"]):
        found = connection.execute(select(NoticeAssignment.notice_id, NoticeAssignment.division_code)
                                .where(NoticeAssignment.id.in_(parts))).all()
        for notice_id, code in found:
            letters |= set(connection.scalars(select(NoticeLetter.id).where(NoticeLetter.notice_id == notice_id,
                                                                         NoticeLetter.county_code == code)))
    if enterprises := ids(pending["enterprises"]):
        letters |= set(connection.scalars(select(NoticeLetter.id).where(NoticeLetter.enterprise_id.in_(enterprises))))
    if notices := ids(pending["notices"]):
        letters |= set(connection.scalars(select(NoticeLetter.id).where(NoticeLetter.notice_id.in_(notices))))
    return letters


@event.listens_for(Session, "after_flush_postexec")
def _bring_up_to_date(session: Session, flush_context) -> None:  # noqa: ARG001
    """Recompute the rows of the letters this flush touched, in the same transaction, so that a query
    later in the same unit of work already sees them."""
    pending = session.info.pop(_DIRTY, None)
    if pending and any(pending.values()):
        refresh(session, _letters_of(session, pending))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_DIRTY, None)
