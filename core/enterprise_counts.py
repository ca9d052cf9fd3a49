"""The enterprises counted per county (enterprise_counts), kept with the directory itself.

The home page's 辖区企业 and the directory's unfiltered total counted the jurisdiction's enterprises on
every rerun (21 ms of the province's home page at 50x, growing with the province). Stored per division
they are a couple of hundred rows. Kept by increments in the flush that adds, removes or moves an
enterprise (as core.progress_totals keeps its groups), rebuilt after a bulk load and checked by verify().
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, Integer, String, delete, event, func, inspect, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.counters import add_to
from core.models import Base, Division, Enterprise

_PENDING = "enterprise_counts_pending"


class EnterpriseCount(Base):
    """How many enterprises one division (a county, or a city's own) holds."""

    __tablename__ = "enterprise_counts"

    division_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    # The division's city (itself for a city) and province, as core.jurisdiction.division_scope reads them.
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Session, "after_flush")
def _note(session: Session, flush_context) -> None:  # noqa: ARG001
    deltas: Counter = Counter()
    for enterprise in session.new:
        if isinstance(enterprise, Enterprise):
            deltas[enterprise.division_code] += 1
    for enterprise in session.deleted:
        if isinstance(enterprise, Enterprise):
            history = inspect(enterprise).attrs.division_code.history
            deltas[(history.deleted or history.unchanged or [enterprise.division_code])[0]] -= 1
    for enterprise in session.dirty:
        if isinstance(enterprise, Enterprise):
            history = inspect(enterprise).attrs.division_code.history
            if history.deleted and history.added:
                deltas[history.deleted[0]] -= 1
                deltas[history.added[0]] += 1
    if any(deltas.values()):
        session.info.setdefault(_PENDING, Counter()).update(deltas)


@event.listens_for(Session, "after_flush_postexec")
def _apply_pending(session: Session, flush_context) -> None:  # noqa: ARG001
    deltas = session.info.pop(_PENDING, None)
    if deltas:
        apply(session.connection(), deltas)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)


def apply(connection: Connection, deltas: Counter) -> None:
    """Add each delta to its division's row (one upsert each, in one order for every transaction)."""
    codes = [code for code in sorted(deltas) if deltas[code]]
    if not codes:
        return
    places = {row.code: row for row in connection.execute(
        select(Division.code, func.coalesce(Division.city_code, Division.code).label("city_code"),
               Division.province_code).where(Division.code.in_(codes)))}
    for code in codes:
        add_to(connection, EnterpriseCount.__table__, {"division_code": code}, {"enterprises": deltas[code]},
               {"city_code": places[code].city_code, "province_code": places[code].province_code})


def _computed(connection: Connection) -> dict[str, dict]:
    return {r.division_code: {"city_code": r.city_code, "province_code": r.province_code,
                              "enterprises": r.enterprises} for r in connection.execute(
        select(Division.code.label("division_code"),
               func.min(func.coalesce(Division.city_code, Division.code)).label("city_code"),
               func.min(Division.province_code).label("province_code"), func.count().label("enterprises"))
        .select_from(Enterprise).join(Division, Division.code == Enterprise.division_code).group_by(Division.code))}


def rebuild(session: Session) -> int:
    """Recompute every division's count from the enterprises (after a bulk load, or to repair)."""
    connection = session.connection()
    connection.execute(delete(EnterpriseCount.__table__))
    rows = [{"division_code": code, **values} for code, values in _computed(connection).items()]
    if rows:
        connection.execute(insert(EnterpriseCount.__table__), rows)
    return len(rows)


def verify(session: Session) -> list[tuple]:
    """The divisions whose stored count differs from their enterprises counted again (empty: all right)."""
    connection = session.connection()
    computed = _computed(connection)
    differences = []
    for r in connection.execute(select(EnterpriseCount.__table__)):
        stored = {"city_code": r.city_code, "province_code": r.province_code, "enterprises": r.enterprises}
        expected = computed.pop(r.division_code, None)
        if expected is None and not r.enterprises:
            continue
        if stored != expected:
            differences.append((r.division_code, stored, expected))
    return differences + [(code, None, expected) for code, expected in computed.items()]
