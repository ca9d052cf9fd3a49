"""Benchmark of the statistics screens over a synthetic province ten times Hebei's campaign.

Builds (once, cached in the database file) 50,000 enterprises in two campaigns with their letters,
projects, 500,000 stage records, cases, options and 对标 sheets, then prints for the dashboard (统计分析, as the
province) and the largest list page (企业名录, as the province, first page of all enterprises):
the server-side render time of the page (Streamlit's AppTest, median of several reruns), the time of
the same aggregates written as raw SQL, and a bare Streamlit page's time, with the ratio
page / (bare page + raw SQL). Aim: ≤ 1.5.

Run from the project root:  .venv/bin/python bench/dashboard_bench.py [--rebuild] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script

ENTERPRISES = 50_000
STAGE_RECORDS = 500_000
RUNS = 7


def _setup_env(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("QJSC_BCRYPT_ROUNDS", "4")
    os.environ.setdefault("QJSC_UPLOAD_DIR", str(db_path.parent / "uploads"))


def build(db_path: Path) -> None:
    """The synthetic province, inserted in bulk (Core executemany), in a few tens of seconds."""
    from sqlalchemy import insert, select

    from core.db import unit_of_work
    from core.indicator_models import GradingSheet, IndicatorSystem, SheetPhase
    from core.models import Division, Enterprise, Industry, ManagingTier, Tier, User
    from core.notice_models import AuditNotice, NoticeAssignment, NoticeLetter, NoticeStatus
    from core.project_models import (AuditProject, Case, CaseKind, CaseStatus, CaseStep, CleanerOption,
                                     OptionKind, OptionStatus, StageRecord)
    from core.setup import prepare
    from core.stages import STAGES
    from core.workflow_models import RosterTask

    db_path.unlink(missing_ok=True)
    prepare(demo=True)
    rnd = random.Random(2026)
    items = [(s.key, i.key) for s in STAGES for i in s.items]
    with unit_of_work() as s:
        counties = list(s.scalars(select(Division.code).where(Division.level == Tier.COUNTY)))
        classes = list(s.scalars(select(Industry.code).where(Industry.level == "class",
                                                             Industry.code.between("1300", "4699"))))
        province = s.scalar(select(User).where(User.login == "130000"))
        notices = []
        for batch in ("第一批", "第二批"):
            task = RosterTask(name=f"合成{batch}名单", batch=batch, deadline=date(2026, 12, 31),
                              province_code="130000", created_by_user_id=province.id)
            s.add(task)
            s.flush()
            start = date(2026, 3, 1) if batch == "第一批" else date(2026, 9, 1)
            notice = AuditNotice(roster_task_id=task.id, doc_number=f"冀环科〔2026〕{len(notices) + 1}号", batch=batch,
                                 name=f"2026年合成省份{batch}清洁生产审核", publish_date=start,
                                 deadline=start + timedelta(days=300), contact_person="王贵磊",
                                 contact_phone="0311-87908917", province_code="130000",
                                 created_by_user_id=province.id,
                                 **{k: start + timedelta(days=30 * (i + 1)) for i, k in enumerate(
                                     ("letters_due", "register_due", "plan_due", "evaluation_due",
                                      "acceptance_apply_due", "acceptance_due", "summary_due"))})
            s.add(notice)
            s.flush()
            notices.append(notice.id)
            s.execute(insert(NoticeAssignment), [
                {"notice_id": notice.id, "division_code": c, "level": Tier.COUNTY, "parent_id": None,
                 "status": NoticeStatus.DISPATCHED if rnd.random() < 0.9 else NoticeStatus.PENDING_DISPATCH}
                for c in counties])
        first_id = (s.scalar(select(Enterprise.id).order_by(Enterprise.id.desc()).limit(1)) or 0) + 1
        s.execute(insert(Enterprise), [
            {"name": f"合成企业{i:05d}有限公司", "division_code": rnd.choice(counties),
             "industry_code": rnd.choice(classes),
             "managing_tier": ManagingTier.PROVINCE if rnd.random() < 0.1 else ManagingTier.CITY}
            for i in range(ENTERPRISES)])
        division_of = dict(s.execute(select(Enterprise.id, Enterprise.division_code)
                                     .where(Enterprise.id >= first_id)).all())
        letters = [{"notice_id": notices[i % 2], "enterprise_id": eid, "county_code": division_of[eid],
                    "letter_number": f"B{i:09d}",
                    "accepted_at": None if rnd.random() < 0.15 else province.created_at}
                   for i, eid in enumerate(sorted(division_of))]
        s.execute(insert(NoticeLetter), letters)
        accepted = list(s.execute(select(NoticeLetter.id, NoticeLetter.enterprise_id, NoticeLetter.notice_id)
                                  .where(NoticeLetter.accepted_at.is_not(None))))
        s.execute(insert(AuditProject), [
            {"letter_id": lid, "enterprise_id": eid, "notice_id": nid, "project_number": f"P{lid:012d}",
             "startup": {}, "startup_submitted_at": province.created_at if rnd.random() < 0.8 else None}
            for lid, eid, nid in accepted])
        projects = list(s.scalars(select(AuditProject.id)))
        per_project = STAGE_RECORDS // len(projects) + 1
        records, cases, options = [], [], []
        for pid in projects:
            for stage, item in items[:per_project]:
                records.append({"project_id": pid, "stage": stage, "item_key": item, "number_value": 1.0})
            r = rnd.random()
            if r < 0.6:
                cases.append({"project_id": pid, "kind": CaseKind.EVALUATION, "application": {},
                              "status": CaseStatus.PASSED if r < 0.45 else CaseStatus.IN_REVIEW,
                              "step": CaseStep.DONE if r < 0.45 else CaseStep.DOCUMENT_REVIEW})
            if r < 0.25:
                cases.append({"project_id": pid, "kind": CaseKind.ACCEPTANCE, "application": {},
                              "status": CaseStatus.PASSED if r < 0.15 else CaseStatus.SUBMITTED,
                              "step": CaseStep.DONE if r < 0.15 else CaseStep.COUNTY_INTAKE})
            for k in range(rnd.randint(0, 3)):
                options.append({"project_id": pid, "kind": OptionKind.HIGH_COST if k == 2 else OptionKind.LOW_COST,
                                "name": f"方案{k}", "stage": "option_generation",
                                "status": OptionStatus.IMPLEMENTED if rnd.random() < 0.6 else OptionStatus.PLANNED,
                                "investment": rnd.uniform(0, 200), "economic_benefit": rnd.uniform(0, 50),
                                "water_saved": rnd.uniform(0, 5000), "cod_reduced": rnd.uniform(0, 3),
                                "ammonia_reduced": rnd.uniform(0, 0.5), "energy_saved": rnd.uniform(0, 50)})
        records = records[:STAGE_RECORDS]
        for i in range(0, len(records), 50_000):
            s.execute(insert(StageRecord), records[i:i + 50_000])
        s.execute(insert(Case), cases)
        s.execute(insert(CleanerOption), options)
        # 对标 sheets: 40 % of the projects graded before the audit, a quarter after implementation.
        system_id = s.scalar(select(IndicatorSystem.id).limit(1))
        sheets = []
        for pid in projects:
            r = rnd.random()
            for phase, share in ((SheetPhase.BEFORE, 0.4), (SheetPhase.AFTER, 0.25)):
                if r < share:
                    level = rnd.choice(("I", "II", "III", None))
                    sheets.append({"project_id": pid, "phase": phase, "system_id": system_id, "figures": {},
                                   "level": level, "target_met": level in ("I", "II") and rnd.random() < 0.7})
        s.execute(insert(GradingSheet), sheets)
    print(f"built {ENTERPRISES} enterprises, {len(letters)} letters, {len(projects)} projects, "
          f"{len(records)} stage records, {len(cases)} cases, {len(options)} options")


RAW_DASHBOARD = """
WITH flags AS (
  SELECT project_id,
         MAX(CASE WHEN kind = 'evaluation' THEN 1 ELSE 0 END) AS ea,
         MAX(CASE WHEN kind = 'evaluation' AND status = 'passed' THEN 1 ELSE 0 END) AS ep,
         MAX(CASE WHEN kind = 'acceptance' THEN 1 ELSE 0 END) AS aa,
         MAX(CASE WHEN kind = 'acceptance' AND status = 'passed' THEN 1 ELSE 0 END) AS ap
  FROM cases GROUP BY project_id),
