"""清审任务详情: one department's part of an audit notice, as a step wizard (seed 000 §2.2, §3.2)."""

import pandas as pd
import streamlit as st

from core import attachments, notice
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import Tier
from core.notice_models import MILESTONES, NoticeStatus
from ui.notice_letters_view import letters_step
from ui.session import current_user
from ui.widgets import (
    chosen_id,
    SeenVersions,
    act,
    file_list,
    fmt_time,
    go_to_step,
    show_flash,
    statement_checkbox,
    step_selector,
    upload_box,
)

S = NoticeStatus
STEPS = {
    Tier.PROVINCE: ["任务信息", "企业名单", "下发任务"],
    Tier.CITY: ["省级任务", "市级任务", "企业名单", "下发任务"],
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
        letters = notice.letters_in(session, part)
        scans = notice.stamped_scans(session, [x.id for x in letters])
        industries = notice.industry_counts(session, part, letters)
except RuleViolation as exc:
    st.error(exc.message, icon=":material/error:")
    st.page_link("pages/notice_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
    st.stop()

seen = SeenVersions(f"notice_seen_{part.id}")
version = seen.see(("notice_part", part.id), part.version)
pending = part.status is S.PENDING_DISPATCH

st.page_link("pages/notice_tasks.py", label="返回任务列表", icon=":material/arrow_back:")
st.title(row.name)
color = "orange" if pending else "green"
st.markdown(f":{color}-badge[{part.status.label}] · {part.division.name} · 文号：{row.doc_number} · 批次：{row.batch}")
show_flash()

steps = STEPS[part.level]
step_key = f"notice_step_{part.id}"
step = step_selector(step_key, steps)
st.divider()


def notice_summary() -> None:
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        c1.markdown(f"**文号**：{row.doc_number}")
        c2.markdown(f"**发布日期**：{row.publish_date:%Y-%m-%d}")
        c3.markdown(f"**截止日期**：{row.deadline:%Y-%m-%d}")
        c1.markdown(f"**批次**：{row.batch}")
        c2.markdown(f"**联系人**：{row.contact_person}")
        c3.markdown(f"**联系电话**：{row.contact_phone}")
        if row.basis:
            st.markdown(f"**工作依据**：{row.basis}")
        st.markdown("**通知要求**")
        st.markdown(row.requirements or "（未填写）")
        st.markdown("**时间节点**")
        st.dataframe(pd.DataFrame([{"节点": label, "日期": getattr(row, key).isoformat()} for key, label in MILESTONES]),
                     hide_index=True, width="content")
        st.markdown("**通知附件**")
        file_list(notice_files, "notice_files")
    for upper in chain[1:]:
        st.markdown(f"**{upper.division.name}任务要求**")
        st.markdown(upper.requirements or "（未填写）")
        file_list(upper_files[upper.id], f"notice_upper_{upper.id}")


def province_info() -> None:
    notice_summary()
    if pending:
        upload = upload_box("上传通知附件", f"notice_upload_{part.id}", "document")
        if upload is not None and st.button("上传该文件", key=f"notice_upload_btn_{part.id}"):
            act(lambda s, a: notice.attach_file(s, a, part.id, upload.name, upload.getvalue()),
                f"已上传“{upload.name}”", user)


def own_requirements() -> None:
    text = st.text_area("本级任务要求", value=part.requirements, height=150, disabled=not pending,
                        key=f"notice_req_{part.id}", placeholder="填写本级的任务要求和相关通知文件")
    file_list(own_files, f"notice_own_{part.id}")
    if not pending:
        return
    upload = upload_box("上传本级通知文件", f"notice_own_upload_{part.id}", "document")
    if upload is not None and st.button("上传该文件", key=f"notice_own_upload_btn_{part.id}"):
        act(lambda s, a: notice.attach_file(s, a, part.id, upload.name, upload.getvalue()),
            f"已上传“{upload.name}”", user)
    if st.button("保存并下一步", type="primary", key=f"notice_req_next_{part.id}"):
        act(lambda s, a: notice.save_requirements(s, a, part.id, version, text), "本级任务要求已保存", user,
            then=lambda: go_to_step(step_key, "企业名单"))


def enterprise_list() -> None:
    st.markdown(f"本级共 **{len(letters)}** 家企业。" + ("名单如有问题，请线下联系上级部门解决。" if part.level
                                                        is not Tier.PROVINCE else ""))
    if industries:
        st.caption("按行业大类：" + "；".join(f"{code} {name} {n} 家" for code, name, n in industries))
    st.dataframe(pd.DataFrame([{
        "告知书编号": x.letter_number, "企业名称": x.enterprise.name, "所属区县": x.enterprise.division.name,
        "行业": f"{x.enterprise.industry_code} {x.enterprise.industry.name}" if x.enterprise.industry else "",
        "负责评估验收": x.enterprise.managing_tier.label,
        "接受任务": fmt_time(x.accepted_at) or "—"} for x in letters]), hide_index=True, width="stretch",
        height=min(38 + 35 * max(len(letters), 1), 520))


def dispatch() -> None:
    lower = {Tier.PROVINCE: "地市", Tier.CITY: "区县", Tier.COUNTY: "企业"}[part.level]
    if not pending:
        st.success(f"本级任务已于 {fmt_time(part.dispatched_at)} 下发至{lower}。")
        return
    if part.level is Tier.COUNTY:
        missing = [x.enterprise.name for x in letters if x.id not in scans]
        if missing:
            st.warning(f"还有 {len(missing)} 家企业的盖章告知书未上传，全部上传后才能下发：{'、'.join(missing[:5])}"
                       + ("等" if len(missing) > 5 else ""), icon=":material/block:")
    agreed = statement_checkbox(f"notice_agree_{part.id}")
    if st.button("下发任务", type="primary", key=f"notice_dispatch_{part.id}"):
        act(lambda s, a: notice.dispatch(s, a, part.id, version, agreed=agreed), f"任务已下发至{lower}。", user)


RENDERERS = {"任务信息": province_info, "省级任务": notice_summary, "上级任务": notice_summary,
             "市级任务": own_requirements, "县级任务": own_requirements, "企业名单": enterprise_list,
             "企业告知书": lambda: letters_step(user, part, letters, scans, seen), "下发任务": dispatch}
RENDERERS[step]()
seen.remember()
