"""The least-privileged PostgreSQL role the portal should connect as in production.

Migrations run as the owner of the tables (`python -m core.setup` with the owner's DATABASE_URL);
the portal connects as a role that may read and write rows but owns nothing, so it can neither
change the schema nor TRUNCATE, and may only INSERT and SELECT on the audit log:

    DATABASE_URL=postgresql+psycopg://owner@host/db python -m core.setup --app-role qjsc_app

creates the role when missing (LOGIN; its password from QJSC_APP_ROLE_PASSWORD when set) and
grants exactly that; run it again after every migration that adds tables.
"""

from __future__ import annotations

import os

from sqlalchemy import Connection, inspect, text

from core.errors import RuleViolation

# Tables the app may only append to and read, or only read, or (the chain head) read and move.
APPEND_ONLY = {"audit_log"}
READ_ONLY = {"alembic_version"}
READ_UPDATE = {"audit_chain_head"}


def _ident(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def grant_app_role(connection: Connection, role: str, password: str | None = None) -> list[str]:
    """Create `role` if needed and grant it the portal's rights on every table; returns the statements run."""
    if connection.dialect.name != "postgresql":
        raise RuleViolation("数据库角色只适用于 PostgreSQL；SQLite 由文件权限保护。")
    if password is None:
        password = os.environ.get("QJSC_APP_ROLE_PASSWORD")
    r = _ident(connection, role)
    database = _ident(connection, connection.execute(text("SELECT current_database()")).scalar())
    statements = []
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if not exists:
        statements.append(f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
    if password:
        statements.append(f"ALTER ROLE {r} PASSWORD {_literal(password)}")
    statements += [f"GRANT CONNECT ON DATABASE {database} TO {r}",
                   f"GRANT USAGE ON SCHEMA public TO {r}",
                   f"REVOKE CREATE ON SCHEMA public FROM {r}"]
    for table in sorted(inspect(connection).get_table_names(schema="public")):
        t = _ident(connection, table)
        statements.append(f"REVOKE ALL ON TABLE {t} FROM {r}")
        if table in APPEND_ONLY:
            rights = "SELECT, INSERT"
        elif table in READ_ONLY:
            rights = "SELECT"
        elif table in READ_UPDATE:
            rights = "SELECT, UPDATE"
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {rights} ON TABLE {t} TO {r}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
    for statement in statements:
        connection.exec_driver_sql(statement)  # no bind parameters: a ':' in a password stays literal
    return [s if "PASSWORD" not in s else s.split(" PASSWORD ")[0] + " PASSWORD ***" for s in statements]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
