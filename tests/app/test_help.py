"""帮助: each tier's manual explains exactly its own screens, the search filters, the manual downloads."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.delta_generator import DeltaGenerator

from core.db import unit_of_work
from core.models import Tier
from tests.app.conftest import activate, open_as, texts
from tests.support.projects import accepted_project
from ui import help_content
from ui.navigation import HIDDEN, allowed_paths, sections_for

DEPARTMENTS = [("130000", Tier.PROVINCE), ("130600", Tier.CITY), ("130608", Tier.COUNTY)]


def menu(tier: Tier) -> list[tuple[str, str, str]]:
    """The screens a signed-in user of `tier` has, in menu order (ui.navigation decides)."""
    user = SimpleNamespace(tier=tier, must_change_password=False)
    return [screen for pages in sections_for(user).values() for screen in pages]


def menu_titles(tier: Tier) -> list[str]:
    return [title for path, title, _ in menu(tier) if path not in HIDDEN]


def linkable(tier: Tier) -> set[str]:
    """The page links the help offers (st.page_link names a page by its file's stem)."""
    return {Path(p).stem for p, _, _ in menu(tier) if p not in HIDDEN and p != "pages/help.py"}


def all_titles() -> set[str]:
    return {title for tier in Tier for path, title, _ in menu(tier) if path not in HIDDEN}


@pytest.mark.parametrize("tier", list(Tier))
def test_every_screen_of_the_tier_has_a_section_and_no_other(tier):
    manual = help_content.manual_for(tier)
    assert [s.title for s in manual.sections] == menu_titles(tier)
    assert [s.path for s in manual.sections] == [p for p, _, _ in menu(tier) if p not in HIDDEN]
    # A detail screen reached from a list is explained in that list's section.
    covered = {c[0] for s in manual.sections for c in s.covers}
    assert covered == {p for p, _, _ in menu(tier) if p in HIDDEN}
    for section in manual.sections:
        assert section.purpose and section.steps, section.title
    assert manual.flow and manual.faq


def test_the_rules_the_system_enforces_are_in_the_manuals():
    county = help_content.to_markdown(help_content.manual_for(Tier.COUNTY))
    for rule in ("须填写情况说明（最多 1000 字）并上传至少一份佐证材料", "单个文件不超过 20 MB",
                 "区县上传全部企业的盖章告知书后才能下发", "连续 5 次密码错误，账户在这台电脑上将被锁定 15 分钟", "不支持 IE"):
        assert rule in county, rule
    city = help_content.to_markdown(help_content.manual_for(Tier.CITY))
    assert "按企业所属行业大类匹配专家的专业领域，并执行回避" in city and "随机种子" in city
    assert "“省直管”和“市直管”有什么区别？" in city
    enterprise = help_content.to_markdown(help_content.manual_for(Tier.ENTERPRISE))
    assert "只需修改审核意见涉及的步骤" in enterprise and "首次登录须修改密码" in enterprise


def test_search_keeps_what_mentions_every_keyword():
    manual = help_content.manual_for(Tier.COUNTY)
    found = help_content.search(manual, "告知书　盖章")  # a full-width space separates keywords too
    assert "清审任务管理" in [s.title for s in found.sections]
    assert all("告知书" in s.text() and "盖章" in s.text() for s in found.sections)
    assert help_content.search(manual, "  ") == manual
    assert help_content.search(manual, "没有这个词").is_empty


@pytest.mark.parametrize("login,tier", DEPARTMENTS)
def test_a_department_sees_its_own_screens(db, login, tier):
    activate(login)
    at = open_as(login, "pages/help.py")
    assert [e.label for e in at.expander] == menu_titles(tier)
    assert "项目启动" not in [e.label for e in at.expander]
    shown = texts(at)
    assert f"{tier.label}用户系统帮助手册" in shown and "业务流程" in shown and "常见问题" in shown
    links = {link.proto.page for link in at.get("page_link")}
    assert links == linkable(tier)  # every screen of the menu but 帮助 itself
    assert "忘记密码怎么办？" in shown


def test_sections_differ_by_tier(db):
    for login, _ in DEPARTMENTS:
        activate(login)
    county = texts(open_as("130608", "pages/help.py"))
    assert "【提交至地市】" in county and "【生成告知书】" in county
    assert "【确定最终名单】" not in county and "【随机抽取】" not in county
    province = texts(open_as("130000", "pages/help.py"))
    assert "【确定最终名单】" in province and "【随机抽取】" in province and "【生成告知书】" not in province


def test_an_enterprise_sees_its_own_screens(db):
    with unit_of_work() as s:
        _, enterprise = accepted_project(s)
        login = enterprise.login
        assert allowed_paths(enterprise) == {p for p, _, _ in menu(Tier.ENTERPRISE)}
    at = open_as(login, "pages/help.py")
    labels = [e.label for e in at.expander]
    assert labels == menu_titles(Tier.ENTERPRISE)
    assert "工作过程填报" in labels and "专家库" not in labels and "名单核定任务" not in labels
    assert not set(labels) & (all_titles() - set(menu_titles(Tier.ENTERPRISE)))
    assert "企业用户系统帮助手册" in texts(at)
    assert {link.proto.page for link in at.get("page_link")} == linkable(Tier.ENTERPRISE)


def test_the_search_box_filters_and_says_when_nothing_matches(db):
    activate("130608")
    at = open_as("130608", "pages/help.py")
    at.text_input(key="help_search").input("盖章").run()
    labels = [e.label for e in at.expander]
    assert "名单核定任务" in labels and "清审任务管理" in labels
    assert "专家库" not in labels and "账户" not in labels
    assert all(e.proto.expanded for e in at.expander)  # a search opens what it found
    assert "找到" in texts(at)
    at.text_input(key="help_search").input("量子纠缠").run()
    assert not at.expander
    assert "没有找到包含“量子纠缠”的帮助内容" in texts(at)
    at.text_input(key="help_search").input("").run()
    assert [e.label for e in at.expander] == menu_titles(Tier.COUNTY)


def test_the_download_is_the_tiers_manual(db, monkeypatch):
    sent = {}
    original = DeltaGenerator.download_button

    def spy(self, label, data, *args, **kwargs):  # what the page hands the browser
        sent[kwargs.get("file_name")] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    activate("130600")
    at = open_as("130600", "pages/help.py")
    assert [d.label for d in at.get("download_button")] == ["下载用户手册"]
    document = sent["用户手册_地市.md"].decode("utf-8")
    assert document.startswith("# 强制性清洁生产审核管理系统 用户手册（地市用户）")
    headings = [line[4:] for line in document.splitlines() if line.startswith("### ")]
    assert headings == menu_titles(Tier.CITY)
    assert "## 业务流程" in document and "## 常见问题" in document and "#### 注意事项" in document
    assert "项目启动" not in headings
