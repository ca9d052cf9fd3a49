"""排污许可与信息公开: the enterprise records its 排污许可证 (the audit requirement written in, with a scan)
and each publication of its audit information (seed 001); the county confirms the permit."""

from datetime import date

import streamlit as st

from core import disclosure, permits
from core.db import unit_of_work
from core.disclosure_models import CHANNEL_LABELS, PERMIT_CLASS_LABELS
from core.notice_models import AuditNotice
from core.startup_fields import today
from ui.permit_views import permit_facts, permit_status
from ui.project_views import choose_project
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    act,
    file_list,
    fmt_time,
    plain,
    page_header,
    show_flash,
    upload_box,
)

user = current_user("pages/disclosure.py")
page_header("排污许可与信息公开", "填报排污许可证中写入清洁生产审核要求的情况（由区县生态环境部门确认），"
            "并登记公开审核信息的位置、日期和证明材料。")
show_flash()
project = choose_project(user)
pid = project.id

with unit_of_work() as session:
    permit = permits.permit_of(session, user, pid)
    published = disclosure.disclosures_of(session, user, pid)
    register_due = session.get(AuditNotice, project.notice_id).register_due

seen = SeenVersions(f"permit_seen_{pid}")
version = seen.see(("permit", pid), permit.version)
seen.remember()
record = permit.record


