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


# --- notifications (core/notify_gateways.py, core/notify_send.py) ---------------------------------

def sms_gateway() -> str:
    """The gateway for SMS: "log" (default: data/outbox.log) or "package.module:factory" for a vendor's."""
    return os.environ.get("QJSC_SMS_GATEWAY", "log")


def email_gateway() -> str:
    """The gateway for e-mail: "log" (default), "smtp" (QJSC_SMTP_*), or "package.module:factory"."""
    return os.environ.get("QJSC_EMAIL_GATEWAY", "log")


def outbox_log() -> Path:
    """Where the log gateway writes what it "sends" (one JSON line a message)."""
    return Path(os.environ.get("QJSC_OUTBOX_LOG") or DATA_DIR / "outbox.log")


def smtp_settings() -> dict:
    """The SMTP server of the smtp gateway: host, port, sender; optional login and STARTTLS."""
    return {"host": os.environ.get("QJSC_SMTP_HOST", "localhost"),
            "port": int(os.environ.get("QJSC_SMTP_PORT", "25")),
            "sender": os.environ.get("QJSC_SMTP_FROM", "noreply@localhost"),
            "username": os.environ.get("QJSC_SMTP_USER") or None,
            "password": os.environ.get("QJSC_SMTP_PASSWORD") or None,
            "starttls": os.environ.get("QJSC_SMTP_STARTTLS", "") == "1",
            "timeout": float(os.environ.get("QJSC_SMTP_TIMEOUT", "20"))}


def notify_max_attempts() -> int:
    """How many times the sender tries one SMS or e-mail before marking it failed."""
    return max(1, int(os.environ.get("QJSC_NOTIFY_MAX_ATTEMPTS", "5")))
