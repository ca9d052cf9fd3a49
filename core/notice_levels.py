"""What each level of an audit notice asks of one enterprise: the province's, the city's and the county's
requirements, files and contact, as the enterprise reads them before it accepts its task (seed 000 §4.1).

Only through the enterprise's own letter, and only once its county has dispatched the notice: the
chain is the county's part and the parts above it, never another area's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, notice
from core.demo import department_name
from core.models import Division, Tier
from core.notice_models import NoticeAssignment
from core.workflow_models import Attachment

LEVEL_LABELS = {Tier.PROVINCE: "省级", Tier.CITY: "市级", Tier.COUNTY: "县级"}


@dataclass(frozen=True)
class LevelInfo:
    tier: Tier
    label: str  # 省级 / 市级 / 县级
    department: str
    requirements: str
    contact_person: str
    contact_phone: str
    files: list[Attachment]


def task_levels(session: Session, actor, letter_id: int) -> list[LevelInfo]:
    """Province, city, county: each level's part of the notice behind the enterprise's letter."""
    letter = notice.enterprise_letter(session, actor, letter_id)
    part = session.scalar(select(NoticeAssignment).where(NoticeAssignment.notice_id == letter.notice_id,
                                                         NoticeAssignment.division_code == letter.county_code))
    chain: list[NoticeAssignment] = []
    while part is not None:
        chain.insert(0, part)
        part = notice.parent_of(session, part)
    row = chain[0].notice
    levels = []
    for part in chain:
        city = session.get(Division, part.division.city_code) if part.division.city_code else None
        name = department_name(part.division, city)
        if part.level is Tier.PROVINCE:
            levels.append(LevelInfo(part.level, LEVEL_LABELS[part.level], name, row.requirements, row.contact_person,
                                    row.contact_phone, attachments.of(session, notice.OWNER_NOTICE, row.id)))
        else:
            levels.append(LevelInfo(part.level, LEVEL_LABELS[part.level], name, part.requirements, part.contact_person,
                                    part.contact_phone, attachments.of(session, notice.OWNER_PART, part.id)))
    return levels
