"""Building blocks for roster tests: activated demo departments, a small task, stamped files."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select

from core import roster, roster_list
from core.models import User
from core.roster_import import preview

PROVINCE, CITY, ZHUOZHOU, QINGYUAN, LIANCHI = "130000", "130600", "130681", "130608", "130606"
HEADER = "序号,企业名称,所属城市,所属区县,行业大类名称,行业名称,负责评估验收部门\n"
# Three enterprises of the demo roster (seed 001) in two Baoding counties, as the province lists them.
SMALL_LIST = HEADER + (
    "6,涿州市飞耀金属制品有限公司,保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅\n"
    "12,涿州迅利达创新科技发展有限公司,保定市,涿州市,仪器仪表制造业,光学仪器制造,保定市生态环境分局\n"
    "37,保定玖福食品有限公司,保定市,清苑区,农副食品加工业,禽类屠宰,保定市生态环境局\n"
)


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def user(session, login: str) -> User:
    """A demo account that has already replaced its initial password.

    The demo has Baoding's departments only; another department (e.g. 石家庄 130100) is created here.
    """
    account = session.scalar(select(User).where(User.login == login))
    if account is None:
        from core.auth import create_account
        from core.divisions import level_of_code
        from core.models import Division

        division = session.get(Division, login)
        account, _ = create_account(session, login=login, display_name=f"{division.name}生态环境部门",
                                    tier=level_of_code(login), division_code=login)
    account.must_change_password = False
    session.flush()
    return account


def new_task(session, rows: str = SMALL_LIST, name: str = "2021年白洋淀流域涉水企业名单核定"):
    """A drafted task holding `rows`; returns the province's assignment."""
    province = user(session, PROVINCE)
    assignment = roster.create_task(session, province, name=name, batch="第二批", requirements="逐一核实",
                                    deadline=date.today() + timedelta(days=30))
    checked = preview(session, "名单.csv", rows.encode("utf-8"))
    assert checked.ok, [r.errors for r in checked.rows]
    roster_list.import_rows(session, province, assignment.id, assignment.version, checked.rows)
    return assignment


def part(session, task_id: int, code: str):
    from core.workflow_models import RosterAssignment

    return session.scalar(select(RosterAssignment).where(RosterAssignment.task_id == task_id,
                                                         RosterAssignment.division_code == code))


def approved_task(session, rows: str = SMALL_LIST) -> int:
    """A roster task taken through the whole loop unchanged, its final list fixed; returns its id."""
    from core.workflow_models import RosterStatus

    province_part = new_task(session, rows)
    task_id = province_part.task_id
    roster.dispatch(session, user(session, PROVINCE), province_part.id, province_part.version, agreed=True)
    city_part = part(session, task_id, CITY)
    roster.dispatch(session, user(session, CITY), city_part.id, city_part.version, agreed=True)
    for county in roster.children_of(session, city_part):
        roster.submit(session, user(session, county.division_code), county.id, county.version, agreed=True,
                      final_list_name="最终名单.pdf", final_list=pdf_bytes())
        roster.review(session, user(session, CITY), county.id, county.version, approve=True, comment="")
    roster.submit(session, user(session, CITY), city_part.id, city_part.version, agreed=True,
                  final_list_name="保定市最终名单.pdf", final_list=pdf_bytes())
    roster.review(session, user(session, PROVINCE), city_part.id, city_part.version, approve=True, comment="")
    roster.finalize(session, user(session, PROVINCE), province_part.id, province_part.version, agreed=True)
    assert province_part.status is RosterStatus.APPROVED
    return task_id


def entries(session, actor, assignment):
    """The entries of a department's part in list order, as ORM rows (the screens read pages of them
    through core.roster_reading)."""
    from core import roster_reading
    from core.workflow_models import RosterEntry

    rows = roster_reading.entry_rows(session, actor, assignment, limit=None)
    return [session.get(RosterEntry, r.entry_id) for r in rows]
