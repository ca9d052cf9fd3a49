"""Concurrency benchmark: N sessions (default 30) open 统计分析 at once against a running portal.

Starts the portal (`streamlit run Home.py`, as tests/browser/conftest.py does) on the synthetic province
(bench/synthetic.py, default 10x, SQLite unless --url), opens N sessions, signs each in through the login
form, all at once, then has all of them open 统计分析 at the same moment. For both moments it prints the
time until each session's page was rendered (p50 / p95 / max), and the server process's resident memory
before, after the logins and after the dashboards, with the growth per session, and its CPU per session.
Issue 13's target: all 30 within 3 s.

The sessions are websocket clients by default (bench/ws_client.py: the browser's protocol without a
browser; a page is done when the server sent its last element), or Debian's headless chromium
(`--client chromium`, Playwright, async, spread over --browsers processes; a page is done when it is
drawn). On a small machine the browsers share the cores with the server, so their own work is part of
what chromium measures (say so with the figures).

    .venv/bin/python bench/concurrency_bench.py                      # 30 sessions, 10x, province accounts
    .venv/bin/python bench/concurrency_bench.py --client chromium --sessions 10 --scale 1 --open url
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script

from bench import synthetic  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
TARGET_S = 3.0


# --- the portal --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_portal(port: int, log_path: Path) -> subprocess.Popen:
    """`streamlit run Home.py` on the configured database (the environment synthetic.ensure set)."""
    log = open(log_path, "w")  # noqa: SIM115  (closed with the process)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the portal did not start; see {log_path}") from None
            time.sleep(0.3)


def rss_mb(pid: int) -> float:
    """Resident memory of the server process (VmRSS), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- one browser session -----------------------------------------------------------------------------

class SessionFailed(Exception):
    """The page showed an error instead of what was awaited (its first line is the message)."""


async def shown(page, locator) -> None:
    """Wait until `locator` is on screen, or fail at once with the error the page shows instead."""
    error = page.get_by_test_id("stException")
    await locator.or_(error).first.wait_for()
    if await error.count():
        raise SessionFailed((await error.first.inner_text()).strip().splitlines()[0][:120])


async def log_in(page, account: str, password: str) -> None:
    """Sign in as a user does: the login form, then wait for the home page's greeting.

    The one place that knows how a session is signed in: adapt it if the login or the session cookie
    changes (e.g. a route that sets an HttpOnly cookie).
    """
    await page.get_by_label("账号").fill(account)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="立即登录").click()
    await shown(page, page.get_by_text("欢迎，"))
    await page.wait_for_selector(IDLE)


async def dashboard_rendered(page) -> None:
    """统计分析's figures and its first chart are on screen and the script run has ended."""
    await shown(page, page.get_by_test_id("stMetric").filter(has_text="企业总数"))
    await shown(page, page.locator('[data-testid="stPlotlyChart"] .main-svg'))
    await page.wait_for_selector(IDLE)


async def back_home(page) -> None:
    await page.get_by_role("link", name="首页").first.click()
    await shown(page, page.get_by_text("欢迎，"))
    await page.wait_for_selector(IDLE)


async def open_dashboard(page, base_url: str, how: str) -> None:
    if how == "url":  # a new page load: a new Streamlit session, signed in by the cookie
        await page.goto(f"{base_url}/dashboard")
    else:  # the menu link: a rerun of the same session
        await page.get_by_role("link", name="统计分析").first.click()
    await dashboard_rendered(page)


async def warm(page, base_url: str) -> None:
    await open_dashboard(page, base_url, "click")
    await back_home(page)


async def timed(coroutine) -> tuple[float, str | None]:
    """Seconds until the step was done, and why it failed (None when it did not)."""
    start = time.perf_counter()
    try:
        await coroutine
    except Exception as exc:  # noqa: BLE001  (a session that fails is counted, the others go on)
        return time.perf_counter() - start, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return time.perf_counter() - start, None


# --- the benchmark -----------------------------------------------------------------------------------

def summary(label: str, seconds: list[float], sessions: int) -> str:
    if not seconds:
        return f"{label:<28} none of {sessions} sessions got there"
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return (f"{label:<28} p50 {statistics.median(ordered):6.2f} s   p95 {p95:6.2f} s   max {ordered[-1]:6.2f} s"
            f"   ({len(ordered)} of {sessions} sessions)")


