"""清审任务详情: one department's part of an audit notice, as a step wizard (seed 000 §2.2, §3.2)."""

import pandas as pd
import streamlit as st

from core import attachments, notice, notice_lists
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import Tier
from core.notice_models import MILESTONES, NoticeStatus
from core.text import Limit
from ui.notice_letters_view import letters_step
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    StepUpload,
    act,
    chosen_id,
    current_page,
    export_buttons,
    file_list,
    fmt_time,
    go_to_step,
    pager,
    plain,
    show_flash,
    show_violation,
    statement_checkbox,
    step_selector,
    upload_box,
)

S = NoticeStatus
STEPS = {
    Tier.PROVINCE: ["任务信息", "企业名单", "下发任务", "任务统计"],
    Tier.CITY: ["省级任务", "市级任务", "企业名单", "下发任务", "任务统计"],
    Tier.COUNTY: ["上级任务", "县级任务", "企业名单", "企业告知书", "下发任务"],
}

user = current_user("pages/notice_task.py")
part_id = chosen_id("notice_part_id", "pages/notice_tasks.py", "清审任务管理")

try:
    with unit_of_work() as session:
        part = notice.own_part(session, user, part_id)
        row = part.notice
        chain = []
        above = notice.parent_of(session, part)
        while above is not None:
            chain.insert(0, above)
            above = notice.parent_of(session, above)
        notice_files = attachments.of(session, notice.OWNER_NOTICE, row.id)
        upper_files = {a.id: attachments.of(session, notice.OWNER_PART, a.id) for a in chain}
        own_files = attachments.of(session, notice.OWNER_PART, part.id)
