"""A tiny synthetic province (bench/synthetic.py), built once for the session into a folder of its own.

Always SQLite, whatever DATABASE_URL says: building empties the database it is given, so it never goes near
the suite's own. A test that uses `province` has DATABASE_URL pointing at it, and only while it runs.
"""

from __future__ import annotations

import os

import pytest

from bench import synthetic

SCALE = 0.05  # 255 enterprises: every state the pages show, in a couple of seconds


@pytest.fixture(scope="session")
def _built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "BENCH_DIR", folder)
        patch.setenv("DATABASE_URL", os.environ["DATABASE_URL"])  # put back once built
        meta = synthetic.ensure(SCALE, quiet=True)
    return folder, meta


@pytest.fixture
def province(_built, monkeypatch):
    """The built province's notes; the portal's code reads and writes that database during the test."""
    folder, meta = _built
    monkeypatch.setattr(synthetic, "BENCH_DIR", folder)
    monkeypatch.setenv("DATABASE_URL", synthetic.sqlite_url(SCALE))
    return meta
