"""Shared fixtures: a migrated database with the demo data, reset before every test that asks.

The engine is SQLite in a temporary folder unless DATABASE_URL names another one (CI runs the
whole suite a second time on PostgreSQL).
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

# Before core is imported anywhere: cheap bcrypt, and a database of the suite's own.
os.environ.setdefault("QJSC_BCRYPT_ROUNDS", "4")
_TMP = Path(tempfile.mkdtemp(prefix="qjsc-tests-"))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
os.environ.setdefault("QJSC_SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ.setdefault("QJSC_UPLOAD_DIR", str(_TMP / "uploads"))

from sqlalchemy import text  # noqa: E402

from core import dates  # noqa: E402
from core.config import PROJECT_ROOT, database_url  # noqa: E402
from core.db import dispose_engines, get_engine, unit_of_work  # noqa: E402

# The tests' campaign is dated from this day (tests/unit/test_notice.START): its notices set deadlines
# from it. core.dates judges dates set "now" against it, so that those fixtures stay valid on any later
# day; tests of that rule date themselves from it too.
CAMPAIGN_DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _campaign_calendar(monkeypatch):
    monkeypatch.setattr(dates, "beijing_today", lambda: CAMPAIGN_DAY)


DEMO_ACCOUNTS = PROJECT_ROOT / "data" / "demo" / "accounts.csv"
EMPTY_TEMPLATE = _TMP / "empty.db"
# Every table a test may write (PostgreSQL empties them between tests); tests/unit/test_schema_tables.py
# keeps the list complete.
MUTABLE_TABLES = ("messages", "outbox", "progress_totals", "county_totals", "due_totals", "roster_counts", "case_counts", "enterprise_counts",
                  "instance_settings", "counters", "letter_progress", "indicator_values", "grading_sheets",
                  "grading_profiles", "indicators", "indicator_groups", "indicator_systems", "disclosure_records",
                  "permit_records",
                  "audit_log", "user_sessions", "login_throttle", "attachments", "case_results", "site_reviews",
                  "expert_opinions", "panel_members", "expert_draws", "experts", "intake_opinions",
                  "case_remarks", "cases",
                  "cleaner_options", "stage_completions", "stage_records", "audit_projects", "notice_letters",
                  "notice_assignments", "audit_notices", "roster_reviews",
                  "roster_entries", "roster_assignments", "roster_tasks", "users", "enterprises")


def demo_password(login: str) -> str:
    with open(DEMO_ACCOUNTS, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["login"] == login:
                return row["password"]
    raise KeyError(login)


def _is_sqlite() -> bool:
    return database_url().startswith("sqlite")


def _sqlite_path() -> Path:
    return Path(database_url().removeprefix("sqlite:///"))


@pytest.fixture(scope="session")
def _template():
    """Migrate once and load the demo data; on SQLite keep copies of the file to restore from,
    with the reference data only (`EMPTY_TEMPLATE`) and with the demo data (returned)."""
    from core.setup import migrate, prepare

    if not _is_sqlite():
        migrate()
        _truncate()
    prepare(demo=False)
    if _is_sqlite():
        dispose_engines()
        shutil.copy(_sqlite_path(), EMPTY_TEMPLATE)
    prepare(demo=True)
    if _is_sqlite():
        dispose_engines()
        template = _TMP / "template.db"
        shutil.copy(_sqlite_path(), template)
        return template
    return None


def _truncate() -> None:
    # The audit log refuses TRUNCATE (a trigger); the suite, as superuser, turns triggers off for
    # this one transaction and starts the chain again.
    with get_engine().begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {', '.join(MUTABLE_TABLES)} RESTART IDENTITY CASCADE"))
        connection.execute(text("UPDATE audit_chain_head SET last_id = 0, last_hash = :genesis"),
                           {"genesis": "0" * 64})


def reset_database(template: Path | None, demo: bool = True) -> None:
    if template is not None:
        dispose_engines()
        for suffix in ("-wal", "-shm"):
            Path(str(_sqlite_path()) + suffix).unlink(missing_ok=True)
        shutil.copy(template if demo else EMPTY_TEMPLATE, _sqlite_path())
    else:
        from core.demo import load_demo
        from core.indicator_systems import load_shipped

        _truncate()
        with unit_of_work() as session:
            load_shipped(session)
            if demo:
                load_demo(session)


@pytest.fixture
def db(_template):
    """A database holding exactly the reference and demo data."""
    reset_database(_template)
    yield


@pytest.fixture
def uow(db):
    return unit_of_work


@pytest.fixture
def empty_db(_template):
    """A migrated database with the reference data and nothing else (no accounts, no mode)."""
    reset_database(_template, demo=False)
    yield unit_of_work