except RuleViolation as exc:
    show_violation(exc)
    st.page_link("pages/notice_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
    st.stop()

seen = SeenVersions(f"notice_seen_{part.id}")
version = seen.see(("notice_part", part.id), part.version)
pending = part.status is S.PENDING_DISPATCH

st.page_link("pages/notice_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
st.title(plain(row.name))
color = "orange" if pending else "green"
st.markdown(f":{color}-badge[{part.status.label}] · {part.division.short_name} · 文号：{plain(row.doc_number)} · "
            f"批次：{plain(row.batch)}")
show_flash()

steps = STEPS[part.level]
step_key = f"notice_step_{part.id}"
step = step_selector(step_key, steps)
st.divider()


def notice_summary() -> None:
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        c1.markdown(f"**文号**：{plain(row.doc_number)}")
        c2.markdown(f"**发布日期**：{row.publish_date:%Y-%m-%d}")
        c3.markdown(f"**截止日期**：{row.deadline:%Y-%m-%d}")
        c1.markdown(f"**批次**：{plain(row.batch)}")
        c2.markdown(f"**联系人**：{plain(row.contact_person)}")
        c3.markdown(f"**联系电话**：{plain(row.contact_phone)}")
        if row.basis:
            st.markdown(f"**工作依据**：{plain(row.basis)}")
        st.markdown("**通知要求**")
        st.markdown(plain(row.requirements) or "（未填写）")
        st.markdown("**时间节点**")
        st.dataframe(pd.DataFrame([{"节点": label, "日期": getattr(row, key).isoformat()} for key, label in MILESTONES]),
                     hide_index=True, width="content")
        st.markdown("**通知附件**")
        file_list(notice_files, "notice_files")
    for upper in chain[1:]:
        st.markdown(f"**{upper.division.short_name}任务要求**")
        st.markdown(plain(upper.requirements) or "（未填写）")
        if upper.contact_person:
            st.markdown(f"联系人：{plain(upper.contact_person)}（{plain(upper.contact_phone)}）")
        file_list(upper_files[upper.id], f"notice_upper_{upper.id}")


def province_info() -> None:
    notice_summary()
    if pending:
        upload = upload_box("上传通知附件", f"notice_upload_{part.id}", "document")
        if upload is not None and st.button("上传该文件", key=f"notice_upload_btn_{part.id}"):
            act(lambda s, a: notice.attach_file(s, a, part.id, upload.name, upload.getvalue()),
                f"已上传“{upload.name}”", user)


def own_requirements() -> None:
    text = st.text_area("本级任务要求", value=part.requirements, height=150, disabled=not pending, max_chars=Limit.LONG,
                        key=f"notice_req_{part.id}", placeholder="填写本级的任务要求和相关通知文件")
    # the enterprise sees each level's contact beside its requirements (接受清审任务)
    left, right = st.columns(2)
    person = left.text_input("本级联系人", value=part.contact_person, disabled=not pending, max_chars=Limit.PERSON,
                             key=f"notice_contact_{part.id}")
    phone = right.text_input("本级联系电话", value=part.contact_phone, disabled=not pending, max_chars=Limit.PHONE,
                             key=f"notice_phone_{part.id}", placeholder="0312-3037280")
    file_list(own_files, f"notice_own_{part.id}")
    if not pending:
        return
    upload = StepUpload("上传本级通知文件", f"notice_own_upload_{part.id}",
                        lambda s, a, name, data: notice.attach_file(s, a, part.id, name, data))

    def save(s, a) -> None:
        notice.save_requirements(s, a, part.id, version, text, person, phone)
        upload.send(s, a)

    upload.own_button(f"notice_own_upload_btn_{part.id}", user)
    if st.button("保存并下一步", type="primary", key=f"notice_req_next_{part.id}"):
        act(save, "本级任务要求已保存" + upload.note(), user,
            then=lambda: (upload.clear(), go_to_step(step_key, "企业名单")))


LIST_PAGE_SIZE = 50
HANDLED = {"全部": None, **{label: tier for tier, label in notice_lists.HANDLED_BY.items()}}


def enterprise_list() -> None:
    with unit_of_work() as session:
        industries = notice_lists.industry_table(session, part)
        counties = notice_lists.counties_of(session, part)
    total = sum(n for _, _, n in industries)
    st.markdown(f"本级共 **{total}** 家企业。" + ("名单如有问题，请线下联系上级部门解决。" if part.level
                                                   is not Tier.PROVINCE else ""))
    st.markdown("**企业名单信息**")
    st.dataframe(pd.DataFrame([{"序号": i, "清审行业": f"{code} {name}" if code else name, "企业数量": n}
                               for i, (code, name, n) in enumerate(industries, start=1)]),
                 hide_index=True, width="content")
    c1, c2, c3, c4 = st.columns(4)
    name = c1.text_input("企业名称", key=f"nl_name_{part.id}", max_chars=Limit.SEARCH)
    handled = c2.selectbox("办理机构", list(HANDLED), key=f"nl_handled_{part.id}")
    majors = {"全部": None, **{f"{code} {label}": code for code, label, _ in industries}}
    major = c3.selectbox("清审行业", list(majors), key=f"nl_major_{part.id}")
    areas = {"全部": None, **{label: code for code, label in counties}}
    area = c4.selectbox("行政区划", list(areas), key=f"nl_area_{part.id}", disabled=len(counties) <= 1)
    flt = notice_lists.LetterFilter(name=name, county_code=areas[area], industry_major=majors[major],
                                    managing_tier=HANDLED[handled])
    with unit_of_work() as session:
        found = notice_lists.letter_count(session, part, flt)
        page = current_page(found, LIST_PAGE_SIZE, f"nl_page_{part.id}")
        rows = notice_lists.letter_rows(session, part, flt, offset=(page - 1) * LIST_PAGE_SIZE, limit=LIST_PAGE_SIZE)
    st.caption(f"共检索到 {found} 条记录")
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    pager(found, LIST_PAGE_SIZE, f"nl_page_{part.id}")

    def everything() -> list[dict]:
        with unit_of_work() as s:
            return notice_lists.letter_rows(s, part, flt, limit=None)

    export_buttons(everything, "清审任务企业名单", f"nl_export_{part.id}")


def dispatch() -> None:
    lower = {Tier.PROVINCE: "地市", Tier.CITY: "区县", Tier.COUNTY: "企业"}[part.level]
    if not pending:
        st.success(f"本级任务已于 {fmt_time(part.dispatched_at)} 下发至{lower}。")
        return
    if part.level is Tier.COUNTY:
        with unit_of_work() as session:
            missing, first = notice.unstamped(session, part)
        if missing:
            st.warning(f"还有 {missing} 家企业的盖章告知书未上传，全部上传后才能下发：{'、'.join(plain(n) for n in first)}"
                       + ("等" if missing > len(first) else ""), icon=":material/block:")
    agreed = statement_checkbox(f"notice_agree_{part.id}")
    if st.button("下发任务", type="primary", key=f"notice_dispatch_{part.id}"):
        act(lambda s, a: notice.dispatch(s, a, part.id, version, agreed=agreed), f"任务已下发至{lower}。", user)


def statistics() -> None:
    area = "地市" if part.level is Tier.PROVINCE else "区县"
    with unit_of_work() as session:
        found = notice_lists.task_statistics(session, part)
    if not found:
        st.info("本级任务下还没有企业。", icon=":material/inbox:")
        return
    labels = notice_lists.STAT_COLUMNS

    def as_row(index, name, status, enterprises, stamped, reached) -> dict:
        return {"序号": index, area: name, "任务状态": status, "企业数": enterprises, "告知书已盖章上传": stamped,
                **{label: reached[key] for key, label in labels}}

    rows = [as_row(i, a.name, a.status, a.enterprises, a.stamped, a.reached) for i, a in enumerate(found, start=1)]
    totals = {key: sum(a.reached[key] for a in found) for key, _ in labels}
    rows.append(as_row("", "合计", "", sum(a.enterprises for a in found), sum(a.stamped for a in found), totals))
    dispatched = sum(1 for a in found if a.status == S.DISPATCHED.label)
    st.markdown(f"下级{area} **{len(found)}** 个，已派发 **{dispatched}** 个；企业 **{rows[-1]['企业数']}** 家，"
                f"已告知 **{totals['notified']}** 家，已接受任务 **{totals['accepted']}** 家。")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 800))
    export_buttons(lambda: rows, "清审任务统计", f"notice_stats_export_{part.id}")


RENDERERS = {"任务统计": statistics, "任务信息": province_info, "省级任务": notice_summary, "上级任务": notice_summary,
             "市级任务": own_requirements, "县级任务": own_requirements, "企业名单": enterprise_list,
             "企业告知书": lambda: letters_step(user, part, seen), "下发任务": dispatch}
RENDERERS[step]()
seen.remember()
