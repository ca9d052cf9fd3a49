"""Benchmark of the statistics screens against raw SQL, over the synthetic province (bench/synthetic.py).

For the dashboard (统计分析, as the province) and the largest list page (企业名录, as the province, first
page of all enterprises): the server-side render time of the page (Streamlit's AppTest, median of several
reruns), the time of the same aggregates written as raw SQL, and a bare Streamlit page's time, with the
ratio page / (bare page + raw SQL). Aim: ≤ 1.5. (bench/pages_bench.py measures every page; this one says
how far two of them are from what the database needs.)

Run from the project root:  .venv/bin/python bench/dashboard_bench.py [--scale 10] [--rebuild]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script

from bench import synthetic  # noqa: E402

RUNS = 7


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
        token = auth.open_session(session, session.scalar(select(User).where(User.login == "130000")))
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
    parser.add_argument("--scale", type=float, default=10.0, help="the synthetic province's scale (default 10)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    meta = synthetic.ensure(args.scale, rebuild=args.rebuild)
    from bench.pages_bench import quiet_streamlit

    quiet_streamlit()
    print(f"{args.scale:g}x province: {meta['counts']['enterprises']:,} enterprises, "
          f"{meta['counts']['notice_letters']:,} letters, {meta['counts']['stage_records']:,} stage records")
    bare = bare_page()
    dashboard_sql = raw_sql([RAW_CAMPAIGNS,
                             RAW_DASHBOARD.format(key="COALESCE(d.city_code, d.code)"),  # selector, chart, total
                             RAW_DASHBOARD.format(key="SUBSTR(e.industry_code, 1, 2)")])
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
