"""Issuing 告知书: each enterprise gets its account and a new one-time password, printed only in its letter.

Rendering a letter takes a few hundredths of a second (hashing its one-time password far less since it
is a salted SHA-256, not bcrypt: see core.passwords); a county issues hundreds at once. None of that may
happen while the transaction holds SQLite's write lock
(a concurrent login failed with "database is locked"), so issuing runs in three phases:

1. `plan` — a short read: who may issue, which letters, their versions and the part's, the accounts
   (an existing one, or the login a new one will get), and what each letter prints;
2. `prepare` — no database: the passwords and their hashes (the screen then renders and packages the
   PDFs, still outside any transaction);
3. `record` — one short write: refused unless the part and every letter are still as `plan` read them;
   stores the hashes, creates the new accounts and marks the letters issued.

Nothing is issued unless `record` commits: a failure while hashing, rendering or packaging leaves the
letters as they were, and a refused `record` discards the rendered letters. A password exists in
plain text only on its way into the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, dates
from core.auth import create_account, enterprise_login, revoke_sessions
from core.db import flush_or_stale, lock
from core.errors import PermissionDenied, RuleViolation
from core.letters import LetterData
from core.models import Division, Tier, User, utcnow
from core.notice import OWNER_LETTER, S, letters_in, own_part
from core.notice_models import MILESTONES, AuditNotice, NoticeLetter
from core.paging import in_chunks
from core.passwords import generate_initial_password, hash_one_time_password

STALE_LETTERS = "告知书已被本部门其他用户生成，或任务已被修改：本次生成未生效，请刷新页面后重新生成"
DISPATCHED = "任务已下发至企业，不能再生成告知书"

Progress = Callable[[int, int], None]
# The milestones a letter prints (core.letters), in its order; the others concern the departments.
PRINTED_MILESTONES = ("register_due", "plan_due", "evaluation_due", "acceptance_apply_due", "acceptance_due")


def passed_milestones(notice: AuditNotice, today: date | None = None) -> list[tuple[str, date]]:
    """(label, date) of the milestones printed in the letter that are already past today (Beijing): a
    letter is dated the day it is issued, and would ask the enterprise for what it can no longer do."""
    today = today or dates.beijing_today()
    labels = dict(MILESTONES)
    return [(labels[key], getattr(notice, key)) for key in PRINTED_MILESTONES if getattr(notice, key) < today]


def passed_warning(notice: AuditNotice, today: date | None = None) -> str | None:
    """The county's warning before it issues letters whose printed milestones have passed, or None."""
    today = today or dates.beijing_today()
    passed = passed_milestones(notice, today)
    if not passed:
        return None
    listed = "；".join(f"{label}（{day:%Y-%m-%d}）" for label, day in passed)
    return (f"告知书落款日期为今天（{today:%Y-%m-%d}），但其中 {len(passed)} 个时间节点已过：{listed}。"
            f"企业无法按这些日期完成，请先联系省级通知的联系人（{notice.contact_person}，{notice.contact_phone}）"
            "确认时间安排，再生成告知书。")


@dataclass(frozen=True)
class PlannedLetter:
    letter_id: int
    version: int
    enterprise_id: int
    account: str
    new_account: bool  # the enterprise has no account yet: `record` creates `account`
    data: LetterData  # what the letter prints, its password still blank


@dataclass(frozen=True)
class LetterPlan:
    part_id: int
    part_version: int
    letters: tuple[PlannedLetter, ...]


@dataclass(frozen=True)
class IssuedLetter:
    letter_id: int
    account: str
    password: str  # plaintext exists only here, on its way into the PDF
    password_hash: str = field(default="", repr=False)


def plan(session: Session, actor: User, part_id: int, letter_ids: list[int] | None = None,
         today: date | None = None, seen: dict[int, int] | None = None) -> LetterPlan:
    """Phase 1: the checks and everything the letters print, read in one short unit of work.

    `seen`: the letters' versions as the page showed them; a letter issued by someone else since is
    refused rather than issued again (which would void the password just printed for it).
    """
    part = own_part(session, actor, part_id)
    if part.level is not Tier.COUNTY:
        raise PermissionDenied("告知书由企业所在区县生态环境部门出具")
    if part.status is not S.PENDING_DISPATCH:
        raise RuleViolation(DISPATCHED)
    letters = letters_in(session, part)
    if letter_ids is not None:
        wanted = set(letter_ids)
        letters = [x for x in letters if x.id in wanted]
        if len(letters) != len(wanted):
            raise PermissionDenied("只能生成本县企业的告知书")
    if seen is not None and any(seen.get(x.id, x.version) != x.version for x in letters):
        raise RuleViolation(STALE_LETTERS)
    accounts = dict(session.execute(select(User.enterprise_id, User.login).where(
        User.enterprise_id.in_([x.enterprise_id for x in letters]))).all())
    free = _free_logins(session, part.division_code)
    county = session.get(Division, part.division_code)
    city = session.get(Division, county.city_code) if county.city_code else None
    notice = session.get(AuditNotice, part.notice_id)
    planned = []
    for letter in letters:
        account = accounts.get(letter.enterprise_id)
        new = account is None
        if new:
            account = next(free)
        planned.append(PlannedLetter(letter.id, letter.version, letter.enterprise_id, account, new,
                                     _letter_data(letter, notice, county, city, account, today or dates.beijing_today())))
    return LetterPlan(part.id, part.version, tuple(planned))


