"""Benchmark of the 对标 screens at 1x, 10x and 50x the shipped electroplating system.

For each scale k a fresh SQLite database holds the demo data, k indicator systems for 电镀 (the newest one k times
the shipped system: 12·k indicators in 3·k groups, weights divided by k), and the demo's electroplater with its
declarations, both 对标 sheets filled for every indicator, its evaluation phase completed and applied for. Prints
the server-side render time (Streamlit AppTest rerun, median of several) of

* 清洁生产水平对标 (pages/grading.py) as the enterprise,
* 指标体系 (pages/indicator_systems.py) as the province (k systems listed, the newest shown),
* 业务办理详情 at 区县受理审核 (pages/case.py) as the county: the reviewers' 对标 and plausibility panel,

next to a bare Streamlit page, and the time of the pages' data without Streamlit ("core": both sheets graded and
the plausibility checks). It asserts nothing about time. At 50x the enterprise's form has ≈ 3,600 elements and
AppTest's own harness dominates its figure (it polls its message queue with a scan of every message: quadratic in
the number of elements; a real server streams them).

Run from the project root:  .venv/bin/python bench/grading_bench.py [--scales 1 10 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script
RUNS = 5


def _setup_env(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["QJSC_BCRYPT_ROUNDS"] = "4"
    os.environ["QJSC_UPLOAD_DIR"] = str(db_path.parent / "uploads")
    os.environ.setdefault("QJSC_SECRET_KEY", "bench-secret-key-" + "x" * 32)


def scaled_system(k: int, version: str) -> bytes:
    """The shipped file's groups repeated k times (keys suffixed, weights / k): a system k times as large."""
    import yaml

    from core.indicator_systems import SHIPPED_DIR

    document = yaml.safe_load((SHIPPED_DIR / "electroplating_2015.yaml").read_text(encoding="utf-8"))
    document["system"] |= {"code": "bench-plating", "version": version, "name": f"基准测试电镀体系（{k} 倍）"}
    groups = []
    for copy in range(k):
        for group in document["groups"]:
            clone = {**group, "key": f"{group['key'][:24]}_{copy}", "weight": group["weight"] / k,
                     "name": f"{group['name']}{copy + 1}"}
            clone["indicators"] = [{**i, "key": f"{i['key'][:24]}_{copy}"} for i in group["indicators"]]
            groups.append(clone)
    document["groups"] = groups
    return yaml.safe_dump(document, allow_unicode=True).encode()


def entries_for(system):
    """An entry for every indicator of the system, as the demo plater would fill them."""
    from core.grading import QUALITATIVE, Entry
    from tests.support.grading import AFTER, BEFORE

    before, after = {}, {}
    for group in system.groups:
        for indicator in group.indicators:
            base = indicator.key.rsplit("_", 1)[0]
            default = Entry(declared="II") if indicator.kind == QUALITATIVE else Entry(90.0)
            before[indicator.key] = BEFORE.get(base, default)
            after[indicator.key] = AFTER.get(base, before[indicator.key])
    return before, after


def build(k: int) -> tuple[int, int, str, str]:
    """The database for scale k; returns the case and project ids and the enterprise's and county's logins."""
    from core import applications, grading_entry, indicator_systems
    from core.db import dispose_engines, unit_of_work
    from core.indicator_models import SheetPhase
    from core.project_models import CaseKind
    from core.setup import prepare
    from tests.support.grading import FIGURES_AFTER, FIGURES_BEFORE, GAOXIN, plating_project
    from tests.support.projects import FORM, an_option, complete_phase

    dispose_engines()
    prepare(demo=True)
    with unit_of_work() as s:
        for i in range(1, k):  # older versions, listed on 指标体系
            indicator_systems.import_system(s, None, "bench.yaml", scaled_system(1, f"old-{i}"))
        system = indicator_systems.import_system(s, None, "bench.yaml", scaled_system(k, "bench"))
        project, enterprise = plating_project(s)
        before, after = entries_for(system)
        grading_entry.save_declaration(s, enterprise, project.id, True, True, ["化学需氧量", "总锌", "总镍"], None)
        grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.BEFORE, FIGURES_BEFORE, before, None)
        grading_entry.save_sheet(s, enterprise, project.id, SheetPhase.AFTER, FIGURES_AFTER, after, None)
        an_option(s, enterprise, project.id, water_saved=5000.0)
        complete_phase(s, enterprise, project.id, "evaluation")
        case = applications.submit(s, enterprise, project.id, CaseKind.EVALUATION, FORM, agreed=True)
        return case.id, project.id, enterprise.login, GAOXIN


def timed(fn, runs: int = RUNS) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def page_time(login: str, page: str, state: dict | None = None) -> float:
    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from core import auth
    from core.db import unit_of_work
    from core.models import User

    with unit_of_work() as session:
        account = session.scalar(select(User).where(User.login == login))
        account.must_change_password = False
        token = auth.open_session(session, account)
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=600)
    at.session_state["session_token"] = token
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception

    def rerun():
        at.run()
        assert not at.exception, at.exception
    return timed(rerun)


def core_time(firm: str, project_id: int) -> float:
    """The data of the pages without Streamlit: both sheets graded, the declarations, the plausibility checks."""
    from sqlalchemy import select

    from core import grading_entry, plausibility
    from core.db import unit_of_work
    from core.models import User

    def load():
        with unit_of_work() as session:
            account = session.scalar(select(User).where(User.login == firm))
            project, _ = grading_entry.view(session, account, project_id)
            grading_entry.declaration(session, project)
            plausibility.check(plausibility.gather(session, project))
    return timed(load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 50])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qjsc-grading-bench-"))
    from streamlit.testing.v1 import AppTest

    bare = None
    print(f"{'scale':>6}{'indicators':>12}{'systems':>9}{'core':>8}{'对标 (ent.)':>14}{'指标体系':>10}{'业务办理详情':>12}"
          f"{'bare':>8}   (median of {RUNS} reruns, ms)")
    for k in args.scales:
        _setup_env(folder / f"grading_{k}.db")
        start = time.perf_counter()
        case_id, project_id, firm, county = build(k)
        built = time.perf_counter() - start
        if bare is None:
            at = AppTest.from_string("import streamlit as st\nst.title('对标')\nst.write('bare page')")
            bare = timed(lambda: at.run())
        core_ms = core_time(firm, project_id) * 1000
        grading_ms = page_time(firm, "pages/grading.py") * 1000
        systems_ms = page_time("130000", "pages/indicator_systems.py") * 1000
        case_ms = page_time(county, "pages/case.py", {"case_id": case_id}) * 1000
        print(f"{k:>5}x{12 * k:>12}{k:>9}{core_ms:>8.0f}{grading_ms:>14.0f}{systems_ms:>10.0f}{case_ms:>12.0f}"
              f"{bare * 1000:>8.1f}"
              f"   (built in {built:.1f} s)")


if __name__ == "__main__":
    main()
