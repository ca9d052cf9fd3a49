"""统计分析 in the browser: the city's figures and charts, a drill-down to a county's enterprises, and
screenshots of both (looked at by a person; the test checks they show the figures)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect as see
from sqlalchemy import select

from core.db import unit_of_work
from core.models import User
from core.passwords import hash_password
from tests.browser.conftest import ARTIFACTS, plotted, settle
from tests.browser.test_enterprise_audit import PASSWORD, choose, go, login
from tests.support.stats import campaign

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    """A screenshot of the whole app: the window is made as tall as the content (the app scrolls inside)."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 900")
    page.set_viewport_size({"width": 1400, "height": max(900, min(int(height) + 80, 4000))})
    settle(page)
    plotted(page)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 30_000  # a rendered page, not a blank one
    page.set_viewport_size({"width": 1400, "height": 900})


def test_the_city_reads_its_dashboard_and_drills_down_to_an_enterprise(page):
    with unit_of_work() as s:
        campaign(s)
        city = s.scalar(select(User).where(User.login == "130600"))
        city.password_hash, city.must_change_password = hash_password(PASSWORD), False
    login(page, "130600")
    go(page, "统计分析")
    metrics = page.get_by_test_id("stMetric")
    metrics.first.wait_for()
    assert metrics.filter(has_text="企业总数").inner_text().split()[-1] == "3"
    assert metrics.filter(has_text="评估通过").inner_text().split()[-1] == "1"
    charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
    charts.first.wait_for()
    assert charts.count() >= 2
    assert page.get_by_text("选择区县后可查看到每家企业的进度").is_visible()
    shoot(page, "dashboard_city.png")

    choose(page, "区县", "清苑区")
    page.get_by_text("企业明细", exact=True).wait_for()
    assert metrics.filter(has_text="企业总数").inner_text().split()[-1] == "1"
    grid = page.get_by_role("gridcell", name="保定玖福食品有限公司", include_hidden=True)
    see(grid).not_to_have_count(0)  # the grid fills its hidden table once drawn
    shoot(page, "dashboard_county.png")
