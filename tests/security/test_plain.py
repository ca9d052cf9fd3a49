"""The escaping rule itself (ui.widgets.plain): each construct Streamlit's Markdown acts on, alone, at the
start of a line, inside our own bold text and in a label, shows as typed."""

from __future__ import annotations

import pytest

from tests.security.hostile import BLOCKS, PAYLOADS, PIECES, markdown_problems
from ui.widgets import WORD_JOINER, plain

ODD = ("a -> b <- c <-> d -- e >= f <= g ~= h", "C:\\Windows\\  路径\\", "12:30:45 :a:b: x:y", "file_name_v2.pdf",
       "_开头 和 结尾_", "2021. 年", "+86 138", "= 等于", "  前导空格", "1) 第一", "a\r\nb\rc", "&amp; &#60; &nbsp;",
       "\\", "`", "$", "HTTPS://EVIL.EXAMPLE WWW.EVIL.EXAMPLE", "mailto:a@b.cn", ":material/", ":red[", "[", "]")


@pytest.mark.parametrize("text", [*PIECES, *ODD, BLOCKS])
@pytest.mark.parametrize("template", ["{}", "**名称**：{}", "- **阶段**：{}", "前文  \n{}", "{}（已整改）"])
@pytest.mark.parametrize("first", [True, False], ids=["construct-first", "marker-first"])
def test_each_construct_shows_as_typed(text, template, first):
    hostile = PAYLOADS["HX999X"] = text + "HX999X" if first else "HX999X" + text
    assert markdown_problems(template.format(plain(hostile))) == []


def test_nothing_visible_is_added():
    text = "保定玖福食品有限公司（清苑区） 0311-87908917 2021-08-01 COD 86.5 mg/L"
    assert plain(text) == text  # ordinary text is left alone
    assert plain(None) == "" and plain(12) == "12"
    assert plain(":smile: www.a.cn").replace(WORD_JOINER, "").replace("\\", "") == ":smile: www.a.cn"
