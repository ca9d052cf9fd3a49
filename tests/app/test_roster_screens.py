"""The roster task screens, driven as each department would use them."""

from __future__ import annotations

from datetime import date, timedelta

from core import roster
from core.db import unit_of_work
from core.demo import ROSTER_CSV
from core.workflow_models import RosterStatus
from tests.app.conftest import activate, click, sign_in_as, texts
from tests.conftest import demo_password
from tests.support.roster import CITY, PROVINCE, ZHUOZHOU, new_task, part, pdf_bytes, user


def _open(account: str, page: str = "pages/roster_tasks.py", **query):
    activate(account)
    at = sign_in_as(account, demo_password(account)).run()
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _detail(account: str, assignment_id: int):
    return _open(account, "pages/roster_task.py", id=str(assignment_id))


def test_province_creates_a_task_and_imports_the_seed_list(db):
    at = _open(PROVINCE)
    assert "没有符合条件的名单核定任务" in texts(at)
    at.text_input[0].input("2021年白洋淀流域第二批涉水企业名单核定")
    at.text_input[1].input("第二批")
    at.date_input[0].set_value(date.today() + timedelta(days=20))
    [b for b in at.button if b.label == "创建任务"][0].click()
    at.run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        [mine] = roster.task_list(s, user(s, PROVINCE))
    at = _detail(PROVINCE, mine.id)
    at.radio(key=f"roster_step_{mine.id}").set_value("企业名单").run()
    at.file_uploader[0].set_value(("名单.csv", ROSTER_CSV.read_bytes(), "text/csv")).run()
    shown = texts(at)
    assert "共 77 行，其中 2 行需要处理" in shown, shown
    import_button = [b for b in at.button if b.label == "导入 77 家企业"][0]
    assert import_button.disabled
    confirmed = 0
    while boxes := [s for s in at.selectbox if s.key and s.key.startswith(f"confirm_{mine.id}_")]:
        boxes[0].set_value(boxes[0].options[1]).run()  # the best proposal, as a person would confirm it
        confirmed += 1
    assert confirmed == 2
    at = click(at, "导入 77 家企业")
    assert "新增 77 家企业（其中 0 家新加入企业名录）" in texts(at)
    assert len(at.dataframe[0].value) == 77
