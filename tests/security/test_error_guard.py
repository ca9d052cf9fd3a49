"""Finding 8 of issue 12: no traceback reaches a user; an unexpected error says so in Chinese, with a
reference number that the server's log carries along with the traceback."""

from __future__ import annotations

import logging
import re
import tomllib

from streamlit.testing.v1 import AppTest

from core import deadlines
from core.config import PROJECT_ROOT
from core.db import unit_of_work
from core.errors import ValidationError
from tests.security.test_hostile_text import signed_in
from tests.support.roster import PROVINCE, user


def shown(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "error", "warning", "info", "caption", "exception", "code")
                     for e in getattr(at, kind))


def test_an_unexpected_error_shows_a_reference_and_logs_the_traceback(db, monkeypatch, caplog):
    with unit_of_work() as s:
        user(s, PROVINCE)

    def broken(*args, **kwargs):
        raise RuntimeError("connection string postgresql://app:secret@db/qjsc")

    monkeypatch.setattr(deadlines, "pending", broken)  # the home page asks for the reminders first
    with caplog.at_level(logging.ERROR, logger="qjsc.errors"):
        at = signed_in(PROVINCE)
    assert not at.exception
    [error] = at.error
    match = re.fullmatch(r"系统出现错误（编号 ([0-9A-F]{8})），请稍后重试或联系运维。", error.value)
    assert match, error.value
    assert "secret" not in shown(at) and "RuntimeError" not in shown(at)
    [record] = [r for r in caplog.records if r.name == "qjsc.errors"]
    assert match[1] in record.getMessage() and "postgresql://app:secret" in caplog.text  # the log has it all


def test_a_refusal_nobody_caught_is_shown_as_its_message(db, monkeypatch):
    with unit_of_work() as s:
        user(s, PROVINCE)

    def refuse(*args, **kwargs):
        raise ValidationError("输入内容含有不可见的控制字符，请删除后重新输入")

    monkeypatch.setattr(deadlines, "pending", refuse)
    at = signed_in(PROVINCE)
    assert not at.exception
    assert [e.value for e in at.error] == ["输入内容含有不可见的控制字符，请删除后重新输入"]


def test_stop_and_rerun_pass_through_the_guard():
    def script():
        import streamlit as st

        from ui.errors import run_guarded

        def screen():
            st.session_state["runs"] = st.session_state.get("runs", 0) + 1
            if st.session_state["runs"] == 1:
                st.rerun()
            st.markdown(f"run {st.session_state['runs']}")
            st.stop()
            st.markdown("after stop")

        run_guarded(screen)

    at = AppTest.from_function(script).run()
    assert not at.exception and not at.error
    assert [m.value for m in at.markdown] == ["run 2"]


def test_streamlit_itself_shows_no_error_details():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
