"""Helpers to drive the portal with Streamlit's AppTest."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from core import auth
from core.config import PROJECT_ROOT
from core.db import unit_of_work
from core.models import User
from ui.widgets import WORD_JOINER

HOME = str(PROJECT_ROOT / "Home.py")


def new_app() -> AppTest:
    return AppTest.from_file(HOME, default_timeout=60)


def sign_in_as(login: str, password: str) -> AppTest:
    """An app whose session already holds a valid token for `login` (skipping the login form)."""
    with unit_of_work() as session:
        result = auth.authenticate(session, login, password)
    assert result.ok, result.message
    at = new_app()
    at.session_state["session_token"] = result.token
    return at


def reopen(at: AppTest) -> AppTest:
    """The same browser session loaded again.

    AppTest runs the main script only on an app's first run and afterwards just the page, so a
    step that changes who may see what (login, password change) is followed by a fresh app
    carrying the session's token, as a real browser's next request would.
    """
    fresh = new_app()
    token = at.session_state["session_token"] if "session_token" in at.session_state else None
    if token:
        fresh.session_state["session_token"] = token
    return fresh.run()


def open_as(login: str, page: str) -> AppTest:
    """`page` in a fresh browser session already signed in as `login` (an account without a demo password)."""
    from sqlalchemy import select

    with unit_of_work() as session:
        token = auth.open_session(session, session.scalar(select(User).where(User.login == login)))
    at = new_app()
    at.session_state["session_token"] = token
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def activate(login: str) -> None:
    """Mark an account as having changed its initial password (to reach its ordinary pages)."""
    with unit_of_work() as session:
        user = session.query(User).filter_by(login=login).one()
        user.must_change_password = False


def shown(source) -> str:
    """Markdown source as the reader sees its characters: without the escapes and word joiners that
    ui.widgets.plain puts into users' text (and into messages that may quote it)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(source)).replace(WORD_JOINER, "")


def texts(at: AppTest) -> str:
    """Everything the page shows as text, to search in."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "success", "info",
                 "metric", "code"):
        for element in getattr(at, kind):
            parts.append(shown(getattr(element, "value", "")) + " " + shown(getattr(element, "label", "")))
    return "\n".join(parts)




def click(at: AppTest, label: str) -> AppTest:
    """Click the button labelled `label` and run."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    matches[0].click()
    return at.run()
