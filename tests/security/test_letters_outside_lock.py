"""Letters are hashed and rendered outside the write transaction (issue 12, finding 5): a login at that
moment goes through, and nothing is issued unless the short final write commits."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core import auth, letter_issue, notice
from core import letters as letter_pdf
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import AuditLogEntry, User
from core.notice_models import NoticeLetter
from tests.conftest import demo_password
from tests.support.roster import ZHUOZHOU, user
from tests.unit.test_notice import cascade_to_counties, the_part
from ui import notice_letters_view

WAIT = 60  # seconds: a bound for a thread that never comes, not a measurement


class Bar:
    """The progress bar of the screen; `on_first` runs when the slow work has begun."""

    def __init__(self, on_first=None):
        self.on_first, self.texts = on_first, []

    def progress(self, value, text=""):  # noqa: ARG002
        if self.on_first is not None:
            first, self.on_first = self.on_first, None
            first()
        self.texts.append(text)


def _county(uow):
    with uow() as s:
        county = the_part(s, cascade_to_counties(s), ZHUOZHOU)
        return county.id, {x.id: x.version for x in notice.letters_in(s, county)}, user(s, ZHUOZHOU)


def _issued_state(s, letter_ids):
    letters = [s.get(NoticeLetter, i) for i in letter_ids]
    accounts = s.scalar(select(func.count()).select_from(User).where(User.login.startswith(f"QY{ZHUOZHOU}")))
    logged = s.scalar(select(func.count()).select_from(AuditLogEntry)
                      .where(AuditLogEntry.action == "notice.letter_issue"))
    return [x.generation_count for x in letters], accounts, logged


def test_a_login_goes_through_while_letters_are_hashed(uow):
    part_id, seen, county = _county(uow)
    hashing, logged_in = threading.Event(), threading.Event()
    result = {}

    def wait_for_login():
        hashing.set()
        assert logged_in.wait(WAIT), "the login never finished"

    def generate():
        try:
            result["bundle"] = notice_letters_view._issue(county, _part(part_id), list(seen), seen, Bar(wait_for_login))
        except BaseException as exc:  # noqa: BLE001
            result["error"] = exc

    worker = threading.Thread(target=generate)
    worker.start()
    assert hashing.wait(WAIT)
    # The county is half-way through its letters: the province signs in (a write: session, audit log).
    login = auth.log_in("130000", demo_password("130000"))
    logged_in.set()
    worker.join(WAIT)
    assert login.ok, login.message
    assert "error" not in result, result
    zipped, pdfs, count = result["bundle"]
    assert count == 2 and zipped[:2] == b"PK" and letter_pdf.merged_pdf(pdfs)[:5] == b"%PDF-"
    with uow() as s:
        assert _issued_state(s, list(seen)) == ([1, 1], 2, 2)


def _part(part_id):
    with unit_of_work() as s:
        return notice.get_part(s, user(s, ZHUOZHOU), part_id)


def test_nothing_is_issued_when_packaging_fails(uow, monkeypatch):
    part_id, seen, county = _county(uow)

    def broken(_):
        raise OSError("disk full")

    monkeypatch.setattr(letter_pdf, "letters_zip", broken)
    with pytest.raises(OSError):
        notice_letters_view._issue(county, _part(part_id), list(seen), seen, Bar())
    with uow() as s:
        assert _issued_state(s, list(seen)) == ([0, 0], 0, 0)


def test_a_refused_write_issues_nothing_and_the_earlier_passwords_stay(uow):
    """Two officials of the county generate at once: the one who writes second is refused, and the
    passwords printed for the first stay the valid ones."""
    part_id, seen, county = _county(uow)
    with unit_of_work() as s:
        late = letter_issue.plan(s, s.get(User, county.id), part_id, list(seen), seen=seen)
    late_passwords = letter_issue.prepare(late)
    first = run_write(lambda s: letter_issue.issue_letters(s, s.get(User, county.id), part_id, list(seen),
                                                             seen=seen))
    with pytest.raises(RuleViolation, match="本次生成未生效"):
        run_write(lambda s: letter_issue.record(s, s.get(User, county.id), late, late_passwords))
    with uow() as s:
        assert _issued_state(s, list(seen)) == ([1, 1], 2, 2)
        for letter in first:
            assert auth.authenticate(s, letter.account, letter.password).ok
        for letter in late_passwords:
            assert not auth.authenticate(s, letter.account, letter.password).ok


def test_a_plan_based_on_letters_issued_since_is_refused(uow):
    part_id, seen, county = _county(uow)
    with uow() as s:
        notice.issue_letters(s, s.get(User, county.id), part_id)
    with uow() as s, pytest.raises(RuleViolation, match="本次生成未生效"):
        letter_issue.plan(s, s.get(User, county.id), part_id, list(seen), seen=seen)
