"""The least-privileged database role of production (finding 11: the app connected as superuser).

On PostgreSQL the test creates a role of its own (roles are cluster-wide: the name is unique to the
run), connects as it, checks that the portal works and that the role cannot empty, rewrite or
remove audit entries, nor change the schema. SQLite has no roles: the command says so.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core import auth, setup
from core.audit_verify import verify_chain
from core.config import database_url
from core.db import dispose_engines, get_engine, unit_of_work
from core.db_roles import grant_app_role
from core.errors import RuleViolation
from tests.conftest import demo_password

REFUSED = [
    "TRUNCATE audit_log",
    "TRUNCATE users",
    "DELETE FROM audit_log",
    "UPDATE audit_log SET action = 'forged'",
    "DELETE FROM audit_chain_head",
    "CREATE TABLE intruder (id integer)",
    "ALTER TABLE users ADD COLUMN intruder integer",
    "DROP TABLE login_throttle",
    "DROP TRIGGER audit_log_append_only ON audit_log",
]


def test_the_app_role_can_work_but_not_rewrite_history_or_the_schema(uow, capsys):
    if get_engine().dialect.name != "postgresql":
        with pytest.raises(RuleViolation, match="PostgreSQL"):
            with get_engine().begin() as connection:
                grant_app_role(connection, "qjsc_app")
        assert setup.main(["--app-role", "qjsc_app"]) == 2
        assert "PostgreSQL" in capsys.readouterr().err
        return
    role = f"qjsc_app_test_{uuid.uuid4().hex[:12]}"
    with get_engine().begin() as connection:
        granted = grant_app_role(connection, role)
    assert f"GRANT SELECT, INSERT ON TABLE audit_log TO {role}" in granted
    app = create_engine(make_url(database_url()).set(username=role, password=None))
    try:
        with unit_of_work(app) as session:
            assert auth.authenticate(session, "130602", demo_password("130602")).ok
            assert not auth.authenticate(session, "130602", "Wrong#Pass1").ok
        for statement in REFUSED:
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with app.begin() as connection:
                    connection.execute(text(statement))
        with unit_of_work(app) as session:
            assert verify_chain(session).intact
    finally:
        app.dispose()
        dispose_engines()  # the side pool (core.db.side_engine) holds connections as the role too
        with get_engine().begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
