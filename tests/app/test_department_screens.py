"""The department screens: enterprise directory with filters and export, account administration."""

from __future__ import annotations

from core import auth
from core.db import unit_of_work
from tests.app.conftest import activate, click, sign_in_as, texts
from tests.conftest import demo_password


def _open(account: str, page: str):
    activate(account)
    at = sign_in_as(account, demo_password(account)).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_city_directory_filters_and_exports(db):
    at = _open("130600", "pages/enterprise_directory.py")
    assert "共检索到 **77** 条记录" in texts(at)
    at.selectbox(key="dir_county").set_value("130681").run()
    assert "共检索到 **17** 条记录" in texts(at)
    at.selectbox(key="dir_managing").set_value("省直管").run()
    assert "共检索到 **5** 条记录" in texts(at)
    frame = at.dataframe[0].value
    assert set(frame["所属区县"]) == {"涿州市"} and set(frame["负责评估验收"]) == {"省直管"}
    at = click(at, "准备导出文件")
    assert "已准备 5 条记录" in texts(at)


def test_directory_explains_an_empty_result(db):
    at = _open("130602", "pages/enterprise_directory.py")
    at.text_input(key="dir_name").input("不存在的企业").run()
    assert "没有符合条件的企业" in texts(at)


def test_county_resets_its_enterprise_password(db):
    at = _open("130606", "pages/account_admin.py")
    shown = texts(at)
    listed = at.dataframe[0].value["账号"].tolist()
    assert listed == ["QY1306060001"], listed  # its enterprise only: no peers, no city
    at.checkbox(key="admin_confirm").check().run()
    at = click(at, "重置密码")
    at.run()
    password = at.code[0].value
    assert "的密码已重置" in texts(at) and shown
    with unit_of_work() as session:
        assert auth.authenticate(session, "QY1306060001", password).ok


def test_reset_needs_the_confirmation(db):
    at = _open("130600", "pages/account_admin.py")
    button = [b for b in at.button if b.label == "重置密码"][0]
    assert button.disabled


def test_home_names_the_cases_waiting_for_the_department(db):
    from tests.support.projects import submitted_case

    with unit_of_work() as session:
        submitted_case(session)
    county = texts(_open("130608", "pages/home.py"))
    assert "您有 **1** 项评估验收申请待办理" in county and "保定玖福食品有限公司（评估·区县受理审核）" in county
    assert "评估验收申请待办理" not in texts(_open("130600", "pages/home.py"))  # it is with the county
