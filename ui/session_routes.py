"""HTTP routes of the session cookie, served next to Streamlit by server.py (st.App).

    GET  /api/session/client.js   the page's script (static: the CSP allows no inline script)
    POST /api/session/cookie      {"ticket": ...} -> Set-Cookie qjsc_session (HttpOnly, SameSite=Strict)
    POST /api/session/logout      ends the session the cookie names and drops the cookie

The cookie is set here, by the server, so that no script in the page can read it; its value is a
fresh cookie token that only this response carries (core.sessions.redeem_ticket).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core import sessions
from core.db import unit_of_work
from core.models import utcnow
from ui.session import COOKIE_NAME

CLIENT_JS = Path(__file__).with_name("session_client.js")
MAX_BODY = 1024


def cookie_secure(request: Request) -> bool:
    """Secure when the request came over https (also via a trusted proxy) or QJSC_COOKIE_SECURE says so."""
    forced = os.environ.get("QJSC_COOKIE_SECURE", "").strip().lower() in {"1", "true", "yes"}
    return forced or request.url.scheme in {"https", "wss"}


def _same_origin(request: Request) -> bool:
    """Refuse cross-site requests that a browser marks as such (Origin, Sec-Fetch-Site)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    # The host only: behind a TLS proxy the server may see http while the browser says https.
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def client_js(request: Request) -> Response:  # noqa: ARG001
    return Response(CLIENT_JS.read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


async def set_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return _no_store(Response(status_code=403))
    body = await request.body()
    try:
        ticket = json.loads(body)["ticket"] if len(body) <= MAX_BODY else None
    except (ValueError, KeyError, TypeError):
        ticket = None
    redeemed = await run_in_threadpool(_redeem, ticket if isinstance(ticket, str) else None)
    if redeemed is None:
        return _no_store(Response(status_code=403))
    cookie_token, expires_at = redeemed
    response = Response(status_code=204)
    response.set_cookie(COOKIE_NAME, sessions.cookie_value(cookie_token, expires_at),
                        max_age=max(0, int((expires_at - utcnow()).total_seconds())), path="/",
                        secure=cookie_secure(request), httponly=True, samesite="strict")
    return _no_store(response)


def _redeem(ticket: str | None):
    with unit_of_work() as session:
        return sessions.redeem_ticket(session, ticket)


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return _no_store(Response(status_code=403))
    token = sessions.cookie_token(request.cookies.get(COOKIE_NAME))
    if token:
        await run_in_threadpool(_end, token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", secure=cookie_secure(request), httponly=True, samesite="strict")
    return _no_store(response)


def _end(token: str) -> None:
    with unit_of_work() as session:
        sessions.end_session(session, token)


ROUTES = [
    Route("/api/session/client.js", client_js, methods=["GET"]),
    Route("/api/session/cookie", set_cookie, methods=["POST"]),
    Route("/api/session/logout", logout, methods=["POST"]),
]
