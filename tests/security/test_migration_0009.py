"""Migration 0009 (counters, panel member versions, the unique indexes against doubles): up and down
on the suite's engine, in a database (SQLite) or schema (PostgreSQL) of its own, and the models in step."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import core.disclosure_models  # noqa: F401  (the tables of every model file)
import core.notice_models  # noqa: F401
import core.project_models  # noqa: F401
import core.review_models  # noqa: F401
import core.case_counts  # noqa: F401
import core.enterprise_counts  # noqa: F401
import core.roster_counts  # noqa: F401
import core.workflow_models  # noqa: F401
from core.config import database_url
from core.db import get_engine
from core.models import Base
from core.setup import alembic_config

INDEXES = {"uq_cases_open_kind": "cases", "uq_expert_draws_first": "expert_draws",
           "uq_expert_draws_replacement": "expert_draws", "uq_attachments_single_file": "attachments"}


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the suite's engine, dropped afterwards."""
    url = database_url()
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    scratch = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield scratch.render_as_string(hide_password=False)
    get_engine(scratch.render_as_string(hide_password=False)).dispose()
    with admin.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _alembic(url: str, *step: str) -> None:
    cfg = alembic_config()
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, step[0])(cfg, step[1])


def _schema(url: str) -> tuple[set[str], set[str], set[str]]:
    inspector = sa.inspect(get_engine(url))
    tables = set(inspector.get_table_names())
    indexes = {i["name"] for t in INDEXES.values() for i in inspector.get_indexes(t)}
    columns = {c["name"] for c in inspector.get_columns("panel_members")}
    return tables, indexes, columns


def test_0009_up_down_up_and_the_models_in_step(scratch_url):
    _alembic(scratch_url, "upgrade", "head")
    tables, indexes, columns = _schema(scratch_url)
    assert "counters" in tables and set(INDEXES) <= indexes and "version" in columns
    with get_engine(scratch_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []

    _alembic(scratch_url, "downgrade", "0008")
    tables, indexes, columns = _schema(scratch_url)
    assert "counters" not in tables and not set(INDEXES) & indexes and "version" not in columns

    _alembic(scratch_url, "upgrade", "head")
    tables, indexes, columns = _schema(scratch_url)
    assert "counters" in tables and set(INDEXES) <= indexes and "version" in columns


def test_0009_refuses_to_hide_doubles_made_before_it(scratch_url):
    """Two open cases of one kind made by the old race: the upgrade says which and changes nothing."""
    _alembic(scratch_url, "upgrade", "0008")
    insert = ("INSERT INTO cases (project_id, kind, status, application, submitted_at, step, managing_tier, round, "
              "version) VALUES (7, 'evaluation', 'submitted', '{}', CURRENT_TIMESTAMP, 'county_intake', 'city', 1, 1)")
    engine = get_engine(scratch_url)
    raw = engine.raw_connection()  # the cases' parent rows are not the point: foreign keys are off here
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA foreign_keys=OFF")
        else:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(insert)
        cursor.execute(insert)
        raw.commit()
        if engine.dialect.name != "sqlite":
            cursor.execute("SET session_replication_role = DEFAULT")
            raw.commit()
    finally:
        raw.invalidate()  # not back to the pool with foreign keys off
    with pytest.raises(RuntimeError, match="uq_cases_open_kind"):
        _alembic(scratch_url, "upgrade", "head")
    assert "counters" not in _schema(scratch_url)[0]
