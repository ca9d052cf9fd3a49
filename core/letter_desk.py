"""What the county's 告知书 step reads: every letter's key facts (to issue them and pick one for its stamped
scan) as plain tuples, and its table a page at a time.

A county works letter by letter, so the step needs every letter's id and version (core.letter_issue
refuses a letter changed since the page showed it); loading them as ORM objects with their enterprises,
scans and a table of all of them grew with the county (1,021 letters at 50x Hebei: 131 ms a rerun).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Enterprise
from core.notice import is_stamped, stamped_scans
from core.notice_models import NoticeAssignment, NoticeLetter


@dataclass(frozen=True)
class LetterKey:
    id: int
    version: int
    number: str
    enterprise_name: str
    generated: bool  # issued at least once
    stamped: bool  # its stamped scan is uploaded


def _of_county(part: NoticeAssignment):
    return NoticeLetter.notice_id == part.notice_id, NoticeLetter.county_code == part.division_code


def keys(session: Session, part: NoticeAssignment) -> list[LetterKey]:
    """Every letter of the county's part, by number."""
    rows = session.execute(
        select(NoticeLetter.id, NoticeLetter.version, NoticeLetter.letter_number, Enterprise.name,
               NoticeLetter.generated_at, is_stamped())
        .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
        .where(*_of_county(part)).order_by(NoticeLetter.letter_number))
    return [LetterKey(i, version, number, name, generated_at is not None, bool(stamped))
            for i, version, number, name, generated_at, stamped in rows]


def page(session: Session, part: NoticeAssignment, *, offset: int = 0, limit: int = 50) -> list[dict]:
    """One page of the step's table: number, enterprise, issuing, current stamped scan, the project's contact."""
    rows = session.execute(
        select(NoticeLetter.id, NoticeLetter.letter_number, Enterprise.name, NoticeLetter.generated_at,
               NoticeLetter.generation_count, NoticeLetter.project_leader, NoticeLetter.leader_mobile)
        .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
        .where(*_of_county(part)).order_by(NoticeLetter.letter_number).offset(offset).limit(limit)).all()
    scans = stamped_scans(session, [r.id for r in rows])
    return [{"id": r.id, "number": r.letter_number, "enterprise_name": r.name, "generated_at": r.generated_at,
             "generation_count": r.generation_count, "scan_name": scans[r.id].original_name if r.id in scans else None,
             "project_leader": r.project_leader, "leader_mobile": r.leader_mobile} for r in rows]
