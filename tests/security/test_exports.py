"""Finding 7 of issue 12: no export holds a cell that a spreadsheet would run as a formula.

Names that start a formula (= + - @, a tab or carriage return before one, the full-width ＝＋－＠) are put
into every field the exports carry; the screens are walked with AppTest and every Excel and CSV file
their download buttons offer is opened and checked cell by cell.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
import streamlit as st
from openpyxl import load_workbook
from sqlalchemy import select, update
from streamlit.delta_generator import DeltaGenerator

from core import expert_import
from core.db import unit_of_work
from core.exports import FORMULA_STARTS, csv_bytes, neutralised, xlsx_bytes
from core.models import Enterprise, User
from core.notice_models import AuditNotice
from core.project_models import CleanerOption
from core.review_models import Expert
from core.workflow_models import RosterTask
from tests.conftest import reset_database
from tests.security.test_hostile_text import open_page
from tests.security.world import World, build
from tests.support.roster import CITY, PROVINCE, QINGYUAN
from ui.roster_import_view import template_bytes

FORMULAS = ('=HYPERLINK("https://evil.example","点我")', "+SUM(1,2)", "-1+2", "@SUM(A1:A9)", "\t=1+1",
            "\r=1+1", "＝1+1", "＋1", "－1", "＠SUM(1)")


@pytest.fixture(scope="module")
def world(_template) -> World:
    reset_database(_template)
    with unit_of_work() as s:
        built = build(s)
        names = iter(FORMULAS * 20)
        for enterprise in s.scalars(select(Enterprise).order_by(Enterprise.id)):
            enterprise.name = next(names) + enterprise.name[:40]
        s.execute(update(User).where(User.login == built.enterprise_login).values(display_name=FORMULAS[0]))
        s.execute(update(RosterTask).values(name=FORMULAS[1], batch=FORMULAS[2]))
        s.execute(update(AuditNotice).values(name=FORMULAS[3], doc_number=FORMULAS[4], batch=FORMULAS[5]))
        s.execute(update(CleanerOption).values(name=FORMULAS[6], investment=-5.5))
        s.execute(update(Expert).values(name=FORMULAS[7][:32], organisation=FORMULAS[8], title=FORMULAS[9]))
    return built


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What every download button drawn during the test offers, by file name."""
    offered: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def capture(self, label, data, file_name=None, *args, **kwargs):
        if isinstance(data, bytes) and file_name:
            offered[file_name] = data
        elif callable(data) and file_name and file_name.endswith((".xlsx", ".csv")):
            offered[file_name] = data()  # made on the click in the portal (deferred): as a click would
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", capture)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: capture(st._main, *a, **k))
    return offered


def live_cells(name: str, data: bytes) -> list[str]:
    """Cells a spreadsheet would take for a formula."""
    found = []
    if name.endswith(".xlsx"):
        for sheet in load_workbook(io.BytesIO(data)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
                        found.append(f"{name}!{sheet.title}!{cell.coordinate}={cell.value!r}")
    elif name.endswith(".csv"):
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
            found += [f"{name}: {cell!r}" for cell in row if cell.startswith(FORMULA_STARTS)]
    return found


def prepared(at, *keys: str):
    """Press each export_buttons "准备导出文件" (the files are built only when asked for)."""
    for key in keys:
        at.button(key=f"{key}_prepare").click().run()
    return at


def every_prepared(at):
    """Press every button of the page that prepares an export (keys ending in _prepare)."""
    for key in [b.key for b in at.button if b.key and b.key.endswith("_prepare")]:
        at.button(key=key).click().run()
    return at


def test_every_export_of_the_screens_has_no_live_formula(world, downloads):
    w = world
    open_page(w.enterprise_login, "pages/options_ledger.py")
    every_prepared(open_page(w.enterprise_login, "pages/home.py"))
    every_prepared(open_page(PROVINCE, "pages/home.py"))
    prepared(open_page(PROVINCE, "pages/enterprise_directory.py"), "dir")
    prepared(open_page(PROVINCE, "pages/account_admin.py"), "admin_xlsx")
    for login in (PROVINCE, CITY, QINGYUAN):
        prepared(open_page(login, "pages/roster_tasks.py"), "roster_tasks")
        prepared(open_page(login, "pages/notice_tasks.py"), "notice_tasks")
        at = open_page(login, "pages/cases.py")
        at.toggle(key="cases_mine").set_value(False).run()
        prepared(at, "cases")
        open_page(login, "pages/work_summary.py")
        for part_id in w.parts[login]:
            at = open_page(login, "pages/roster_task.py", {"roster_assignment_id": part_id})
            for step in at.radio(key=f"roster_step_{part_id}").options:
                every_prepared(at.radio(key=f"roster_step_{part_id}").set_value(step).run())
    prepared(open_page(PROVINCE, "pages/expert_pool.py"), "experts")
    at = open_page(PROVINCE, "pages/dashboard.py")
    at.segmented_control(key="dash_view").set_value("按行业大类").run()  # its export, then the areas' below
    at.segmented_control(key="dash_view").set_value("按地市").run()
    at.selectbox(key="dash_city").set_value(at.selectbox(key="dash_city").options[1]).run()
    every_prepared(at.selectbox(key="dash_county").set_value(at.selectbox(key="dash_county").options[1]).run())
    every_prepared(open_page(QINGYUAN, "pages/disclosure_tracking.py"))

    spreadsheets = {n: d for n, d in downloads.items() if n.endswith((".xlsx", ".csv"))}
    names = " ".join(spreadsheets)
    for expected in ("企业名录", "账户列表", "名单核定任务", "清审任务", "业务办理", "工作总结", "最终名单", "企业清单",
                     "专家库", "专家导入模板", "方案台账", "统计_按行业大类", "统计_按区县", "统计_企业明细", "许可与公开跟踪"):
        assert expected in names, f"no {expected} export among {sorted(spreadsheets)}"
    assert any(n.endswith(".csv") for n in spreadsheets)
    problems = [cell for name, data in spreadsheets.items() for cell in live_cells(name, data)]
    assert problems == []
    # The formulas are there, quoted: shown as typed, not run.
    directory = next(d for n, d in spreadsheets.items() if n.startswith("企业名录") and n.endswith(".xlsx"))
    values = {c.value for row in load_workbook(io.BytesIO(directory)).active.iter_rows() for c in row}
    assert any(isinstance(v, str) and v.startswith("'" + FORMULAS[0]) for v in values)


def test_the_import_templates_have_no_live_formula():
    for name, data in (("企业名单模板.xlsx", template_bytes()), ("专家导入模板.xlsx", expert_import.template_xlsx())):
        assert live_cells(name, data) == []


def test_text_is_quoted_and_numbers_stay_numbers():
    df = pd.DataFrame({"名称": [*FORMULAS, "普通企业", "a=b"], "投资": [-5.5] * len(FORMULAS) + [1.0, 2.0],
                       "备注": [None, 3, "=1", *[""] * (len(FORMULAS) - 1)]})
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"数据": df}))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # (XML keeps a carriage return as a line feed)
    assert [r[0] for r in rows] == ["'" + f.replace("\r", "\n") for f in FORMULAS] + ["普通企业", "a=b"]
    assert all(r[1] == -5.5 for r in rows[:len(FORMULAS)])  # a negative number is data, not a formula
    assert [r[2] for r in rows[:3]] == [None, 3, "'=1"]
    text = csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",-5.5," in text
    assert "\"'\r=1+1\"" in text  # quoted: a carriage return does not start a new row
    assert neutralised(-1) == -1 and neutralised("-") == "'-" and neutralised("") == ""
