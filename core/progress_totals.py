"""letter_progress added up per campaign, county and industry 大类 (progress_totals), kept current by
the same refresh that writes letter_progress, in the same transaction.

统计分析, the campaign's milestones and the statistics of a notice add up tens of thousands of
letter_progress rows at ten times a province (issue 13: 132 ms of the dashboard's 233 ms). Stored
per (campaign, county, 大类) the same answers read a few thousand rows at most.

The table is kept by increments, not by recomputing a group: each refresh compares the letters'
old and new rows and adds the difference to their groups with one upsert per group
(``col = col + delta``). Two transactions moving letters of one county at the same time then
serialise on the group's row and both increments land, where a recomputation could write a total
that misses the other's change. `verify()` recomputes the table from letter_progress.

due_totals is kept the same way: letters per campaign, county and the due date of their earliest
unmet milestone (letter_progress.next_due). The home pages' reminders count what is overdue or due
soon, and find the 20 most urgent, from it (at 50x a province's reminders counted and sorted 255k
letters on every rerun).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import Connection, Date, Float, Integer, String, case, cast, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.counters import add_to
from core.models import Base

# The letter_progress flags counted here (core.progress.STAGE_KEYS and the publication flag); a test
# keeps them in step.
COUNTED = ("notified", "accepted", "startup", "evaluation_applied", "evaluation_passed", "acceptance_applied",
           "acceptance_passed", "disclosed")
# Letters whose 预审核 / 验收 对标 sheet was saved, and of them those whose level met the campaign's target
# (core.grading_stats).
GRADED = ("graded_before", "met_before", "graded_after", "met_after")
# The project's 排污许可证 record (core.permits) confirmed by the county, or recorded with the requirement
# written and awaiting confirmation (许可与公开跟踪's figures; the rest have none or lack the requirement).
PERMIT = ("permit_confirmed", "permit_pending")
# Letters whose stamped scan (盖章扫描件) is uploaded: the notice's 任务统计.
LETTER_FLAGS = ("stamped",)
# For the work summary (core.summary): letters by the status of their latest evaluation / acceptance case
# (in review: submitted, in review or returned), and their options ledgers added up.
IN_REVIEW = ("submitted", "in_review", "returned")
LATEST = {f"latest_{kind}_{name}": (kind, statuses) for kind in ("evaluation", "acceptance")
          for name, statuses in (("passed", ("passed",)), ("failed", ("failed",)), ("in_review", IN_REVIEW))}
OPTION_COUNTS = ("low_cost", "high_cost", "implemented", "low_cost_implemented", "high_cost_implemented")
OPTION_FIGURES = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "other_reduced",
                  "energy_saved")
INTEGERS = ("total", *COUNTED, *GRADED, *PERMIT, *LETTER_FLAGS, *LATEST, *OPTION_COUNTS)
GROUP = ("notice_id", "county_code", "industry_major")


class _Counts:
    """The figures both tables keep (a mixin: each table gets its own columns)."""

    total: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    startup: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_applied: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_passed: Mapped[int] = mapped_column(Integer, default=0)
    acceptance_applied: Mapped[int] = mapped_column(Integer, default=0)
    acceptance_passed: Mapped[int] = mapped_column(Integer, default=0)
    disclosed: Mapped[int] = mapped_column(Integer, default=0)
    graded_before: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    met_before: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    graded_after: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    met_after: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    permit_confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    permit_pending: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stamped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    latest_evaluation_passed: Mapped[int] = mapped_column(Integer, default=0)
    latest_evaluation_failed: Mapped[int] = mapped_column(Integer, default=0)
    latest_evaluation_in_review: Mapped[int] = mapped_column(Integer, default=0)
    latest_acceptance_passed: Mapped[int] = mapped_column(Integer, default=0)
    latest_acceptance_failed: Mapped[int] = mapped_column(Integer, default=0)
    latest_acceptance_in_review: Mapped[int] = mapped_column(Integer, default=0)
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


class ProgressTotal(_Counts, Base):
    """How many letters of one campaign, county and 大类 there are and how many reached each stage."""

    __tablename__ = "progress_totals"

    notice_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    industry_major: Mapped[str] = mapped_column(String(2), primary_key=True)  # "" when unknown
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)


class CountyTotal(_Counts, Base):
    """progress_totals added up over the 大类: per campaign and county, a few hundred rows instead of ten
    thousand, for the figures that do not break down by industry (统计分析's funnel by area, its 对标 counts,
    the campaign's milestones): a third of the dashboard's server CPU read the 大类 groups (py-spy)."""

    __tablename__ = "county_totals"

    notice_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)


class DueTotal(Base):
    """How many letters of one campaign and county have their earliest unmet milestone due on one day."""

    __tablename__ = "due_totals"

    notice_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    next_due: Mapped[date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    letters: Mapped[int] = mapped_column(Integer, default=0)


DUE_GROUP = ("notice_id", "county_code", "next_due")


def _key(row: Mapping) -> tuple:
    return tuple(row[k] for k in GROUP)


def _status(value) -> str | None:
    return getattr(value, "value", value)


def apply(connection: Connection, old_rows: Iterable[Mapping], new_rows: Iterable[Mapping]) -> None:
    """Add the difference between letters' old and new letter_progress rows to their groups."""
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    due: dict[tuple, Counter] = defaultdict(Counter)
    places: dict[str, tuple[str, str]] = {}  # a county's city and province
    for sign, rows in ((-1, old_rows), (1, new_rows)):
        for row in rows:
            places[row["county_code"]] = (row["city_code"], row["province_code"])
            if row["next_due"] is not None:
                due[tuple(row[k] for k in DUE_GROUP)]["letters"] += sign
            change = deltas[_key(row)]
            change["total"] += sign
            for flag in (*COUNTED, *GRADED, *PERMIT, *LETTER_FLAGS):
                change[flag] += sign * int(bool(row[flag]))
            for column, (kind, statuses) in LATEST.items():
                change[column] += sign * int(_status(row[f"{kind}_status"]) in statuses)
            for column in (*OPTION_COUNTS, *OPTION_FIGURES):
                change[column] += sign * (row[column] or 0)
    by_county: dict[tuple, Counter] = defaultdict(Counter)
    for (notice_id, county_code, _), change in deltas.items():
        by_county[(notice_id, county_code)].update(change)
    # One order for every transaction (the 大类 groups, the counties, the due dates, each sorted): two
    # transactions never wait on each other in a ring.
    for table, key_columns, changes, columns in (
            (ProgressTotal.__table__, GROUP, deltas, (*INTEGERS, *OPTION_FIGURES)),
            (CountyTotal.__table__, ("notice_id", "county_code"), by_county, (*INTEGERS, *OPTION_FIGURES)),
            (DueTotal.__table__, DUE_GROUP, due, ("letters",))):
        for key in sorted(changes):
            change = changes[key]
            if not any(change.values()):
                continue
            city_code, province_code = places[key[1]]  # every key starts (notice, county)
            add_to(connection, table, dict(zip(key_columns, key, strict=True)),
                   {column: change[column] for column in columns},
                   {"city_code": city_code, "province_code": province_code})


def _computed(connection: Connection, by_industry: bool = True):
    """letter_progress added up per campaign, county and 大类 (or, by_industry=False, per campaign and county)."""
    from core.progress import LetterProgress as P  # core.progress calls into this module

    keys = (P.notice_id, P.county_code, P.industry_major) if by_industry else (P.notice_id, P.county_code)
    return connection.execute(
        select(*keys, func.min(P.city_code).label("city_code"),
               func.min(P.province_code).label("province_code"), func.count().label("total"),
               *(func.coalesce(func.sum(cast(getattr(P, flag), Integer)), 0).label(flag)
                 for flag in (*COUNTED, *GRADED, *PERMIT, *LETTER_FLAGS)),
               *(func.coalesce(func.sum(case((getattr(P, f"{kind}_status").in_(statuses), 1), else_=0)), 0)
                 .label(column) for column, (kind, statuses) in LATEST.items()),
               *(func.coalesce(func.sum(getattr(P, column)), 0).label(column) for column in OPTION_COUNTS),
               *(func.coalesce(func.sum(getattr(P, column)), 0.0).label(column) for column in OPTION_FIGURES))
        .group_by(*keys))


def _computed_due(connection: Connection):
    from core.progress import LetterProgress as P

    return connection.execute(
        select(P.notice_id, P.county_code, P.next_due, func.min(P.city_code).label("city_code"),
               func.min(P.province_code).label("province_code"), func.count().label("letters"))
        .where(P.next_due.is_not(None)).group_by(P.notice_id, P.county_code, P.next_due))


def rebuild(session: Session) -> int:
    """Recompute every group (of the three tables) from letter_progress (after progress.rebuild, or to repair)."""
    connection = session.connection()
    written = 0
    for table, computed in ((ProgressTotal.__table__, _computed),
                            (CountyTotal.__table__, lambda c: _computed(c, by_industry=False)),
                            (DueTotal.__table__, _computed_due)):
        connection.execute(delete(table))
        rows = [dict(r._mapping) for r in computed(connection)]
        if rows:
            connection.execute(insert(table), rows)
        written += len(rows)
    return written


_ROUNDING = 1e-6  # figures added up one increment at a time drift from a sum in one go by far less


def _same(stored: dict, expected: dict | None) -> bool:
    if expected is None:
        return False
    return all(math.isclose(stored[c], expected[c], rel_tol=1e-9, abs_tol=_ROUNDING) if c in OPTION_FIGURES
               else stored[c] == expected[c] for c in stored)


def verify(session: Session) -> list[tuple]:
    """The groups whose stored totals differ from letter_progress added up (empty: the table is right);
    a stored group counting nothing is the same as no group."""
    connection = session.connection()
    differences = []
    for table, by_industry, key in ((ProgressTotal.__table__, True, _key),
                                    (CountyTotal.__table__, False, lambda m: ("county", m["notice_id"],
                                                                              m["county_code"]))):
        differences += _differences(connection, table, _computed(connection, by_industry), key)
    return differences + _verify_due(connection)


def _differences(connection: Connection, table, computed_rows, key) -> list[tuple]:
    columns = ("city_code", "province_code", *INTEGERS, *OPTION_FIGURES)
    computed = {key(r._mapping): {c: r._mapping[c] for c in columns} for r in computed_rows}
    differences = []
    for r in connection.execute(select(table)):
        stored = {c: r._mapping[c] for c in columns}
        expected = computed.pop(key(r._mapping), None)
        if expected is None and not any(abs(stored[c]) > _ROUNDING for c in (*INTEGERS, *OPTION_FIGURES)):
            continue
        if not _same(stored, expected):
            differences.append((key(r._mapping), stored, expected))
    return differences + [(k, None, expected) for k, expected in computed.items()]


def _verify_due(connection: Connection) -> list[tuple]:
    """due_totals against letter_progress; a group of 0 letters is the same as none."""
    columns = ("city_code", "province_code", "letters")
    key = lambda m: ("due", *(m[k] for k in DUE_GROUP))  # noqa: E731
    computed = {key(r._mapping): {c: r._mapping[c] for c in columns} for r in _computed_due(connection)}
    differences = []
    for r in connection.execute(select(DueTotal.__table__)):
        stored = {c: r._mapping[c] for c in columns}
        expected = computed.pop(key(r._mapping), None)
        if expected is None and stored["letters"] == 0:
            continue
        if stored != expected:
            differences.append((key(r._mapping), stored, expected))
    return differences + [(k, None, expected) for k, expected in computed.items()]