def server_errors(log_path: Path) -> dict[str, int]:
    """The exceptions the portal logged (e.g. its connection pool running dry), by type and first words."""
    found: dict[str, int] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b.*: ", line):
            key = line[:100]
            found[key] = found.get(key, 0) + 1
    return found


@dataclass
class Outcome:
    """What one benchmark run saw: seconds per session for each moment, the server's memory and CPU."""

    logins: list[float] = field(default_factory=list)  # of the sessions that made it
    opened: list[float] = field(default_factory=list)
    sessions: int = 0
    login_batch: int = 0  # 0: all at once
    dashboards: int = 0  # sessions that opened the dashboard together (signed in and warmed up)
    failures: list[str] = field(default_factory=list)  # "login: …" / "统计分析: …"
    server_errors: dict[str, int] = field(default_factory=dict)  # exceptions in the portal's log
    rss_before: float = 0.0  # MB, every session connected, none signed in
    rss_after_logins: float = 0.0
    rss_after: float = 0.0
    login_cpu: float = 0.0  # server CPU seconds while the sessions signed in
    dashboard_cpu: float = 0.0  # ... and while they opened the dashboard


async def sign_in_all(sessions: list, sign_in, args, server: subprocess.Popen, outcome: Outcome) -> list:
    """Sign the sessions in, all at once (or --login-batch at a time): the times, failures, the server's
    memory and CPU go into `outcome`; returns the sessions that made it."""
    outcome.rss_before, cpu = rss_mb(server.pid), cpu_seconds(server.pid)
    batch = args.login_batch or len(sessions)  # all at once unless asked to sign in a few at a time
    results = []
    for i in range(0, len(sessions), batch):
        results += await asyncio.gather(*(timed(sign_in(session)) for session in sessions[i:i + batch]))
    outcome.rss_after_logins, outcome.login_cpu = rss_mb(server.pid), cpu_seconds(server.pid) - cpu
    outcome.logins = [seconds for seconds, error in results if error is None]
    outcome.failures += [f"login: {error}" for _, error in results if error]
    print(summary("(progress) signed in", outcome.logins, len(results)), file=sys.stderr, flush=True)
    return [session for session, (_, error) in zip(sessions, results, strict=True) if error is None]


async def open_all(sessions: list, open_one, server: subprocess.Popen, outcome: Outcome) -> None:
    """Have every session open 统计分析 at the same moment: times, failures, memory and CPU into `outcome`."""
    cpu = cpu_seconds(server.pid)
    outcome.dashboards = len(sessions)
    results = await asyncio.gather(*(timed(open_one(session)) for session in sessions))
    outcome.rss_after, outcome.dashboard_cpu = rss_mb(server.pid), cpu_seconds(server.pid) - cpu
    outcome.opened = [seconds for seconds, error in results if error is None]
    outcome.failures += [f"统计分析: {error}" for _, error in results if error]


async def run_ws(args, base_url: str, server: subprocess.Popen) -> Outcome:
    """The same moments with websocket clients (bench/ws_client.py) instead of browsers: each session
    signs in through the login form's widgets and opens 统计分析 from the menu as a click does; a
    session is done when the server sent the run's last element."""
    from bench import ws_client

    outcome = Outcome(sessions=args.sessions, login_batch=args.login_batch)
    if args.warm_up:  # the server's first sign-in and dashboard import their modules: not measured
        client = ws_client.StreamlitClient(base_url)
        await ws_client.sign_in(client, args.account, synthetic.BENCH_PASSWORD)
        await ws_client.open_page(client, "dashboard", "企业总数")
        await client.close()
    clients = [ws_client.StreamlitClient(base_url) for _ in range(args.sessions)]
    await asyncio.gather(*(c.connect() for c in clients))
    signed_in = await sign_in_all(clients, lambda c: ws_client.sign_in(c, args.account, synthetic.BENCH_PASSWORD),
                                  args, server, outcome)
    await open_all(signed_in, lambda c: ws_client.open_page(c, "dashboard", "企业总数"), server, outcome)
    for client in clients:
        await client.close()
    return outcome