rows AS (
  SELECT {key} AS key,
         CASE WHEN a.status = 'dispatched' THEN 1 ELSE 0 END AS notified,
         CASE WHEN l.accepted_at IS NOT NULL THEN 1 ELSE 0 END AS accepted,
         CASE WHEN p.startup_submitted_at IS NOT NULL THEN 1 ELSE 0 END AS startup,
         COALESCE(f.ea, 0) AS ea, COALESCE(f.ep, 0) AS ep, COALESCE(f.aa, 0) AS aa, COALESCE(f.ap, 0) AS ap
  FROM notice_letters l
  JOIN enterprises e ON e.id = l.enterprise_id
  JOIN divisions d ON d.code = l.county_code
  LEFT JOIN notice_assignments a ON a.notice_id = l.notice_id AND a.division_code = l.county_code
  LEFT JOIN audit_projects p ON p.letter_id = l.id
  LEFT JOIN flags f ON f.project_id = p.id
  WHERE d.province_code = '130000')
SELECT key, COUNT(*), SUM(notified), SUM(accepted), SUM(startup), SUM(ea), SUM(ep), SUM(aa), SUM(ap)
FROM rows GROUP BY key
"""
RAW_TARGETS = """
SELECT 'all', SUM(CASE WHEN b.id IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN b.target_met = 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN a.target_met = 1 THEN 1 ELSE 0 END)
FROM notice_letters l
JOIN enterprises e ON e.id = l.enterprise_id
JOIN divisions d ON d.code = l.county_code
JOIN audit_projects p ON p.letter_id = l.id
LEFT JOIN grading_sheets b ON b.project_id = p.id AND b.phase = 'before'
LEFT JOIN grading_sheets a ON a.project_id = p.id AND a.phase = 'after'
WHERE d.province_code = '130000'
"""
RAW_CAMPAIGNS = """SELECT n.id, n.name, n.batch FROM audit_notices n WHERE n.id IN (
  SELECT DISTINCT l.notice_id FROM notice_letters l JOIN divisions d ON d.code = l.county_code
  WHERE d.province_code = '130000') ORDER BY n.id DESC"""
RAW_DIRECTORY = [
    """SELECT code, name FROM divisions WHERE province_code = '130000' AND level = 'county' ORDER BY code""",
    """SELECT i.code, i.name FROM industries i WHERE i.code IN (SELECT DISTINCT SUBSTR(e.industry_code, 1, 2)
       FROM enterprises e JOIN divisions d ON d.code = e.division_code WHERE d.province_code = '130000')
       ORDER BY i.code""",
    """SELECT COUNT(*) FROM enterprises e JOIN divisions d ON d.code = e.division_code
       WHERE d.province_code = '130000'""",
    """SELECT e.name, e.credit_code, d.short_name, e.industry_code, i.name, e.managing_tier, e.double_exceed,
              e.double_toxic FROM enterprises e JOIN divisions d ON d.code = e.division_code
       LEFT JOIN industries i ON i.code = e.industry_code WHERE d.province_code = '130000'
       ORDER BY d.code, e.name LIMIT 50 OFFSET 0""",
]


def timed(fn, runs: int = RUNS) -> float:
    """Median seconds of `runs` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def raw_sql(statements: list[str]) -> float:
    from sqlalchemy import text

    from core.db import get_engine

    def run():
        with get_engine().connect() as connection:
            for sql in statements:
                connection.execute(text(sql)).fetchall()
    return timed(run)


