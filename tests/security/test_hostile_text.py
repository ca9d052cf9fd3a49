"""Finding 2 of issue 12: users' text (names, file names, stage texts, opinions, remarks, requirements,
search terms …) is shown as typed on every screen, never as Markdown or HTML.

A portal whose every user-supplied field holds a hostile payload (tests/security/world.py) is walked
screen by screen, as each tier that sees the screen, through every step of the wizards; after each run
every element's Markdown (texts, captions, alerts, titles, labels, expander and tab labels, radio
options, help tooltips, metric labels) is parsed the way Streamlit renders it and must show each payload
literally, with no link, image, HTML, heading, code, colour, icon or formula made of it; options of
selectboxes (shown as plain text) must hold the payload unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import auth
from core.config import PROJECT_ROOT
from core.db import unit_of_work
from core.models import User
from core.stages import STAGES
from tests.app.conftest import click, new_app
from tests.conftest import reset_database
from tests.security.hostile import (
    MARKER,
    markdown_problems,
    payload,
    plain_text_problems,
)
from tests.security.world import ENTERPRISE_NAME, World, build
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, ZHUOZHOU

MARKDOWN_VALUES = ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error")
LABELLED = ("button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
            "number_input", "date_input", "file_uploader", "download_button", "link_button", "page_link",
            "expander", "tabs", "metric", "status")
PLAIN_OPTIONS = ("selectbox", "multiselect")
SEARCH = payload(64)
LOGIN_TYPED = payload(32)


@pytest.fixture(scope="module")
def world(_template) -> World:
    reset_database(_template)
    with unit_of_work() as s:
        return build(s)


def signed_in(login: str, state: dict | None = None) -> AppTest:
    """The portal's first run for `login`: Home.py with the sidebar, and the user's default page."""
    with unit_of_work() as s:
        token = auth.open_session(s, s.scalar(select(User).where(User.login == login)))
    at = new_app()
    at.session_state["session_token"] = token
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def open_page(login: str, page: str, state: dict | None = None) -> AppTest:
    return signed_in(login, state).switch_page(page).run()


def problems_on(at: AppTest) -> list[str]:
    """Every way a payload on the page is not shown as typed (and any exception)."""
    found = [f"exception: {e.value}" for e in at.exception]
    sources: list[str] = []
    for kind in MARKDOWN_VALUES:
        sources += [str(e.value) for e in getattr(at, kind)]
    for kind in LABELLED:
        for element in getattr(at, kind):
            sources += [str(getattr(element, "label", "") or ""), str(getattr(element, "help", "") or "")]
            if kind == "metric":
                sources.append(str(element.value))
            if kind == "radio":
                sources += [str(o) for o in element.options]
    for kind in PLAIN_OPTIONS:
        for element in getattr(at, kind):
            for option in element.options:
                found += plain_text_problems(str(option))
    for source in sources:
        found += markdown_problems(source)
    return found


def walk(at: AppTest, *moves: Callable[[AppTest], object]) -> list[str]:
    """The problems on the page as opened, and after each move (a widget set, then a run)."""
    found = problems_on(at)
    for move in moves:
        move(at)
        at.run()
        found += problems_on(at)
    return found


def steps(key: str, at: AppTest) -> list[Callable[[AppTest], object]]:
    """One move per option of a step selector (a wizard's 办理步骤)."""
    return [lambda a, o=option: a.radio(key=key).set_value(o) for option in at.radio(key=key).options]


def wizard(login: str, page: str, state: dict, key: str) -> list[str]:
    at = open_page(login, page, state)
    return walk(at, *steps(key, at))


# --- one walk per screen -------------------------------------------------------------------------

def login_page(w: World) -> list[str]:
    at = new_app().run()
    at.text_input(key="login_account").input(LOGIN_TYPED)
    at.text_input(key="login_password").input("x")
    return problems_on(click(at, "立即登录"))


def forced_change(w: World) -> list[str]:
    """LIANCHI has not changed its initial password: the forced change is its only page (and its
    name, a payload, is in the sidebar)."""
    return problems_on(signed_in(LIANCHI)) + problems_on(open_page(LIANCHI, "pages/change_initial_password.py"))


def home(w: World) -> list[str]:
    """The first run of each tier: the sidebar (who is signed in) and the home page."""
    found = []
    for login in (w.enterprise_login, *DEPARTMENTS):
        found += problems_on(signed_in(login)) + problems_on(open_page(login, "pages/home.py"))
    return found


def by_tier(page: str, logins: tuple[str, ...]) -> Callable[[World], list[str]]:
    def run(w: World) -> list[str]:
        found = []
        for login in logins:
            found += problems_on(open_page(w.enterprise_login if login == "enterprise" else login, page))
        return found
    return run


def roster_task(w: World) -> list[str]:
    found = []
    for login in (PROVINCE, CITY, QINGYUAN, ZHUOZHOU):
        for part_id in w.parts[login]:
            found += wizard(login, "pages/roster_task.py", {"roster_assignment_id": part_id},
                            f"roster_step_{part_id}")
    return found


def notice_task(w: World) -> list[str]:
    found = []
    for login, part_id in w.notice_parts.items():
        found += wizard(login, "pages/notice_task.py", {"notice_part_id": part_id}, f"notice_step_{part_id}")
    return found


def case(w: World) -> list[str]:
    found = []
    for login in (CITY, QINGYUAN):
        for case_id in (w.evaluation_id, w.acceptance_id):
            found += wizard(login, "pages/case.py", {"case_id": case_id}, f"case_step_{case_id}")
    return found


def project_startup(w: World) -> list[str]:
    at = open_page(w.enterprise_login, "pages/project_startup.py")
    return walk(at, *steps(f"startup_step_{w.project_id}", at))


def audit_work(w: World) -> list[str]:
    at = open_page(w.enterprise_login, "pages/audit_work.py")
    key = f"work_stage_{w.project_id}"
    return walk(at, *[lambda a, k=s.key: a.radio(key=key).set_value(k) for s in STAGES])


def options_ledger(w: World) -> list[str]:
    at = open_page(w.enterprise_login, "pages/options_ledger.py")
    if not any(box.key == "option_pick" for box in at.selectbox):  # the ledger is locked under review
        return walk(at)
    return walk(at, lambda a: a.selectbox(key="option_pick").set_value(w.option_id))


def expert_pool(w: World) -> list[str]:
    found = by_tier("pages/expert_pool.py", (CITY, QINGYUAN))(w)
    at = open_page(PROVINCE, "pages/expert_pool.py")
    return found + walk(at, lambda a: a.selectbox(key="expert_edit_pick").set_value(w.expert_id),
                        lambda a: a.text_input(key="expert_search").input(SEARCH))


def dashboard(w: World) -> list[str]:
    found = by_tier("pages/dashboard.py", (QINGYUAN,))(w)
    at = open_page(PROVINCE, "pages/dashboard.py")
    return found + walk(at, lambda a: a.selectbox(key="dash_city").set_value(a.selectbox(key="dash_city").options[1]),
                        lambda a: a.selectbox(key="dash_county").set_value(a.selectbox(key="dash_county").options[1]))


def disclosure_tracking(w: World) -> list[str]:
    found = by_tier("pages/disclosure_tracking.py", (CITY,))(w)
    at = open_page(QINGYUAN, "pages/disclosure_tracking.py")
    return found + walk(at, lambda a: a.selectbox(key="track_pick").set_value(w.project_id))


def enterprise_directory(w: World) -> list[str]:
    at = open_page(PROVINCE, "pages/enterprise_directory.py")
    return walk(at, lambda a: a.text_input(key="dir_name").input(SEARCH))


def account_admin(w: World) -> list[str]:
    at = open_page(PROVINCE, "pages/account_admin.py")
    return walk(at, lambda a: a.text_input(key="admin_search").input(SEARCH),
                lambda a: a.text_input(key="admin_search").input(""))


def help_page(w: World) -> list[str]:
    at = open_page(w.enterprise_login, "pages/help.py")
    return walk(at, lambda a: a.text_input(key="help_search").input(SEARCH))


def inbox(w: World) -> list[str]:
    """站内消息: every tier's messages, their titles and bodies hostile (the events quote names and comments)."""
    from sqlalchemy import update

    from core.notification_models import Message

    title, body = payload(200, heading=True), payload(5000, multiline=True, heading=True)
    with unit_of_work() as s:
        s.execute(update(Message).values(title=title, body=body))
    found = by_tier("pages/inbox.py", ("enterprise", *DEPARTMENTS))(w)
    at = open_page(CITY, "pages/inbox.py")
    if not [e for e in at.markdown if MARKER.search(str(e.value))]:
        found.append("the messages' payloads are not on the page")
    return found + walk(at, lambda a: a.toggle(key="inbox_unread").set_value(True))


DEPARTMENTS = (PROVINCE, CITY, QINGYUAN)
SCREENS: dict[str, Callable[[World], list[str]]] = {
    "login.py": login_page,
    "change_initial_password.py": forced_change,
    "home.py": home,
    "inbox.py": inbox,
    "account.py": by_tier("pages/account.py", ("enterprise", PROVINCE)),
    "account_admin.py": account_admin,
    "enterprise_directory.py": enterprise_directory,
    "roster_tasks.py": by_tier("pages/roster_tasks.py", (*DEPARTMENTS, ZHUOZHOU)),
    "roster_task.py": roster_task,
    "notice_tasks.py": by_tier("pages/notice_tasks.py", DEPARTMENTS),
    "notice_task.py": notice_task,
    "enterprise_tasks.py": by_tier("pages/enterprise_tasks.py", ("enterprise",)),
    "project_startup.py": project_startup,
    "audit_work.py": audit_work,
    "options_ledger.py": options_ledger,
    "applications.py": by_tier("pages/applications.py", ("enterprise",)),
    "disclosure.py": by_tier("pages/disclosure.py", ("enterprise",)),
    "cases.py": by_tier("pages/cases.py", DEPARTMENTS),
    "case.py": case,
    "expert_pool.py": expert_pool,
    "dashboard.py": dashboard,
    "work_summary.py": by_tier("pages/work_summary.py", DEPARTMENTS),
    "disclosure_tracking.py": disclosure_tracking,
    "help.py": help_page,
    "grading.py": by_tier("pages/grading.py", ("enterprise",)),
    "indicator_systems.py": by_tier("pages/indicator_systems.py", DEPARTMENTS),
}


def test_every_screen_is_walked():
    """A new page under pages/ must be added to SCREENS (with the tiers and steps that show users' text)."""
    assert sorted(p.name for p in (PROJECT_ROOT / "pages").glob("*.py")) == sorted(SCREENS)


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_users_text_shows_as_typed(world, screen):
    assert SCREENS[screen](world) == []


def test_the_walk_sees_the_payloads(world):
    """The check is not vacuous: the screens do show the hostile texts, escaped, where they belong."""
    at = open_page(CITY, "pages/case.py", {"case_id": world.acceptance_id})
    marker = MARKER.search(ENTERPRISE_NAME)[0]
    assert marker in at.title[0].value and "\\<img src=x onerror=alert(1)\\>" in at.title[0].value
    at.radio(key=f"case_step_{world.acceptance_id}").set_value("线上文审").run()
    assert all(MARKER.search(e.label) for e in at.expander if "分" in e.label or "待录入" in e.label)
    assert [e for e in at.expander if MARKER.search(e.label)], [e.label for e in at.expander]
