"""core.db: conflicts become a Chinese message at the unit-of-work boundary, writing units on SQLite take
the write lock first, and run_write tries a conflicting unit once more."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text

from core import options
from core.db import get_engine, lock, run_write, unit_of_work
from core.errors import Conflict, RuleViolation
from core.models import Base, Counter, User
from core.project_models import CleanerOption
from tests.support.projects import an_option, started


def _option(uow) -> int:
    with uow() as s:
        project, enterprise = started(s)
        return an_option(s, enterprise, project.id).id


def test_a_write_on_what_someone_else_changed_meanwhile_is_a_conflict(uow):
    """Read, someone else commits a change, then write: SQLite finds its snapshot outdated, PostgreSQL
    the version gone; both end in Conflict, and the other change stays."""
    option_id = _option(uow)
    with pytest.raises(Conflict, match="请"), unit_of_work() as mine:
        option = mine.get(CleanerOption, option_id)
        with unit_of_work(write=True) as theirs:
            theirs.get(CleanerOption, option_id).name = "他人修改"
        option.name = "我的修改"
    with uow() as s:
        assert s.get(CleanerOption, option_id).name == "他人修改"


def test_a_duplicate_is_a_conflict_and_other_database_errors_are_not(uow):
    with pytest.raises(Conflict, match="已由他人完成"), uow() as s:
        s.add_all([Counter(name="dup", value=1), Counter(name="dup", value=2)])
    with pytest.raises(Exception) as raised, uow() as s:  # a bug must surface, not pass for a race
        s.add(Counter(name="null", value=None))
    assert not isinstance(raised.value, RuleViolation)
    with pytest.raises(ZeroDivisionError), uow():
        1 / 0  # noqa: B018


def test_run_write_tries_a_conflict_once_more(db):
    attempts = []

    def flaky(session):
        attempts.append(1)
        if len(attempts) == 1:
            raise Conflict("busy")
        return session.scalar(select(Counter).where(Counter.name == "none"))

    assert run_write(flaky) is None and len(attempts) == 2
    attempts.clear()
    with pytest.raises(Conflict):
        run_write(lambda s: attempts.append(1) or (_ for _ in ()).throw(Conflict("busy")))
    assert len(attempts) == 2
    with pytest.raises(RuleViolation):  # a refusal is final: not tried again
        run_write(lambda s: attempts.append(1) or (_ for _ in ()).throw(RuleViolation("不允许")))
    assert len(attempts) == 3


def test_lock_reloads_the_row_and_refuses_one_that_is_gone(uow):
    option_id = _option(uow)
    table = CleanerOption.__table__
    with uow(write=True) as s:
        option = s.get(CleanerOption, option_id)
        s.execute(table.update().where(table.c.id == option_id).values(name="库中的值"))
        assert option.name != "库中的值"
        lock(s, option)
        assert option.name == "库中的值"
        s.execute(table.delete().where(table.c.id == option_id))
        with pytest.raises(RuleViolation, match="方案已删除"):
            lock(s, option, "方案已删除")


@pytest.fixture
def sqlite_engine(tmp_path):
    """A SQLite database of its own, whatever engine the suite runs on: this is the SQLite set-up."""
    engine = get_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    Base.metadata.create_all(engine, tables=[Counter.__table__])
    yield engine, tmp_path / "locks.db"
    engine.dispose()


def _try_write_lock(path) -> bool:
    raw = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        raw.close()


def test_on_sqlite_a_writing_unit_holds_the_write_lock_from_its_start_and_a_reading_one_never(sqlite_engine):
    engine, path = sqlite_engine
    with unit_of_work(engine) as reading:
        reading.execute(text("SELECT COUNT(*) FROM counters")).scalar()
        assert _try_write_lock(path)  # readers do not keep writers out (WAL)
    with unit_of_work(engine, write=True) as writing:
        assert not _try_write_lock(path)  # taken at BEGIN, before anything is written
        writing.add(Counter(name="a", value=1))
    assert _try_write_lock(path)


def test_on_sqlite_reads_in_a_unit_see_one_snapshot(sqlite_engine):
    """pysqlite began transactions only at the first write, so the checks before it read outside any."""
    engine, _ = sqlite_engine
    with unit_of_work(engine) as s:
        s.add(Counter(name="snap", value=1))
    with unit_of_work(engine) as reading:
        first = reading.execute(text("SELECT value FROM counters WHERE name = 'snap'")).scalar()
        with unit_of_work(engine, write=True) as writing:
            writing.execute(text("UPDATE counters SET value = 2 WHERE name = 'snap'"))
        again = reading.execute(text("SELECT value FROM counters WHERE name = 'snap'")).scalar()
    assert first == again == 1


def test_on_sqlite_a_deferred_unit_that_read_cannot_write_while_another_writes(sqlite_engine):
    """Why writing units begin with BEGIN IMMEDIATE: a unit that has read and then writes while another
    unit holds the write lock is refused at once (SQLITE_BUSY, busy_timeout does not apply), as a Conflict."""
    engine, path = sqlite_engine
    with unit_of_work(engine, write=True) as writing:
        writing.add(Counter(name="held", value=1))
        writing.flush()
        with pytest.raises(Conflict, match="系统正忙"), unit_of_work(engine) as reading:
            reading.execute(text("SELECT COUNT(*) FROM counters")).scalar()
            reading.add(Counter(name="late", value=1))
    with unit_of_work(engine) as s:
        assert s.scalars(select(Counter.name)).all() == ["held"]


def test_a_stale_option_keeps_its_own_message(uow):
    with uow() as s:
        project, enterprise = started(s)
        option = an_option(s, enterprise, project.id)
        ids = (enterprise.id, project.id, option.id, option.version)
        form = options.OptionForm(kind=option.kind, name="第一稿", stage=option.stage, status=option.status)
    account_id, project_id, option_id, version = ids
    with uow() as s:
        options.save_option(s, s.get(User, account_id), project_id, form, option_id, version)
    with uow() as s, pytest.raises(RuleViolation, match="该方案已被本企业其他用户修改"):
        options.save_option(s, s.get(User, account_id), project_id, form, option_id, version)


def test_a_deferred_write_that_met_another_retries_taking_the_lock_first(db, monkeypatch):
    """Two sign-ins at once both failed when each of run_write's tries was deferred: the second one
    met the next writer again. Its retry now waits for SQLite's write lock (BEGIN IMMEDIATE)."""
    import core.db as core_db

    taken = []
    real = core_db.unit_of_work

    def spy(engine=None, *, write=False):
        taken.append(write)
        return real(engine, write=write)

    monkeypatch.setattr(core_db, "unit_of_work", spy)
    outcomes = iter([Conflict("系统正忙"), None])

    def action(session):
        if (problem := next(outcomes)) is not None:
            raise problem
        return session.scalar(select(User.login).order_by(User.id).limit(1))

    assert run_write(action, lock_first=False)
    assert taken == [False, True]
