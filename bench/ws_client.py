"""A Streamlit session driven over its websocket, without a browser (for concurrency_bench.py).

It speaks what the browser speaks: it connects to /_stcore/stream with the page's Origin, asks for a
script run with a `rerun_script` BackMsg (the page, the widgets' values), and reads the ForwardMsgs
the server sends until that run's `script_finished`. What it does not do is draw: a run is done when
the server has sent its last element, not when a screen would show it. On a 2-core machine that takes
the browsers' own work out of the server's figures (chromium rendering 30 dashboards competes with the
server for the same cores).

Forms are submitted as the browser submits them: every widget of the form with its value, and the
submit button's trigger.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus
# The run the browser waits for; a run ended early for a rerun (st.rerun, a page switch) is followed
# by another one.
DONE = (FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_WITH_COMPILE_ERROR)


class RunFailed(Exception):
    """The run showed an exception, or the server closed the connection."""


@dataclass
class Run:
    """What one script run sent: its elements (type, proto) in order, and the pages of the menu."""

    elements: list = field(default_factory=list)  # (type name, element proto)
    messages: int = 0
    bytes: int = 0

    def of_type(self, kind: str) -> list:
        return [element for name, element in self.elements if name == kind]

    def texts(self) -> str:
        """Every Markdown, heading and alert body and metric label of the run, one per line."""
        parts = [e.body for e in self.of_type("markdown") + self.of_type("alert") + self.of_type("heading")]
        parts += [e.label for e in self.of_type("metric")]
        return "\n".join(parts)

    def widget(self, kind: str, label: str):
        found = [e for e in self.of_type(kind) if e.label == label]
        if len(found) != 1:
            raise RunFailed(f"{len(found)} {kind} labelled {label!r} in the run")
        return found[0]


class StreamlitClient:
    """One browser tab's session: connect, then `run()` pages and forms one after the other."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.cookies = dict(cookies or {})
        self.pages: dict[str, str] = {}  # url path ("dashboard") -> page_script_hash
        self.page_hash = ""
        self._ws = None

    async def connect(self) -> None:
        headers = {"Origin": self.base_url}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await websockets.connect(url, subprotocols=["streamlit"], additional_headers=headers,
                                            max_size=64 << 20, open_timeout=120, ping_interval=None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def run(self, page: str | None = None, widget_states: list | None = None) -> Run:
        """Ask for a run of `page` (its url path; None: the page shown now) with these widget values
        (WidgetState protos); return what the run that finished sent."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.pages.get(page, "") if page else self.page_hash
        if page and not state.page_script_hash:
            state.page_name = page
        for widget in widget_states or ():
            state.widget_states.widgets.add().CopyFrom(widget)
        await self._ws.send(msg.SerializeToString())
        return await self._until_finished()

    async def _until_finished(self) -> Run:
        run = Run()
        while True:
            try:
                data = await self._ws.recv()
            except websockets.ConnectionClosed as exc:
                raise RunFailed(f"the server closed the connection ({exc.code})") from None
            message = ForwardMsg()
            message.ParseFromString(data)
            run.messages += 1
            run.bytes += len(data)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                name = element.WhichOneof("type")
                if name == "exception":
                    raise RunFailed(f"{element.exception.type}: {element.exception.message[:120]}")
                run.elements.append((name, getattr(element, name)))
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
                self.page_hash = message.navigation.page_script_hash
            elif kind == "new_session":  # a run starts: a rerun after this one starts from scratch
                run = Run(messages=run.messages, bytes=run.bytes)
            elif kind == "script_finished" and message.script_finished in DONE:
                return run


def text_value(widget_id: str, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    state.string_value = value
    return state


def trigger(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


async def sign_in(client: StreamlitClient, account: str, password: str) -> Run:
    """Open the portal, fill the login form and submit it as the browser does; the home page's run."""
    if client._ws is None:
        await client.connect()
    form = await client.run()
    states = [text_value(form.widget("text_input", "账号").id, account),
              text_value(form.widget("text_input", "密码").id, password),
              trigger(form.widget("button", "立即登录").id)]
    home = await client.run(widget_states=states)
    if "欢迎，" not in home.texts():
        errors = " ".join(e.body for e in home.of_type("alert"))[:120]
        raise RunFailed(f"not signed in: {errors or 'no greeting'}")
    return home


async def open_page(client: StreamlitClient, page: str, expect: str) -> Run:
    """Open a page from the menu (a rerun of the same session, as a click on its link); `expect` is a
    text the page shows when it rendered."""
    run = await client.run(page)
    if expect not in run.texts():
        raise RunFailed(f"{page}: {expect!r} not shown")
    return run


async def main_for_manual_check(base_url: str, account: str, password: str) -> None:  # pragma: no cover
    client = StreamlitClient(base_url)
    home = await sign_in(client, account, password)
    print(len(home.elements), "elements on the home page; pages:", sorted(client.pages))
    dashboard = await open_page(client, "dashboard", "企业总数")
    print(len(dashboard.elements), "elements,", dashboard.messages, "messages,", dashboard.bytes, "bytes")
    await client.close()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(main_for_manual_check(*sys.argv[1:4]))