def _free_logins(session: Session, county_code: str):
    """The county's enterprise logins not taken yet, in order (QY + county + 0001, 0002, ...)."""
    used = set(session.scalars(select(User.login).where(User.login.startswith(f"QY{county_code}"))))
    return (login for login in (enterprise_login(county_code, n) for n in range(1, 10_000)) if login not in used)


def _letter_data(letter: NoticeLetter, notice: AuditNotice, county: Division, city: Division | None, account: str,
                 today: date) -> LetterData:
    from core.demo import department_name

    return LetterData(
        letter_number=letter.letter_number, enterprise_name=letter.enterprise.name,
        basis=notice.basis or "《清洁生产审核办法》的有关规定", campaign=f"{notice.name}名单",
        register_due=notice.register_due, plan_due=notice.plan_due, evaluation_due=notice.evaluation_due,
        acceptance_apply_due=notice.acceptance_apply_due, acceptance_due=notice.acceptance_due,
        account=account, initial_password="", department_name=department_name(county, city), issue_date=today)


def prepare(letter_plan: LetterPlan, progress: Progress | None = None) -> list[IssuedLetter]:
    """Phase 2, outside any transaction: a new one-time password for every letter, and its hash
    (a salted SHA-256: the password is random and replaced at first login, see core.passwords)."""
    issued = []
    total = len(letter_plan.letters)
    for planned in letter_plan.letters:
        password = generate_initial_password()
        issued.append(IssuedLetter(planned.letter_id, planned.account, password, hash_one_time_password(password)))
        if progress is not None:
            progress(len(issued), total)
    return issued


def letter_data(letter_plan: LetterPlan, issued: list[IssuedLetter]) -> list[LetterData]:
    """What core.letters renders: each planned letter with its new password."""
    passwords = {x.letter_id: x.password for x in issued}
    return [replace(p.data, initial_password=passwords[p.letter_id]) for p in letter_plan.letters]


def record(session: Session, actor: User, letter_plan: LetterPlan, issued: list[IssuedLetter]) -> None:
    """Phase 3, one short write: the letters are issued exactly as planned, or not at all.

    The part is locked (a dispatch at the same moment waits, or is waited for) and must be as `plan`
    read it; so must every letter, so that two officials issuing at once cannot both hand out passwords.
    """
    part = own_part(session, actor, letter_plan.part_id)
    lock(session, part, STALE_LETTERS)
    if part.status is not S.PENDING_DISPATCH:
        raise RuleViolation(DISPATCHED)
    if part.version != letter_plan.part_version:
        raise RuleViolation(STALE_LETTERS)
    hashes = {x.letter_id: x.password_hash for x in issued}
    if set(hashes) != {p.letter_id for p in letter_plan.letters} or not all(hashes.values()):
        raise ValueError("every planned letter needs its prepared password")
    letters = {x.id: x for x in _load(session, NoticeLetter, NoticeLetter.id,
                                      [p.letter_id for p in letter_plan.letters])}
    users = {u.enterprise_id: u for u in _load(session, User, User.enterprise_id,
                                               [p.enterprise_id for p in letter_plan.letters])}
    for planned in letter_plan.letters:
        letter = letters.get(planned.letter_id)
        if letter is None or letter.version != planned.version or letter.notice_id != part.notice_id:
            raise RuleViolation(STALE_LETTERS)
    # Accounts first, letters after: creating an account flushes, and a flush with a changed letter
    # recomputes its progress (core.progress); this way the letters' progress is computed once, together.
    for planned in letter_plan.letters:
        _set_password(session, actor, letters[planned.letter_id], planned, hashes[planned.letter_id],
                      users.get(planned.enterprise_id))
    now = utcnow()
    for planned in letter_plan.letters:
        letter = letters[planned.letter_id]
        letter.generated_at = now
        letter.generation_count += 1
        audit.record(session, actor=actor, action="notice.letter_issue", object_type=OWNER_LETTER,
                     object_id=letter.id, after={"letter_number": letter.letter_number, "account": planned.account,
                                                 "generation": letter.generation_count})
    flush_or_stale(session, STALE_LETTERS)


def _load(session: Session, model, column, values: list) -> list:
    """The rows whose column is in values, read in chunks."""
    return [row for chunk in in_chunks(values) for row in session.scalars(select(model).where(column.in_(chunk)))]


def _set_password(session: Session, actor: User, letter: NoticeLetter, planned: PlannedLetter,
                  password_hash: str, user: User | None) -> None:
    if planned.new_account:
        if user is not None:  # created meanwhile by another issuing
            raise RuleViolation(STALE_LETTERS)
        enterprise = letter.enterprise
        create_account(session, login=planned.account, display_name=enterprise.name, tier=Tier.ENTERPRISE,
                       division_code=enterprise.division_code, enterprise_id=enterprise.id,
                       password_hash=password_hash, actor=actor)
        return
    if user is None or user.login != planned.account:
        raise RuleViolation(STALE_LETTERS)
    user.password_hash = password_hash
    user.must_change_password = True
    revoke_sessions(session, user.id)  # the earlier letter's password is void, and so are its sessions


def issue_letters(session: Session, actor: User, part_id: int, letter_ids: list[int] | None = None,
                  progress: Progress | None = None, seen: dict[int, int] | None = None) -> list[IssuedLetter]:
    """The three phases in the caller's one transaction: for scripts and tests, where no one waits.

    The screen (ui/notice_letters_view.py) runs them apart so that no write lock is held while hashing.
    """
    letter_plan = plan(session, actor, part_id, letter_ids, seen=seen)
    issued = prepare(letter_plan, progress)
    record(session, actor, letter_plan, issued)
    return issued
