"""Signed-in sessions: opened at login, resumed on every request, ended by logout, idleness or age.

A session has two secrets, both kept only as sha256 in `user_sessions`:

- the *token*, held server-side in the Streamlit session of the tab that logged in; it never
  reaches the browser;
- the *cookie token*, which lets a reload or a new tab find the session again. The page never
  sees it: after login the page receives a one-time *ticket* (single use, valid for a minute) and
  posts it to the server's cookie route, which answers with an HttpOnly cookie holding a fresh
  cookie token (`redeem_ticket`).

Either secret resumes the session. A session ends when revoked, SESSION_HOURS after login, or after
IDLE_MINUTES without a request; the last request is written at most once a minute per session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.models import User, UserSession, utcnow

SESSION_HOURS = 12
IDLE_MINUTES = 30
TICKET_SECONDS = 60
# A request refreshes last_seen_at only when the stored value is older than this: one write a
# minute per session at most, whatever the number of reruns.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
CLIENT_MAX_LENGTH = 64


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", errors="replace")).hexdigest()


def client_key(client: str | None) -> str:
    """The key a client (its IP address as the server sees it) is counted and remembered under."""
    return (client or "local")[:CLIENT_MAX_LENGTH]


def open_session(session: Session, user: User, now: datetime | None = None, client: str | None = None) -> str:
    """Open a session for `user` and return its token (kept server-side, never sent to the browser)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=hash_secret(token), user_id=user.id, created_at=now, last_seen_at=now,
                            expires_at=now + timedelta(hours=SESSION_HOURS), client=client_key(client)))
    session.flush()
    return token


def _row(session: Session, secret: str | None) -> UserSession | None:
    if not secret:
        return None
    digest = hash_secret(secret)
    return session.scalar(select(UserSession).where(
        or_(UserSession.token_hash == digest, UserSession.cookie_hash == digest)))


def _alive(row: UserSession, now: datetime) -> bool:
    return (row.revoked_at is None and row.expires_at > now
            and row.last_seen_at > now - timedelta(minutes=IDLE_MINUTES))


def resume_session(session: Session, secret: str | None, now: datetime | None = None) -> User | None:
    """The user a token or cookie token belongs to, or None if revoked, expired, idle or never issued.

    Counts as activity: refreshes the session's last request (at most once a minute).
    """
    now = now or utcnow()
    row = _row(session, secret)
    if row is None:
        return None
    if not _alive(row, now):
        if row.revoked_at is None:
            row.revoked_at = now  # idle or expired: ended for good, even if the clock were moved back
        return None
    user = session.get(User, row.user_id)
    if not (user and user.is_active):
        return None
    if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
    return user


def signed_in_user(session: Session, secret: str | None, now: datetime | None = None) -> User | None:
    """Who a live token names, as resume_session decides it, but writing nothing: for a request the
    database was too busy to note (many sign-ins at one moment); the next request notes the activity."""
    now = now or utcnow()
    row = _row(session, secret)
    if row is None or not _alive(row, now):
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def revoke_sessions(session: Session, user_id: int, keep_token: str | None = None,
                    now: datetime | None = None) -> int:
    """End every live session of a user except the one `keep_token` names; returns how many ended."""
    stmt = (update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow()))
    if (keep := _row(session, keep_token)) is not None:
        stmt = stmt.where(UserSession.token_hash != keep.token_hash)
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount


def end_session(session: Session, secret: str | None, now: datetime | None = None) -> bool:
    """End the one session a token or cookie token names (the cookie route's logout)."""
    row = _row(session, secret)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    return True


def issue_ticket(session: Session, token: str, now: datetime | None = None) -> str | None:
    """A one-time ticket the page exchanges for the session cookie; None if the session is not alive.

    Issuing a ticket replaces any earlier one of the same session.
    """
    now = now or utcnow()
    row = _row(session, token)
    if row is None or not _alive(row, now):
        return None
    ticket = secrets.token_urlsafe(32)
    row.ticket_hash = hash_secret(ticket)
    row.ticket_expires_at = now + timedelta(seconds=TICKET_SECONDS)
    return ticket


def redeem_ticket(session: Session, ticket: str | None, now: datetime | None = None) -> tuple[str, datetime] | None:
    """Exchange a ticket for a fresh cookie token and the session's expiry; None if not valid.

    The exchange is one conditional UPDATE, so two requests racing with one ticket cannot both win.
    A new cookie token replaces the session's previous one.
    """
    if not ticket or len(ticket) > 128:
        return None
    now = now or utcnow()
    cookie_token = secrets.token_urlsafe(32)
    stmt = (update(UserSession)
            .where(UserSession.ticket_hash == hash_secret(ticket), UserSession.ticket_expires_at > now,
                   UserSession.revoked_at.is_(None), UserSession.expires_at > now,
                   UserSession.last_seen_at > now - timedelta(minutes=IDLE_MINUTES))
            .values(ticket_hash=None, ticket_expires_at=None, cookie_hash=hash_secret(cookie_token))
            .returning(UserSession.expires_at))
    expires_at = session.execute(stmt, execution_options={"synchronize_session": False}).scalar()
    if expires_at is None:
        return None
    return cookie_token, expires_at


# --- the cookie's value: the cookie token, signed with the installation's secret key ------------

def cookie_value(cookie_token: str, expires_at: datetime) -> str:
    """The signed (HS256, QJSC_SECRET_KEY) value of the session cookie, carrying the cookie token."""
    import jwt

    from core.config import secret_key

    return jwt.encode({"sid": cookie_token, "exp": int(expires_at.timestamp())}, secret_key(), algorithm="HS256")


def cookie_token(value: str | None) -> str | None:
    """The cookie token a cookie's value carries, or None if it is missing, forged or expired."""
    import jwt

    from core.config import secret_key

    if not value or len(value) > 512:
        return None
    try:
        payload = jwt.decode(value, secret_key(), algorithms=["HS256"], options={"require": ["exp", "sid"]})
    except jwt.PyJWTError:
        return None
    sid = payload.get("sid")
    return sid if isinstance(sid, str) else None
