"""Page benchmark: every page of issue 13 as each tier that sees it, over the synthetic province at given scales.

For each (page, tier, scale) it opens the page in Streamlit's AppTest (in-process, signed in with a fresh
session token, ids and wizard steps set in session state as the list pages set them), then reruns it N
times and prints the first render, the median rerun, the SQL time and the number of queries per rerun
(SQLAlchemy engine events before/after_cursor_execute), and the peak RSS growth during a run. Rows above
issue 13's targets are marked: at 10x or more, 150 ms per page (首页 100 ms); at 50x, twice the 10x time.
A page that raises shows "ERROR <type>" and the run goes on.

    .venv/bin/python bench/pages_bench.py --scales 1,10              # SQLite, cached provinces
    .venv/bin/python bench/pages_bench.py --scales 10 --pages 统计分析,首页 --tiers province --runs 9
    .venv/bin/python bench/pages_bench.py --scales 1 --url postgresql+psycopg://postgres@127.0.0.1:5432/qjsc_perf
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script

from bench import synthetic  # noqa: E402  (no core import at module level: the environment comes first)
from bench.probes import RssPeak, SqlCounter  # noqa: E402

TIER_ORDER = ("province", "city", "county", "enterprise")
# Messages a page shows when it did not open what was meant (chosen_id's way back, a refusal).
NOT_SHOWN = ("请从“", "您无权", "登录已失效", "不存在")


@dataclass
class Row:
    page: str
    tier: str
    scale: float
    first_ms: float | None = None
    median_ms: float | None = None
    sql_ms: float | None = None
    queries: float | None = None
    rows: float | None = None
    rss_mb: float | None = None
    error: str = ""
    mark: str = ""


def sign_in(login: str) -> str:
    """A live session token for the account (as a login would give; the benchmark skips the form)."""
    from sqlalchemy import select

    from core import auth
    from core.db import unit_of_work
    from core.models import User

    with unit_of_work() as session:
        return auth.open_session(session, session.scalar(select(User).where(User.login == login)))


class Browser:
    """One signed-in AppTest per tier, reused from page to page as a user moves through the menu.

    AppTest runs the entry script (Home.py: who is signed in, the menu) on every run, but cannot open a
    page before a first run has registered the menu; that first run shows the home page, and is the
    home page's first render.
    """

    def __init__(self, login: str, timeout: float):
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=timeout)
        self.at.session_state["session_token"] = sign_in(login)
        with RssPeak() as peak:
            start = time.perf_counter()
            self.at.run()
            self.home_ms = (time.perf_counter() - start) * 1000
        self.home_rss_mb = peak.growth_mb


def measure(spec, browser: Browser, state: dict, runs: int, counter: SqlCounter, row: Row,
            verbose: bool = False, statements: int = 0) -> Row:
    at = browser.at
    for key, value in state.items():
        at.session_state[key] = value
    try:
        if spec.path == "pages/home.py" and browser.home_ms is not None:
            row.first_ms, growth = browser.home_ms, [browser.home_rss_mb]
            browser.home_ms = None
        else:
            at.switch_page(spec.path)
            with RssPeak() as peak:
                start = time.perf_counter()
                at.run()
                row.first_ms = (time.perf_counter() - start) * 1000
            growth = [peak.growth_mb]
        if problem := _problem(at):
            row.error = problem
            return row
        if verbose:
            print(f"  {row.page} / {row.tier}: {describe(at)}", file=sys.stderr)
        samples, sql, queries, fetched = [], [], [], []
        for _ in range(runs):
            counter.reset()
            with RssPeak() as peak:
                start = time.perf_counter()
                at.run()
                samples.append(time.perf_counter() - start)
            sql.append(counter.seconds)
            queries.append(counter.count)
            fetched.append(counter.rows)
            growth.append(peak.growth_mb)
            if problem := _problem(at):
                row.error = problem
                return row
    except Exception as exc:  # noqa: BLE001  (a timeout, or AppTest itself failing: report and go on)
        row.error = f"ERROR {type(exc).__name__}"
        return row
    for ms, text in counter.slowest(statements):  # of the last rerun
        print(f"    {ms:7.1f} ms  {text[:300]}", file=sys.stderr)
    row.median_ms = statistics.median(samples) * 1000
    row.sql_ms = statistics.median(sql) * 1000
    row.queries = statistics.median(queries)
    row.rows = statistics.median(fetched)
    row.rss_mb = max(growth)
    return row


def _problem(at) -> str:
    if at.exception:
        exc = at.exception[0]
        kind = getattr(exc.proto, "type", "") or "Exception"
        return f"ERROR {kind}"
    shown = [e.value for kind in ("info", "error", "warning") for e in getattr(at, kind)]
    for text in shown:
        if any(p in str(text) for p in NOT_SHOWN):
            return f"ERROR not shown: {str(text)[:24]}"
    return ""


def bare_page(runs: int) -> float:
    """A two-element Streamlit page: what any rerun costs before the portal's own work."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st\nst.title('统计分析')\nst.write('bare page')").run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def quiet_streamlit() -> None:
    """Only Streamlit's errors on stderr (not AppTest's "missing ScriptRunContext" between the rows). Set as a
    config option too: Streamlit sets its loggers' level again from the config when it reloads it."""
    from streamlit import config
    from streamlit.logger import set_log_level

    config.set_option("logger.level", "error")
    set_log_level("error")


