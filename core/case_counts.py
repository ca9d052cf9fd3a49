"""The evaluation and acceptance cases counted per county, kind, status and step (case_counts), kept with
the cases themselves.

业务办理 and the home page count a department's cases on every rerun: all of its jurisdiction, filtered by
kind and status, and those waiting for it. Counted from the cases (joined to their enterprise's county)
this grew with the province: 528 ms at 50x for the province's 业务办理·全部 (123k cases). Stored per
(county, kind, status, managing tier, step) the same counts read a few thousand rows at most.

Every write of a case goes through the ORM (core.applications, core.cases, core.review…); the counts are
kept by increments in the flush that writes the case (as core.progress_totals keeps its groups), rebuilt
after a bulk load (bench/synthetic.py) and checked by verify(). An enterprise's county never changes once
it has cases (no screen moves an enterprise), so a case stays in its county's rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import Connection, Integer, String, delete, event, func, inspect, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.counters import add_to
from core.models import Base, Division, Enterprise
from core.project_models import AuditProject, Case

KEY = ("kind", "status", "managing_tier", "step")
_PENDING = "case_counts_pending"


class CaseTotal(Base):
    """How many cases of one county are of one kind, in one status, at one step of one route."""

    __tablename__ = "case_counts"

    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    managing_tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    step: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The county's city (the county itself for a city's own enterprises) and province: a jurisdiction is
    # one predicate, as for core.progress_totals.
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


def _value(value) -> str:
    return getattr(value, "value", value)


def _state(case: Case, when: str) -> tuple:
    """The case's (kind, status, managing tier, step) after this flush ("new") or before it ("old")."""
    state = inspect(case)
    values = []
    for column in KEY:
        history = state.attrs[column].history
        if when == "new":
            values.append(_value(getattr(case, column)))
        else:
            values.append(_value((history.deleted or history.unchanged or [getattr(case, column)])[0]))
    return tuple(values)


@event.listens_for(Session, "after_flush")
def _note(session: Session, flush_context) -> None:  # noqa: ARG001
    """The flush's cases before and after it (the session still shows its pre-flush state here)."""
    changes = []
    for case in session.new:
        if isinstance(case, Case):
            changes.append((case.project_id, 1, _state(case, "new")))
    for case in session.deleted:
        if isinstance(case, Case):
            changes.append((case.project_id, -1, _state(case, "old")))
    for case in session.dirty:
        if isinstance(case, Case) and session.is_modified(case):
            old, new = _state(case, "old"), _state(case, "new")
            if old != new:
                changes += [(case.project_id, -1, old), (case.project_id, 1, new)]
    if changes:
        session.info.setdefault(_PENDING, []).extend(changes)


@event.listens_for(Session, "after_flush_postexec")
def _apply_pending(session: Session, flush_context) -> None:  # noqa: ARG001
    changes = session.info.pop(_PENDING, None)
    if not changes:
        return
    connection = session.connection()
    places = {row.id: (row.code, row.city_code, row.province_code) for row in connection.execute(
        select(AuditProject.id, Division.code, func.coalesce(Division.city_code, Division.code).label("city_code"),
               Division.province_code)
        .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
        .join(Division, Division.code == Enterprise.division_code)
        .where(AuditProject.id.in_({project_id for project_id, _, _ in changes})))}
    deltas: Counter = Counter()
    for project_id, sign, key in changes:
        deltas[(places[project_id], key)] += sign
    apply(connection, deltas)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)


def apply(connection: Connection, deltas: Mapping[tuple, int]) -> None:
    """Add each delta to its row (one upsert each, in one order for every transaction)."""
    for place, key in sorted(deltas):
        if deltas[(place, key)]:
            county, city, province = place
            add_to(connection, CaseTotal.__table__, {"county_code": county, **dict(zip(KEY, key, strict=True))},
                   {"cases": deltas[(place, key)]}, {"city_code": city, "province_code": province})


def _computed(connection: Connection):
    return connection.execute(
        select(Division.code.label("county_code"), *(getattr(Case, k).label(k) for k in KEY),
               func.min(func.coalesce(Division.city_code, Division.code)).label("city_code"),
               func.min(Division.province_code).label("province_code"), func.count().label("cases"))
        .select_from(Case)
        .join(AuditProject, AuditProject.id == Case.project_id)
        .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
        .join(Division, Division.code == Enterprise.division_code)
        .group_by(Division.code, *(getattr(Case, k) for k in KEY)))


def _rows(connection: Connection) -> dict[tuple, dict]:
    return {(r.county_code, *(_value(getattr(r, k)) for k in KEY)):
            {"city_code": r.city_code, "province_code": r.province_code, "cases": r.cases}
            for r in _computed(connection)}


def rebuild(session: Session) -> int:
    """Recompute every row from the cases (after a bulk load, or to repair)."""
    connection = session.connection()
    connection.execute(delete(CaseTotal.__table__))
    rows = [{"county_code": key[0], **dict(zip(KEY, key[1:], strict=True)), **values}
            for key, values in _rows(connection).items()]
    if rows:
        connection.execute(insert(CaseTotal.__table__), rows)
    return len(rows)


def verify(session: Session) -> list[tuple]:
    """The rows whose stored count differs from the cases counted again (empty: all right); a stored row
    counting nothing is the same as none."""
    connection = session.connection()
    computed = _rows(connection)
    differences = []
    for r in connection.execute(select(CaseTotal.__table__)):
        key = (r.county_code, *(getattr(r, k) for k in KEY))
        stored = {"city_code": r.city_code, "province_code": r.province_code, "cases": r.cases}
        expected = computed.pop(key, None)
        if expected is None and not r.cases:
            continue
        if stored != expected:
            differences.append((key, stored, expected))
    return differences + [(key, None, expected) for key, expected in computed.items()]
