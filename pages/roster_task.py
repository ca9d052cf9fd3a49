"""名单核定任务详情: one department's part of a roster task, as a step wizard (seed 000 §2.1, §3.1)."""

import pandas as pd
import streamlit as st
from sqlalchemy import select

from core import attachments, roster, roster_reading
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import Division, Tier
from core.text import Limit
from core.workflow_models import RosterStatus
from ui.roster_import_view import import_panel
from ui.roster_list_view import list_step
from ui.roster_review_view import children_step
from ui.roster_views import (
    dispatch_step,
    final_list_download,
    requirements_step,
    reviews_block,
    status_badge,
    submit_step,
    task_summary,
    unchanged_submit,
)
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    StepUpload,
    act,
    chosen_id,
    current_page,
    file_list,
    fmt_time,
    go_to_step,
    pager,
    plain,
    show_flash,
    show_violation,
    statement_checkbox,
    step_selector,
)

S = RosterStatus
STEPS = {
    Tier.PROVINCE: ["任务信息", "企业名单", "下发任务", "地市核定情况", "最终名单"],
    Tier.CITY: ["省级任务", "市级任务", "企业清单", "下发任务", "区县核定情况", "提交任务"],
    Tier.COUNTY: ["上级任务", "企业清单", "提交任务"],
}

user = current_user("pages/roster_task.py")
assignment_id = chosen_id("roster_assignment_id", "pages/roster_tasks.py", "名单核定任务")
counties: dict[str, str] = {}

try:
    with unit_of_work() as session:
        part = roster.own_assignment(session, user, assignment_id)
        task = part.task
        chain = []  # the parts above, nearest last: province (and city, for a county)
        above = roster.parent_of(session, part)
        while above is not None:
            chain.insert(0, above)
            above = roster.parent_of(session, above)
        task_files = attachments.of(session, roster.OWNER_TASK, task.id, attachments.TASK_FILE)
        upper_files = {a.id: attachments.of(session, roster.OWNER_ASSIGNMENT, a.id, attachments.REQUIREMENTS_FILE)
                       for a in chain}
        own_files = attachments.of(session, roster.OWNER_ASSIGNMENT, part.id, attachments.REQUIREMENTS_FILE)
        finals = attachments.of(session, roster.OWNER_ASSIGNMENT, part.id, attachments.FINAL_LIST)
        reviews = roster.reviews_of(session, part.id)
        children = roster.children_of(session, part)
        if part.level is Tier.CITY:
            counties = {d.code: d.name for d in session.query(Division).filter(
                Division.city_code == part.division_code, Division.level == Tier.COUNTY).order_by(Division.code)}
