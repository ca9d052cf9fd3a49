"""roster_list refuses accounts that may not act (issue 12, finding 12): disabled, or still holding the
initial password. Every verifying action is tried with such an account and must change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import roster_list
from core.errors import PermissionDenied
from core.models import Enterprise
from core.roster_import import preview
from core.workflow_models import RosterEntry
from tests.support.roster import PROVINCE, SMALL_LIST, new_task, pdf_bytes, user
from tests.support.roster import entries as roster_entries

STATES = {"must_change_password": "请先修改初始密码", "disabled": "账户已停用"}


def _unable(s, how: str):
    account = user(s, PROVINCE)
    if how == "disabled":
        account.is_active = False
    else:
        account.must_change_password = True
    s.flush()
    return account


def _actions(s, part, entries):
    entry, other = entries[0], entries[1]
    outsider = s.scalar(select(Enterprise).where(Enterprise.id.not_in([e.enterprise_id for e in entries]),
                                                 Enterprise.name.like("%有限公司%")))
    checked = preview(s, "名单.csv", SMALL_LIST.encode("utf-8")).rows
    return {
        "mark_excluded": lambda a: roster_list.mark_excluded(s, a, [(entry.id, entry.version)], "已停产",
                                                             [("证明.pdf", pdf_bytes())]),
        "restore": lambda a: roster_list.restore(s, a, other.id, other.version),
        "revise_exclusion": lambda a: roster_list.revise_exclusion(s, a, other.id, other.version, "已停产", [],
                                                                   [("证明.pdf", pdf_bytes())]),
        "withdraw": lambda a: roster_list.withdraw(s, a, entry.id, entry.version),
        "correct": lambda a: roster_list.correct(s, a, entry.id, entry.version, {"address": "保定市清苑区"}),
        "set_flags": lambda a: roster_list.set_flags(s, a, [(entry.id, entry.version)], double_exceed=True),
        "add_enterprise": lambda a: roster_list.add_enterprise(s, a, part.id, outsider.id),
        "import_rows": lambda a: roster_list.import_rows(s, a, part.id, part.version, checked),
    }


@pytest.mark.parametrize("how", list(STATES))
@pytest.mark.parametrize("action", ["mark_excluded", "restore", "revise_exclusion", "withdraw", "correct", "set_flags",
                                    "add_enterprise", "import_rows"])
def test_an_account_that_may_not_act_changes_nothing(uow, how, action):
    with uow() as s:
        part = new_task(s)
        entries = roster_entries(s, user(s, PROVINCE), part)
        roster_list.mark_excluded(s, user(s, PROVINCE), [(entries[1].id, entries[1].version)], "已关停",
                                  [("关停证明.pdf", pdf_bytes())])
        before = [(e.id, e.version, e.included) for e in s.scalars(select(RosterEntry).order_by(RosterEntry.id))]
        run = _actions(s, part, entries)[action]
        with pytest.raises(PermissionDenied, match=STATES[how]):
            run(_unable(s, how))
        after = [(e.id, e.version, e.included) for e in s.scalars(select(RosterEntry).order_by(RosterEntry.id))]
        assert after == before
        user(s, PROVINCE).is_active = True
        run(user(s, PROVINCE))  # the same action by the account once it may act: the refusal was the account