def warm_up() -> None:
    """Import what the pages import, so that a page's first render is not charged for a module's import."""
    import importlib
    import pkgutil

    import plotly.graph_objects  # noqa: F401
    from streamlit.testing.v1 import AppTest

    quiet_streamlit()

    for package in ("core", "ui"):
        for module in pkgutil.iter_modules([str(ROOT / package)]):
            importlib.import_module(f"{package}.{module.name}")
    AppTest.from_file(str(ROOT / "Home.py"), default_timeout=60).run()  # the login page


def describe(at) -> str:
    """What the page shows at the top: its title and the wizard step chosen (for --verbose)."""
    title = next((str(t.value) for t in at.title), "")
    steps = [r.value for r in at.radio if r.label == "办理步骤"]
    return f"{title[:30]}{' · ' + str(steps[0]) if steps else ''}"


def login_of(meta: dict, tier: str) -> str:
    from bench.page_specs import CODES

    return meta["enterprise_login"] if tier == "enterprise" else CODES[tier]


def mark(row: Row, spec, ten_x: dict, url: str) -> str:
    if row.median_ms is None:
        return ""
    notes = []
    if row.scale >= 10 and url.startswith("sqlite") and row.median_ms > spec.limit_ms:
        notes.append(f"ABOVE {spec.limit_ms}")
    base = ten_x.get((row.page, row.tier))
    if row.scale >= 50 and base and row.median_ms > 2 * base:
        notes.append(f"> 2×10x ({row.median_ms / base:.1f}×)")
    return ", ".join(notes)


PAGE_WIDTH = 26
HEADER = (f"{'page':<{PAGE_WIDTH}}{'tier':<11}{'scale':>6}{'first ms':>10}{'rerun ms':>10}{'SQL ms':>9}"
          f"{'queries':>9}{'rows':>9}{'RSS +MB':>9}  mark")


def row_text(row: Row) -> str:
    def num(value, fmt):
        return format(value, fmt) if value is not None else "—"

    # East Asian characters take two columns: pad by display width
    page = row.page + " " * max(1, PAGE_WIDTH - sum(2 if ord(c) > 0x2E80 else 1 for c in row.page))
    return (f"{page}{row.tier:<11}{row.scale:>6g}{num(row.first_ms, '10.0f')}{num(row.median_ms, '10.0f')}"
            f"{num(row.sql_ms, '9.0f')}{num(row.queries, '9.0f')}{num(row.rows, '9.0f')}{num(row.rss_mb, '9.1f')}"
            f"  {row.error or row.mark}")


def select_specs(wanted: list[str] | None) -> list:
    from bench.page_specs import page_specs

    return [s for s in page_specs()
            if not wanted or any(w in (s.name, s.path) or s.name.startswith(w + "·") for w in wanted)]


