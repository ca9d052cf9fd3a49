"""The entries of each roster task counted per county (roster_counts), kept with the entries themselves.

名单核定's screens count a part's entries on every rerun: the pager of its list, the table of its counties'
or cities' progress (名单企业 / 列入 / 标注否 / 增补 / 变更企业) and the review's list of changes. Counted
from roster_entries these grow with the province (at 50x a province's part holds 255k entries and its
核定情况 counted every city's twice, 483 ms). Stored per (task, county) they are a few hundred rows.

变更企业 depends on who looks: a part's reviewer weighs the changes of its own department and of those
below it (core.roster_reading.corrected_within). An entry is changed for a level when it is marked 否,
was added (增补), or its facts were corrected (修正) by that level or one below; roster_entries notes who
corrected it (corrected_by_county / _city / _province, set by core.roster_list.correct), and the counts
keep one figure per level.

Every write to roster_entries goes through the ORM (core.roster_list); the counts are kept by increments
in the flush that writes the entry (two departments of one county at once both land, as in
core.progress_totals), rebuilt after a bulk load (bench/synthetic.py) and checked by verify().
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from sqlalchemy import Connection, Integer, String, and_, case, delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.counters import add_to
from core.models import Base, Tier
from core.workflow_models import RosterAssignment, RosterEntry

LEVELS = ("county", "city", "province")
# The levels whose corrections each reviewing level weighs: its own and those below it.
WEIGHED = {"county": ("county",), "city": ("county", "city"), "province": ("county", "city", "province")}
FIGURES = ("total", "kept", "added", *(f"changed_{level}" for level in LEVELS))
_PENDING = "roster_counts_pending"


class RosterCount(Base):
    """How many entries one roster task holds in one county, and how many of them are what."""

    __tablename__ = "roster_counts"

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[int] = mapped_column(Integer, default=0)  # 列入 (not marked 否)
    added: Mapped[int] = mapped_column(Integer, default=0)  # 增补 by a department
    changed_county: Mapped[int] = mapped_column(Integer, default=0)  # 变更企业 as the county weighs them
    changed_city: Mapped[int] = mapped_column(Integer, default=0)
    changed_province: Mapped[int] = mapped_column(Integer, default=0)


def figures(values: Mapping) -> Counter:
    """What one entry adds to its county's counts (values: its columns)."""
    excluded, added = not values["included"], values["added_by_division"] is not None
    counted = Counter(total=1, kept=int(not excluded), added=int(added))
    for level in LEVELS:
        corrected = any(values[f"corrected_by_{below}"] for below in WEIGHED[level])
        counted[f"changed_{level}"] = int(excluded or added or corrected)
    return counted


COLUMNS = ("included", "added_by_division", *(f"corrected_by_{level}" for level in LEVELS))


def _values(entry: RosterEntry, when: str) -> dict:
    """The entry's counted columns now ("new") or as the database had them before this flush ("old")."""
    state = inspect(entry)
    values = {}
    for column in COLUMNS:
        history = state.attrs[column].history
        if when == "new":
            values[column] = getattr(entry, column)
        else:  # the deleted value if it was changed, else the unchanged one
            values[column] = (history.deleted or history.unchanged or [getattr(entry, column)])[0]
    return values


@event.listens_for(Session, "after_flush")
def _note(session: Session, flush_context) -> None:  # noqa: ARG001
    """The flush's entries, before and after it (the session still shows its pre-flush state here)."""
    changes = []
    for entry in session.new:
        if isinstance(entry, RosterEntry):
            changes.append((entry, 1, _values(entry, "new")))
    for entry in session.deleted:
        if isinstance(entry, RosterEntry):
            changes.append((entry, -1, _values(entry, "old")))
    for entry in session.dirty:
        if isinstance(entry, RosterEntry) and session.is_modified(entry):
            changes.append((entry, -1, _values(entry, "old")))
            changes.append((entry, 1, _values(entry, "new")))
    if not changes:
        return
    pending = session.info.setdefault(_PENDING, {"deltas": defaultdict(Counter), "cities": {}})
    for entry, sign, values in changes:
        key = (entry.task_id, entry.county_code)
        pending["cities"][key] = entry.city_code
        for name, value in figures(values).items():
            pending["deltas"][key][name] += sign * value


@event.listens_for(Session, "after_flush_postexec")
def _apply_pending(session: Session, flush_context) -> None:  # noqa: ARG001
    pending = session.info.pop(_PENDING, None)
    if pending:
        apply(session.connection(), pending["deltas"], pending["cities"])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)


def apply(connection: Connection, deltas: Mapping[tuple, Counter], cities: Mapping[tuple, str]) -> None:
    """Add the deltas to their counties' rows (one upsert each, in one order for every transaction)."""
    for key in sorted(deltas):
        change = deltas[key]
        if any(change.values()):
            add_to(connection, RosterCount.__table__, {"task_id": key[0], "county_code": key[1]},
                   {name: change[name] for name in FIGURES}, {"city_code": cities[key]})


def _computed(connection: Connection):
    e = RosterEntry
    excluded_or_added = or_(e.included.is_(False), e.added_by_division.is_not(None))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return connection.execute(
        select(e.task_id, e.county_code, func.min(e.city_code).label("city_code"), func.count().label("total"),
               count(e.included.is_(True)).label("kept"), count(e.added_by_division.is_not(None)).label("added"),
               *(count(or_(excluded_or_added, *(getattr(e, f"corrected_by_{below}").is_(True)
                                                 for below in WEIGHED[level]))).label(f"changed_{level}")
                 for level in LEVELS))
        .group_by(e.task_id, e.county_code))


def rebuild(session: Session) -> int:
    """Recompute every county's counts from roster_entries (after a bulk load, or to repair)."""
    connection = session.connection()
    connection.execute(delete(RosterCount.__table__))
    rows = [dict(r._mapping) for r in _computed(connection)]
    if rows:
        connection.execute(insert(RosterCount.__table__), rows)
    return len(rows)


def verify(session: Session) -> list[tuple]:
    """The counties whose stored counts differ from their entries counted again (empty: all right); a
    stored row counting nothing is the same as none."""
    connection = session.connection()
    computed = {(r.task_id, r.county_code): {n: getattr(r, n) for n in ("city_code", *FIGURES)}
                for r in _computed(connection)}
    differences = []
    for r in connection.execute(select(RosterCount.__table__)):
        stored = {n: getattr(r, n) for n in ("city_code", *FIGURES)}
        expected = computed.pop((r.task_id, r.county_code), None)
        if expected is None and not any(stored[n] for n in FIGURES):
            continue
        if stored != expected:
            differences.append(((r.task_id, r.county_code), stored, expected))
    return differences + [(key, None, expected) for key, expected in computed.items()]


def area(part: RosterAssignment):
    """SQL predicate on RosterCount: the counties of a part, as core.roster_list.area_filter selects its
    entries (its task, and its province, city or county)."""
    if part.level is Tier.PROVINCE:
        return RosterCount.task_id == part.task_id
    column = RosterCount.city_code if part.level is Tier.CITY else RosterCount.county_code
    return and_(RosterCount.task_id == part.task_id, column == part.division_code)
