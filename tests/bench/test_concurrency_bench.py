"""The concurrency benchmark against a real portal: its sessions (websocket clients, or chromium pages) sign in
through the form and open 统计分析, and it reports a time per session and the server's memory. This is what
keeps its login functions in step with the portal's login (if the login changes, this fails, not a benchmark
run an hour later)."""

from __future__ import annotations

import pytest

from bench import concurrency_bench
from tests.bench.conftest import SCALE


@pytest.mark.browser
@pytest.mark.parametrize("client", ["ws", "chromium"])
def test_two_sessions_sign_in_and_open_the_dashboard_at_once(province, client):
    args = concurrency_bench.parser().parse_args(["--sessions", "2", "--scale", str(SCALE), "--timeout", "120",
                                                  "--client", client])
    outcome = concurrency_bench.bench(args)
    assert outcome.failures == [] and outcome.server_errors == {}
    assert len(outcome.logins) == len(outcome.opened) == 2
    assert all(seconds > 0 for seconds in outcome.logins + outcome.opened)
    assert outcome.rss_before > 0 and outcome.rss_after > 0
    assert outcome.dashboard_cpu > 0  # the server did the dashboards' work


def test_a_websocket_session_that_is_refused_reports_why(province):
    """A wrong password: the login form's error comes back as the failure (not a hang, not a pass)."""
    import asyncio

    from bench import ws_client

    port = concurrency_bench.free_port()
    log_path = province_folder() / f"portal-{port}.log"
    server = concurrency_bench.start_portal(port, log_path)
    try:
        async def attempt():
            client = ws_client.StreamlitClient(f"http://127.0.0.1:{port}")
            try:
                await ws_client.sign_in(client, "130000", "not-the-password")
            finally:
                await client.close()

        with pytest.raises(ws_client.RunFailed, match="账号或密码错误"):
            asyncio.run(attempt())
    finally:
        server.terminate()
        server.wait(timeout=30)


def province_folder():
    from bench import synthetic

    return synthetic.BENCH_DIR


POOL = "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out"


def test_the_exceptions_in_the_portals_log_are_counted(tmp_path):
    log = tmp_path / "portal.log"
    log.write_text("  You can now view your Streamlit app in your browser.\n"
                   "Traceback (most recent call last):\n"
                   '  File "x.py", line 1, in <module>\n'
                   f"{POOL}\n{POOL}\n"
                   "ValueError: bad\n", encoding="utf-8")
    found = concurrency_bench.server_errors(log)
    assert found == {POOL: 2, "ValueError: bad": 1}
