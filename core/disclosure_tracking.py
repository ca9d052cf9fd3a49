"""许可与公开跟踪: the departments' list of their enterprises' permit records and disclosures per campaign;
an enterprise is overdue when nothing is published after the notice's register_due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.disclosure_models import (
    DisclosureRecord,
    PermitClass,
    PermitRecord,
)
from core.disclosure import (
    CONFIRMED,
    MISSING,
    NOT_WRITTEN,
    PENDING,
    PERMIT_STATUS_LABELS,
)
from core.errors import ValidationError
from core.jurisdiction import require_department
from core.models import Division, Enterprise, Tier, User
from core.notice_models import AuditNotice, NoticeLetter
from core.project_models import AuditProject
from core.startup_fields import today
from core.stats import StatsFilter, letter_query



# --- the departments' tracking list --------------------------------------------------------------

@dataclass(frozen=True)
class TrackingRow:
    letter_id: int
    project_id: int | None  # None until the enterprise accepted its task
    project_number: str | None
    enterprise: str
    county: str
    campaign: str
    status: str  # permit status key
    permit_number: str | None
    management_class: PermitClass | None
    written_on: date | None
    recorded_by_tier: Tier | None
    disclosures: int
    latest_disclosure: date | None
    register_due: date
    days_overdue: int  # > 0: nothing published and register_due passed that many days ago

    @property
    def status_label(self) -> str:
        return PERMIT_STATUS_LABELS[self.status]

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def recorded_by_label(self) -> str:
        if self.recorded_by_tier is None:
            return ""
        return "企业" if self.recorded_by_tier is Tier.ENTERPRISE else "区县部门"


def tracking(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, status: str | None = None,
             overdue_only: bool = False, on: date | None = None) -> list[TrackingRow]:
    """The jurisdiction's enterprises (one row per enterprise per campaign) with their permit status and
    disclosures; `status` keeps one permit status, `overdue_only` those with nothing published after
    the campaign's register_due (as of `on`, default today in Hebei)."""
    require_department(actor, "许可与公开跟踪")
    if status is not None and status not in PERMIT_STATUS_LABELS:
        raise ValidationError("请选择排污许可证状态", field="status")
    on = on or today()
    recorder = aliased(User)
    published = (select(DisclosureRecord.project_id.label("project_id"), func.count().label("count"),
                        func.max(DisclosureRecord.published_on).label("latest"))
                 .group_by(DisclosureRecord.project_id).subquery("published"))
    columns = [NoticeLetter.id.label("letter_id"), AuditProject.id.label("project_id"),
               AuditProject.project_number, Enterprise.name.label("enterprise"), Division.short_name.label("county"),
               AuditNotice.name.label("campaign"), AuditNotice.register_due, PermitRecord.id.label("permit_id"),
               PermitRecord.permit_number, PermitRecord.management_class, PermitRecord.requirement_written,
               PermitRecord.written_on, PermitRecord.confirmed_at, recorder.tier.label("recorder_tier"),
               published.c.count.label("disclosures"), published.c.latest.label("latest")]
    stmt, _ = letter_query(actor, flt, columns, with_notice=True)
    stmt = (stmt.outerjoin(PermitRecord, PermitRecord.project_id == AuditProject.id)
            .outerjoin(recorder, recorder.id == PermitRecord.recorded_by_user_id)
            .outerjoin(published, published.c.project_id == AuditProject.id)
            .order_by(Division.code, Enterprise.name, NoticeLetter.id))
    rows = []
    for r in session.execute(stmt):
        if r.permit_id is None:
            state = MISSING
        elif not r.requirement_written:
            state = NOT_WRITTEN
        else:
            state = CONFIRMED if r.confirmed_at else PENDING
        count = int(r.disclosures or 0)
        late = max(0, (on - r.register_due).days) if not count else 0
        row = TrackingRow(r.letter_id, r.project_id, r.project_number, r.enterprise, r.county, r.campaign, state,
                          r.permit_number, r.management_class, r.written_on, r.recorder_tier, count, r.latest,
                          r.register_due, late)
        if (status is None or row.status == status) and (not overdue_only or row.overdue):
            rows.append(row)
    return rows
