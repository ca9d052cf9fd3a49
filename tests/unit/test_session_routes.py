"""The cookie routes and security headers of server.py, driven as an ASGI app (finding 3)."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from core import auth, sessions
from tests.conftest import demo_password
from ui.security_headers import SecurityHeaders
from ui.session import COOKIE_NAME
from ui.session_routes import ROUTES

HOST = "portal.example:8501"
APP = Starlette(routes=ROUTES, middleware=[Middleware(SecurityHeaders)])


def call(method: str, path: str, body: dict | None = None, scheme: str = "http",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP request through the ASGI app; returns the status, the headers (lists) and the body."""
    all_headers = {"host": HOST, "content-type": "application/json", **(headers or {})}
    scope = {"type": "http", "http_version": "1.1", "method": method, "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "scheme": scheme, "server": ("portal.example", 8501),
             "client": ("192.0.2.1", 40000),
             "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in all_headers.items()]}
    payload = json.dumps(body).encode() if body is not None else b""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(APP(scope, receive, send))
    start = sent[0]
    received: dict[str, list[str]] = {}
    for key, value in start["headers"]:
        received.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return start["status"], received, b"".join(m.get("body", b"") for m in sent[1:])


def _ticket(uow) -> tuple[str, str]:
    with uow() as s:
        token = auth.authenticate(s, "130602", demo_password("130602")).token
        return token, sessions.issue_ticket(s, token)


def _cookie(headers) -> tuple[str, set[str]]:
    [set_cookie] = headers["set-cookie"]
    pair, *attributes = [part.strip() for part in set_cookie.split(";")]
    name, value = pair.split("=", 1)
    assert name == COOKIE_NAME
    return value, {a.lower() for a in attributes}


def test_a_ticket_buys_an_httponly_strict_cookie_once(uow):
    token, ticket = _ticket(uow)
    status, headers, _ = call("POST", "/api/session/cookie", {"ticket": ticket})
    assert status == 204
    value, attributes = _cookie(headers)
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http, no QJSC_COOKIE_SECURE
    max_age = next(int(a.split("=")[1]) for a in attributes if a.startswith("max-age="))
    assert 0 < max_age <= sessions.SESSION_HOURS * 3600
    assert headers["cache-control"] == ["no-store"]
    cookie_token = sessions.cookie_token(value)
    assert cookie_token not in (token, ticket) and ticket not in value
    with uow() as s:
        assert sessions.resume_session(s, cookie_token).login == "130602"
    assert call("POST", "/api/session/cookie", {"ticket": ticket})[0] == 403


@pytest.mark.parametrize(("scheme", "forced"), [("https", ""), ("http", "1")])
def test_the_cookie_is_secure_over_https_or_when_configured(uow, monkeypatch, scheme, forced):
    monkeypatch.setenv("QJSC_COOKIE_SECURE", forced)
    _, ticket = _ticket(uow)
    status, headers, _ = call("POST", "/api/session/cookie", {"ticket": ticket}, scheme=scheme,
                              headers={"origin": f"{scheme}://{HOST}"})
    assert status == 204 and "secure" in _cookie(headers)[1]


@pytest.mark.parametrize("headers", [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}])
def test_a_cross_site_request_is_refused_and_spends_nothing(uow, headers):
    _, ticket = _ticket(uow)
    status, received, _ = call("POST", "/api/session/cookie", {"ticket": ticket}, headers=headers)
    assert status == 403 and "set-cookie" not in received
    assert call("POST", "/api/session/cookie", {"ticket": ticket}, headers={"origin": f"http://{HOST}"})[0] == 204


@pytest.mark.parametrize("body", [{"ticket": "forged"}, {"ticket": 5}, {}, {"ticket": "x" * 2000}])
def test_a_bad_ticket_gets_no_cookie(uow, body):  # noqa: ARG001
    status, headers, _ = call("POST", "/api/session/cookie", body)
    assert status == 403 and "set-cookie" not in headers


def test_logout_drops_the_cookie_and_ends_its_session(uow):
    _, ticket = _ticket(uow)
    value, _ = _cookie(call("POST", "/api/session/cookie", {"ticket": ticket})[1])
    status, headers, _ = call("POST", "/api/session/logout", headers={"cookie": f"{COOKIE_NAME}={value}"})
    assert status == 204
    dropped, attributes = _cookie(headers)
    assert dropped in ("", '""') and "max-age=0" in attributes and "httponly" in attributes
    with uow() as s:
        assert sessions.resume_session(s, sessions.cookie_token(value)) is None


def test_every_response_carries_the_security_headers(uow):  # noqa: ARG001
    status, headers, body = call("GET", "/api/session/client.js")
    assert status == 200 and b"document.currentScript" in body
    [policy] = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["form-action"] == directives["base-uri"] == "'self'"
    assert directives["connect-src"] == f"'self' ws://{HOST} wss://{HOST}"
    assert directives["img-src"] == "'self' data: blob:"
    script_sources = directives["script-src"].split()
    assert script_sources[0] == "'self'" and all(s.startswith("'sha256-") for s in script_sources[1:])
    assert headers["x-frame-options"] == ["DENY"] and headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    # A hostile Host header cannot add directives to the policy.
    _, hostile, _ = call("GET", "/api/session/client.js", headers={"host": "x; script-src *"})
    assert "script-src *" not in hostile["content-security-policy"][0]