def bump(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


# --- 排污许可证 ----------------------------------------------------------------------------------
st.subheader("排污许可证")
permit_status(permit)
if record is not None:
    with st.container(border=True):
        permit_facts(record)
        st.caption(f"最近填报：{plain(permit.recorded_by.display_name)}（{permit.recorded_by.tier.label}）"
                   f" · {fmt_time(record.recorded_at)}")
        st.markdown("**排污许可证扫描件**")
        can_remove = record.confirmed_at is None and len(permit.files) > 1
        file_list(permit.files, f"permit_files_{pid}",
                  (lambda a: act(lambda s, u: permits.remove_permit_file(s, u, pid, a.id, version),
                                 f"已删除“{a.original_name}”", user)) if can_remove else None)
if record is not None and record.confirmed_at is not None:
    st.success(f"已由{plain(permit.confirmed_by.display_name) if permit.confirmed_by else '区县生态环境部门'}于 "
               f"{fmt_time(record.confirmed_at)} 确认，企业不能再修改；如需更正，请联系区县生态环境部门撤销确认。",
               icon=":material/verified:")
else:
    if record is not None and record.revoked_at is not None:
        st.warning(f"区县生态环境部门已于 {fmt_time(record.revoked_at)} 撤销确认，"
                   f"原因：{plain(record.revoke_reason)}。"
                   "请按原因修改后重新保存，等待确认。", icon=":material/undo:")
    elif record is not None and record.requirement_written:
        st.info("已填报，等待区县生态环境部门确认。", icon=":material/hourglass_top:")
    elif record is not None:
        st.warning("排污许可证尚未写入清洁生产审核要求。写入后请更新“是否已写入”和写入日期，并上传载明要求的页面。",
                   icon=":material/report:")
    generation = st.session_state.get(f"permit_gen_{pid}", 0)
    classes = list(PERMIT_CLASS_LABELS)
    with st.form(f"permit_form_{pid}_{generation}", enter_to_submit=False):
        st.markdown("**填报或修改排污许可证信息**")
        c1, c2 = st.columns(2)
        number = c1.text_input("排污许可证编号 *", value=record.permit_number if record else "",
                               placeholder="如 91130608MA07ABCD1X001P", max_chars=disclosure.NUMBER_HIGH,
                               key=f"permit_number_{pid}_{generation}")
        management = c2.selectbox("管理类别 *", classes, format_func=lambda c: c.label,
                                  index=classes.index(record.management_class) if record else None,
                                  placeholder="请选择", key=f"permit_class_{pid}_{generation}")
        c3, c4 = st.columns(2)
        written = c3.radio("是否已写入清洁生产审核要求 *", ["是", "否"], horizontal=True,
                           index=(0 if record.requirement_written else 1) if record else None,
                           help="排污许可证中载明“……前通过清洁生产审核验收”的要求",
                           key=f"permit_written_{pid}_{generation}")
        written_on = c4.date_input("写入日期（已写入时必填）", value=record.written_on if record else None,
                                   min_value=date(1990, 1, 1), format="YYYY-MM-DD",
                                   key=f"permit_written_on_{pid}_{generation}")
        scans = upload_box("上传排污许可证扫描件（载明审核要求的页面"
                           + ("，首次填报必传）" if record is None else "，可补充）"),
                           f"permit_upload_{pid}_{generation}", multiple=True)
        saved = st.form_submit_button("保存排污许可证信息", type="primary")
    if saved:
        form = permits.PermitForm(number, management, written, written_on)
        uploads = [(f.name, f.getvalue()) for f in scans or []]
        act(lambda s, u: permits.save_permit(s, u, pid, form, uploads, version),
            "排污许可证信息已保存，等待区县确认", user, then=lambda: bump(f"permit_gen_{pid}"))

# --- 信息公开 ------------------------------------------------------------------------------------
st.divider()
st.subheader("信息公开")
if published:
    latest = max(d.record.published_on for d in published)
    st.markdown(f"已登记 **{len(published)}** 次公开，最近一次：{latest.isoformat()}"
                f"（公开截止：{register_due.isoformat()}）")
elif today() > register_due:
    st.error(f"公开审核信息的截止日期 {register_due.isoformat()} 已过，尚未登记信息公开，请尽快公开并登记。",
             icon=":material/alarm:")
else:
    st.info(f"请在 {register_due.isoformat()} 前通过企业网站、报纸或政府网站等公开本企业的审核信息，并在此登记。",
            icon=":material/campaign:")

for item in published:
    d = item.record
    with st.container(border=True):
        info, action = st.columns([6, 1], vertical_alignment="center")
        info.markdown(f"**{d.channel.label}** · 公开日期 {d.published_on.isoformat()}")
        # as text, not Markdown: copied, a URL must not carry the word joiners plain() puts into links
        info.text(d.location)
        if d.channel.needs_url:
            info.link_button("打开网址", d.location)
        sure = action.checkbox("确认删除", key=f"disclosure_rm_ok_{d.id}")
        if action.button("删除", key=f"disclosure_rm_{d.id}", disabled=not sure):
            act(lambda s, u, i=d.id: disclosure.remove_disclosure(s, u, pid, i), "已删除该公开记录", user)
        file_list(item.files, f"disclosure_files_{d.id}")

generation = st.session_state.get(f"disclosure_gen_{pid}", 0)
channels = list(CHANNEL_LABELS)
with st.form(f"disclosure_form_{pid}_{generation}", enter_to_submit=False):
    st.markdown("**登记一次信息公开**")
    c1, c2 = st.columns([1, 2])
    channel = c1.selectbox("公开方式 *", channels, format_func=lambda c: c.label, index=None, placeholder="请选择",
                           key=f"disclosure_channel_{pid}_{generation}")
    location = c2.text_input("公开网址或说明 *", placeholder="网站填写网址（https://…）；报纸填写报纸名称、日期和版面",
                             max_chars=disclosure.LOCATION_HIGH,
                             key=f"disclosure_location_{pid}_{generation}")
    published_on = st.date_input("公开日期 *", value=None, min_value=date(1990, 1, 1), format="YYYY-MM-DD",
                                 key=f"disclosure_on_{pid}_{generation}")
    evidence = upload_box("上传公开证明材料（网页截图、报纸扫描件，至少一个）", f"disclosure_upload_{pid}_{generation}",
                          multiple=True)
    added = st.form_submit_button("登记信息公开", type="primary")
if added:
    form = disclosure.DisclosureForm(channel, location, published_on)
    uploads = [(f.name, f.getvalue()) for f in evidence or []]
    act(lambda s, u: disclosure.add_disclosure(s, u, pid, form, uploads), "已登记信息公开", user,
        then=lambda: bump(f"disclosure_gen_{pid}"))
