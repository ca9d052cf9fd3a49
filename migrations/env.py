"""Alembic environment: migrates the database named by core.config.database_url()."""

from alembic import context

from core.db import get_engine
import core.notice_models  # noqa: F401  (registers the workflow tables on Base.metadata)
import core.disclosure_models  # noqa: F401
import core.indicator_models  # noqa: F401
import core.project_models  # noqa: F401
import core.review_models  # noqa: F401
import core.workflow_models  # noqa: F401
import core.progress  # noqa: F401
from core.models import Base

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    from core.config import database_url

    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection") or get_engine()
    if hasattr(connectable, "connect") and not hasattr(connectable, "in_transaction"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