async def run(args, base_url: str, server: subprocess.Popen) -> Outcome:
    from playwright.async_api import async_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium"
    outcome = Outcome(sessions=args.sessions, login_batch=args.login_batch)
    async with async_playwright() as p:
        browsers = [await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    for _ in range(args.browsers)]

        async def new_page(i: int):
            context = await browsers[i % len(browsers)].new_context(viewport={"width": 1400, "height": 900},
                                                                    locale="zh-CN")
            page = await context.new_page()
            page.set_default_timeout(args.timeout * 1000)
            await page.goto(base_url)
            await page.wait_for_selector(IDLE)  # the login form is there
            return page

        if args.warm_up:  # the server's first sign-in and dashboard import their modules: not measured
            page = await new_page(0)
            await log_in(page, args.account, synthetic.BENCH_PASSWORD)
            await open_dashboard(page, base_url, "click")
            await page.context.close()
        pages = await asyncio.gather(*(new_page(i) for i in range(args.sessions)))
        pages = await sign_in_all(pages, lambda page: log_in(page, args.account, synthetic.BENCH_PASSWORD),
                                  args, server, outcome)
        if args.warm_up:  # each browser context fetches the chart library once, a few at a time
            warmed = []
            for i in range(0, len(pages), 5):
                warmed += await asyncio.gather(*(timed(warm(page, base_url)) for page in pages[i:i + 5]))
            outcome.failures += [f"warm-up: {error}" for _, error in warmed if error]
            pages = [page for page, (_, error) in zip(pages, warmed, strict=True) if error is None]
        await open_all(pages, lambda page: open_dashboard(page, base_url, args.open), server, outcome)
        for browser in browsers:
            await browser.close()
    return outcome


def report(outcome: Outcome, how: str) -> None:
    n = outcome.sessions
    print(f"server RSS with {n} sessions connected, none signed in: {outcome.rss_before:.0f} MB")
    print(summary("login → 首页, " + (f"{outcome.login_batch} at a time" if outcome.login_batch else "all at once"),
                  outcome.logins, n) + f"; server CPU {outcome.login_cpu / n:.2f} s "
          "per session")
    print(summary(f"统计分析 ({how}), all at once", outcome.opened, outcome.dashboards) + f"; server CPU "
          f"{outcome.dashboard_cpu / max(1, outcome.dashboards):.2f} s per session")
    within = sum(s <= TARGET_S for s in outcome.opened)
    print(f"{within} of {n} sessions had 统计分析 within {TARGET_S:g} s "
          f"({'meets' if within == n else 'misses'} issue 13's target)")
    print(f"server RSS: {outcome.rss_before:.0f} MB before the logins, {outcome.rss_after_logins:.0f} MB after them, "
          f"{outcome.rss_after:.0f} MB after the dashboards; {(outcome.rss_after - outcome.rss_before) / n:.1f} MB "
          "per session")
    for failure in sorted(set(outcome.failures)):
        print(f"failed: {outcome.failures.count(failure)} × {failure}")
    for error, count in outcome.server_errors.items():
        print(f"the portal logged {count} × {error}")


def bench(args) -> Outcome:
    """The province (built if need be), a portal over it, the sessions; the portal is stopped afterwards."""
    meta = synthetic.ensure(args.scale, args.url)
    port = free_port()
    log_path = synthetic.BENCH_DIR / f"portal-{port}.log"
    print(f"{args.scale:g}x province ({meta['counts']['enterprises']:,} enterprises); portal on port {port}, "
          f"log {log_path}; {args.sessions} sessions as {args.account}", flush=True)
    server = start_portal(port, log_path)
    try:
        runner = run_ws if args.client == "ws" else run
        outcome = asyncio.run(runner(args, f"http://127.0.0.1:{port}", server))
    finally:
        server.terminate()
        server.wait(timeout=30)
    outcome.server_errors = server_errors(log_path)
    return outcome


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--scale", type=float, default=10.0, help="the synthetic province's scale (default 10)")
    parser.add_argument("--url", help="a PostgreSQL URL instead of the cached SQLite file")
    parser.add_argument("--account", default="130000", help="the account every session signs in with")
    parser.add_argument("--open", choices=("click", "url"), default="click",
                        help="click the menu link (a rerun, default) or load /dashboard (a new session)")
    parser.add_argument("--login-batch", type=int, default=0,
                        help="sign in this many sessions at a time (default: all at once)")
    parser.add_argument("--client", choices=("ws", "chromium"), default="ws",
                        help="websocket clients (default: the server's figures alone) or chromium pages")
    parser.add_argument("--browsers", type=int, default=1, help="chromium processes to spread the sessions over")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a session may wait for a page")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="measure the server's and each browser's first dashboard (imports, chart library)")
    return parser


def main() -> None:
    args = parser().parse_args()
    report(bench(args), f"{args.open}, {args.client}" if args.client == "chromium" else "menu link, websocket")


if __name__ == "__main__":
    main()