except RuleViolation as exc:
    show_violation(exc)
    st.page_link("pages/roster_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
    st.stop()

seen = SeenVersions(f"roster_seen_{part.id}")
version = seen.see(("assignment", part.id), part.version)

st.page_link("pages/roster_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
st.title(plain(task.name))
st.markdown(f"{status_badge(part)} · {part.division.short_name} · 批次：{plain(task.batch)} · "
            f"截止日期：{task.deadline:%Y-%m-%d} · {'创建' if part.level is Tier.PROVINCE else '收到'}时间：{fmt_time(part.received_at)}")
show_flash()
if part.status is S.RETURNED and reviews:
    st.warning(f"上级已退回本任务，请按审核意见整改后重新提交。审核意见：{plain(reviews[0].comment)}",
               icon=":material/undo:")

steps = STEPS[part.level]
step_key = f"roster_step_{part.id}"
step = step_selector(step_key, steps)
st.divider()

upper_name = {Tier.CITY: "省级", Tier.COUNTY: "地市"}.get(part.level, "")
lower_name = {Tier.PROVINCE: "地市", Tier.CITY: "区县"}.get(part.level, "")
FINAL_PAGE_SIZE = 50


def kept_count() -> int:
    with unit_of_work() as session:
        return roster_reading.area_counts(session, part).kept


def all_kept_rows() -> list[dict]:
    """The whole final list, read only when the user asks for its Excel."""
    with unit_of_work() as session:
        return roster_reading.final_list(session, user, part)


def upper_task() -> None:
    task_summary(task, task_files, "task_files")
    for above in chain[1:]:
        st.markdown(f"**{above.division.short_name}任务要求**")
        st.markdown(plain(above.requirements) or "（未填写）")
        file_list(upper_files[above.id], f"upper_{above.id}")
    reviews_block(reviews)
    if part.level is Tier.COUNTY and part.status in (S.PENDING, S.RETURNED):
        with unit_of_work() as session:
            changed = roster_reading.change_count(session, user, part)
        unchanged_submit(user, part, version, kept_count(), all_kept_rows, changed)


def province_task_info() -> None:
    if part.status is not S.PENDING:
        task_summary(task, task_files, "task_files")
        return
    with st.form(f"task_form_{part.id}", enter_to_submit=False):
        name = st.text_input("任务名称 *", value=task.name, max_chars=Limit.NAME)
        left, right = st.columns(2)
        batch = left.text_input("批次 *", value=task.batch, max_chars=Limit.SHORT)
        deadline = right.date_input("截止日期 *", value=task.deadline, format="YYYY-MM-DD")
        requirements = st.text_area("任务要求", value=task.requirements, height=140, max_chars=Limit.LONG)
        saved = st.form_submit_button("保存并下一步", type="primary")
    st.markdown("**任务附件**")
    file_list(task_files, "task_files",
              lambda item: act(lambda s, a: roster.remove_file(s, a, part.id, item.id),
                               f"已删除“{item.original_name}”", user))
    upload = StepUpload("上传任务附件", f"task_upload_{part.id}",
                        lambda s, a, file_name, data: roster.attach_file(s, a, part.id, file_name, data))
    upload.own_button(f"task_upload_btn_{part.id}", user)
    if saved:  # the form's button also sends a file chosen beside it

        def save(s, a) -> None:
            roster.update_task(s, a, part.id, version, name=name, batch=batch, requirements=requirements,
                               deadline=deadline)
            upload.send(s, a)

        act(save, "任务信息已保存" + upload.note(), user,
            then=lambda: (upload.clear(), go_to_step(step_key, "企业名单")))


def enterprise_list() -> None:
    if part.level is Tier.PROVINCE and part.status is S.PENDING:
        import_panel(user, part, version)
    list_step(user, part, seen)


def dispatch() -> None:
    with unit_of_work() as session:
        by_area = roster_reading.entries_by_area(session, part, by_city=part.level is Tier.PROVINCE)
        names = dict(session.execute(select(Division.code, Division.short_name)
                                     .where(Division.code.in_(list(by_area)))).all())
    targets = {names[c]: n for c, n in sorted(by_area.items())}
    extra = {c: n for c, n in counties.items() if c not in by_area} if part.level is Tier.CITY else {}
    dispatch_step(user, part, version, targets, extra, lower_name)
    if part.status is not S.PENDING and children:
        st.markdown("、".join(f"{c.division.short_name}（{c.status.label}）" for c in children))


def submit() -> None:
    blockers = []
    if part.level is Tier.CITY:
        open_ = [c.division.short_name for c in children if c.status is not S.APPROVED]
        if part.status is S.PENDING:
            blockers.append("请先将任务下发至区县，待区县提交并审核通过后再提交。")
        elif open_:
            blockers.append(f"还有 {len(open_)} 个区县未审核通过：{'、'.join(open_)}")
    submit_step(user, part, version, kept_count(), all_kept_rows, upper_name, blockers, finals)


def final_roster() -> None:
    kept = kept_count()
    if part.status is S.APPROVED:
        st.success(f"最终名单已于 {fmt_time(part.decided_at)} 确定，共 {kept} 家企业。"
                   "清审任务通知将使用该名单。")
    elif part.status is S.PENDING:
        st.info("任务尚未下发。")
    else:
        open_ = [c.division.short_name for c in children if c.status is not S.APPROVED]
        if open_:
            st.warning(f"还有 {len(open_)} 个地市未审核通过：{'、'.join(open_)}。全部通过后才能确定最终名单。")
        agreed = statement_checkbox(f"finalize_agree_{part.id}")
        if st.button("确定最终名单", type="primary", disabled=bool(open_), key=f"finalize_{part.id}"):
            act(lambda s, a: roster.finalize(s, a, part.id, version, agreed=agreed), "最终名单已确定", user)
    if kept:
        page = current_page(kept, FINAL_PAGE_SIZE, f"final_page_{part.id}")
        with unit_of_work() as session:
            rows = roster_reading.final_list(session, user, part, offset=(page - 1) * FINAL_PAGE_SIZE,
                                             limit=FINAL_PAGE_SIZE)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 500))
        pager(kept, FINAL_PAGE_SIZE, f"final_page_{part.id}")
        final_list_download(all_kept_rows, f"最终名单_{task.name}", f"final_roster_{part.id}")


RENDERERS = {
    "任务信息": province_task_info, "省级任务": upper_task, "上级任务": upper_task,
    "市级任务": lambda: requirements_step(user, part, own_files, version, "企业清单"),
    "企业名单": enterprise_list, "企业清单": enterprise_list, "下发任务": dispatch,
    "地市核定情况": lambda: children_step(user, part, seen, "地市"),
    "区县核定情况": lambda: children_step(user, part, seen, "区县"),
    "提交任务": submit, "最终名单": final_roster,
}
RENDERERS[step]()

if step in ("省级任务", "上级任务") and step != steps[-1]:
    st.button("下一步", type="primary", key=f"next_{part.id}",
              on_click=lambda: st.session_state.__setitem__(step_key, steps[steps.index(step) + 1]))
seen.remember()
