"""帮助: the signed-in user's manual (seed 000 §5) — the tier's 业务流程, one section per screen, 常见问题 —
with a keyword search and the whole manual as a Markdown download. The content is ui/help_content.py."""

import streamlit as st

from core.text import Limit
from ui import help_content
from ui.navigation import allowed_paths
from ui.session import current_user
from ui.widgets import page_header, plain

HERE = "pages/help.py"

user = current_user(HERE)
manual = help_content.manual_for(user.tier)
page_header("帮助", f"{user.tier.label}用户系统帮助手册：业务流程、各页面的用途、操作步骤和注意事项，以及常见问题。")

left, right = st.columns([3, 1], vertical_alignment="bottom")
query = left.text_input("搜索帮助", key="help_search", placeholder="输入关键词，如：盖章、退回、专家、密码",
                        max_chars=Limit.SEARCH)
right.download_button("下载用户手册", help_content.to_markdown(manual).encode("utf-8"), file_name=manual.file_name,
                      mime="text/markdown", key="help_download", icon=":material/download:", width="stretch",
                      on_click="ignore")

shown = help_content.search(manual, query)
if shown.is_empty:
    st.info(f"没有找到包含“{plain(query.strip())}”的帮助内容，请换一个关键词，或清空搜索框查看全部内容。",
            icon=":material/search_off:")
    st.stop()
if help_content.terms(query):
    st.caption(f"找到 {len(shown.sections)} 个页面说明、{len(shown.faq)} 个常见问题")

if shown.flow:
    st.subheader("业务流程")
    st.markdown(help_content.flow_markdown(shown))

if shown.sections:
    st.subheader("页面说明")
    allowed = allowed_paths(user)
    for section in shown.sections:
        with st.expander(section.title, icon=section.icon, expanded=bool(query.strip())):
            st.markdown(help_content.section_markdown(section))
            if section.path in allowed and section.path != HERE:
                st.page_link(section.path, label=f"打开“{section.title}”", icon=":material/open_in_new:")

if shown.faq:
    st.subheader("常见问题")
    for question in shown.faq:
        st.markdown(help_content.faq_markdown(question))
