"""Paths and settings read from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "qingshen.db"


def database_url() -> str:
    """The SQLAlchemy URL: DATABASE_URL if set, else the embedded SQLite file under data/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def secret_key() -> str:
    """Key that signs the login cookie.

    Taken from QJSC_SECRET_KEY when set (production: one key shared by every server process);
    otherwise generated once and kept in data/secret_key, which is never committed.
    """
    env = os.environ.get("QJSC_SECRET_KEY")
    if env:
        return env
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