def page_time(page: str) -> float:
    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from core import auth
    from core.db import unit_of_work
    from core.models import User

    with unit_of_work() as session:
        province = session.scalar(select(User).where(User.login == "130000"))
        province.must_change_password = False
        token = auth.open_session(session, province)
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=600)
    at.session_state["session_token"] = token
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception

    def rerun():
        at.run()
        assert not at.exception, at.exception
    return timed(rerun)


def bare_page() -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st\nst.title('统计分析')\nst.write('bare page')")
    return timed(lambda: at.run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/qjsc_bench/dashboard.db"))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    _setup_env(args.db)
    if args.rebuild or not args.db.exists():
        start = time.perf_counter()
        build(args.db)
        print(f"synthetic province built in {time.perf_counter() - start:.1f} s ({args.db})")
    else:
        from core.setup import migrate

        migrate()  # a province built before a schema change (its new tables stay empty: --rebuild fills them)
    bare = bare_page()
    dashboard_sql = raw_sql([RAW_CAMPAIGNS,
                             RAW_DASHBOARD.format(key="COALESCE(d.city_code, d.code)"),  # selector, chart, total
                             RAW_DASHBOARD.format(key="SUBSTR(e.industry_code, 1, 2)"),
                             RAW_TARGETS])  # the 对标 line: audits that reached their target
    directory_sql = raw_sql(RAW_DIRECTORY)
    print(f"{'':24}{'page':>10}{'raw SQL':>10}{'bare':>10}{'ratio':>8}   (median of {RUNS} reruns, ms)")
    for name, page, sql in (("统计分析 (dashboard)", "pages/dashboard.py", dashboard_sql),
                            ("企业名录 (directory)", "pages/enterprise_directory.py", directory_sql)):
        page_s = page_time(page)
        ratio = page_s / (bare + sql)
        print(f"{name:24}{page_s * 1000:10.0f}{sql * 1000:10.0f}{bare * 1000:10.1f}{ratio:8.2f}"
              f"   {'within' if ratio <= 1.5 else 'ABOVE'} the 1.5 aim")


if __name__ == "__main__":
    main()