def measure_scale(scale: float, specs: list, tiers: list[str], counter: SqlCounter, *, runs: int = 5,
                  url: str | None = None, timeout: float = 600, rebuild: bool = False, verbose: bool = False,
                  ten_x: dict | None = None, statements: int = 0) -> list[Row]:
    """Every (page, tier) of `specs` over the province at `scale` (built if need be); rows as measured."""
    from bench.page_specs import targets

    ten_x = {} if ten_x is None else ten_x
    meta = synthetic.ensure(scale, url, rebuild=rebuild)
    url = os.environ["DATABASE_URL"]
    found = targets(meta)
    print(f"\n{scale:g}x province on {url.split('@')[-1].split('///')[-1]} (built in {meta['build_seconds']} s); "
          f"{runs} reruns per page after the first render; bare Streamlit page {bare_page(runs):.0f} ms per rerun")
    print(HEADER, file=sys.stderr)
    rows = []
    with _error_details():
        for tier in tiers:
            _measure_tier(tier, specs, meta, found, runs, counter, timeout, scale, ten_x, url, verbose, rows,
                          statements)
    return rows


@contextlib.contextmanager
def _error_details():
    """The portal hides exception details from users (client.showErrorDetails = none); the benchmark
    names the exception type of a failing page, so it shows them while it runs."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    try:
        yield
    finally:
        config.set_option("client.showErrorDetails", before)


def _measure_tier(tier, specs, meta, found, runs, counter, timeout, scale, ten_x, url, verbose, rows,
                  statements) -> None:
    browser = None
    for spec in (s for s in specs if tier in s.tiers):
        row = Row(spec.name, tier, scale)
        try:
            state = spec.state(found, tier)
            browser = browser or Browser(login_of(meta, tier), timeout)
        except (KeyError, TypeError) as exc:
            row.error = f"ERROR no target ({exc})"
        except Exception as exc:  # noqa: BLE001  (the first run failed: the next page tries again)
            row.error = f"ERROR {type(exc).__name__} at sign-in"
        else:
            measure(spec, browser, state, runs, counter, row, verbose, statements)
            if row.error.startswith("ERROR") and not row.error.startswith("ERROR not shown"):
                browser = None  # a fresh session for the next page
        if scale == 10 and row.median_ms is not None:
            ten_x[(row.page, row.tier)] = row.median_ms
        row.mark = mark(row, spec, ten_x, url)
        print(row_text(row), file=sys.stderr, flush=True)
        rows.append(row)


def write_csv(path: Path, rows: list[Row]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["page", "tier", "scale", "first_ms", "rerun_ms", "sql_ms", "queries", "rows", "rss_mb",
                         "mark"])
        for r in rows:
            writer.writerow([r.page, r.tier, r.scale, *(None if v is None else round(v, 1) for v in
                             (r.first_ms, r.median_ms, r.sql_ms, r.queries, r.rows, r.rss_mb)), r.error or r.mark])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors (default 1,10)")
    parser.add_argument("--pages", help="comma-separated page names or paths (default: all); a name matches "
                                        "its steps too, e.g. 清审任务详情")
    parser.add_argument("--tiers", default="province,city,county,enterprise")
    parser.add_argument("--runs", type=int, default=5, help="timed reruns after the first render (default 5)")
    parser.add_argument("--url", help="a PostgreSQL URL: the province is built there (once per scale)")
    parser.add_argument("--csv", type=Path, help="also write the rows to this CSV file")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run of a page")
    parser.add_argument("--rebuild", action="store_true", help="build the provinces again")
    parser.add_argument("--verbose", action="store_true", help="say what each page shows (title, step)")
    parser.add_argument("--statements", type=int, default=0, metavar="N",
                        help="print the N slowest SQL statements of each page's last rerun")
    args = parser.parse_args()

    scales = [float(s) for s in args.scales.split(",")]
    synthetic.configure(args.url or synthetic.sqlite_url(scales[0]))
    specs = select_specs(args.pages.split(",") if args.pages else None)
    warm_up()
    rows: list[Row] = []
    ten_x: dict = {}
    with SqlCounter() as counter:
        for scale in scales:
            rows += measure_scale(scale, specs, args.tiers.split(","), counter, runs=args.runs, url=args.url,
                                  timeout=args.timeout, rebuild=args.rebuild, verbose=args.verbose, ten_x=ten_x,
                                  statements=args.statements)
    order = {s.name: i for i, s in enumerate(specs)}
    print(f"\n{HEADER}")
    for row in sorted(rows, key=lambda r: (order[r.page], TIER_ORDER.index(r.tier), r.scale)):
        print(row_text(row))
    print(f"\n{len(rows)} rows, {sum(bool(r.mark or r.error) for r in rows)} above a target or failed")
    if args.csv:
        write_csv(args.csv, rows)
        print(f"written to {args.csv}")


if __name__ == "__main__":
    main()
