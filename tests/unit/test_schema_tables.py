"""The suite's list of tables to empty between tests on PostgreSQL names every table but the reference
data: a new table missing from it carries one test's rows into the next (due_totals once did)."""

from __future__ import annotations

import importlib
import pkgutil

import core
from core.models import Base
from tests.conftest import MUTABLE_TABLES

# Loaded once from ../shared/data and never written by a workflow; the audit chain's head is reset apart.
KEPT = {"divisions", "industries", "audit_chain_head"}


def test_every_written_table_is_emptied_between_tests():
    for module in pkgutil.iter_modules(core.__path__):
        importlib.import_module(f"core.{module.name}")  # every model registered on Base
    assert set(Base.metadata.tables) - KEPT == set(MUTABLE_TABLES)
