"""The last line behind every screen: an unexpected error is logged with a reference and the user is
told, in Chinese, that something went wrong — never shown a traceback (.streamlit/config.toml also sets
client.showErrorDetails = "none" for whatever escapes this guard, e.g. a button callback)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st

from core.errors import RuleViolation
from ui.widgets import show_violation

log = logging.getLogger("qjsc.errors")

ERROR_MESSAGE = "系统出现错误（编号 {ref}），请稍后重试或联系运维。"


def run_guarded(screen: Callable[[], None]) -> None:
    """Run `screen`; a refusal from core that nobody caught is shown as such, anything else is logged.

    Streamlit's st.rerun / st.stop / st.switch_page raise BaseExceptions (ScriptControlException):
    they are not caught here and keep working.
    """
    try:
        screen()
    except RuleViolation as exc:  # e.g. the database safety net refusing a control character
        show_violation(exc)
    except Exception:
        ref = secrets.token_hex(4).upper()
        log.exception("unexpected error, reference %s", ref)
        st.error(ERROR_MESSAGE.format(ref=ref), icon=":material/error:")
