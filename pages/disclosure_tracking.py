"""许可与公开跟踪: per campaign, the jurisdiction's enterprises with their 排污许可证 status and 信息公开; the
county opens one enterprise to record its permit, see the evidence, and confirm or revoke the confirmation."""

from datetime import date

import pandas as pd
import streamlit as st

from core import disclosure, disclosure_tracking, permits, stats
from core.db import unit_of_work
from core.disclosure import NUMBER_HIGH, PERMIT_STATUS_LABELS, REASON_HIGH
from core.disclosure_models import PERMIT_CLASS_LABELS
from core.errors import RuleViolation
from core.stats import StatsFilter
from ui.contract_view import department_contract
from ui.permit_views import permit_facts, permit_status
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    act,
    current_page,
    export_buttons,
    file_list,
    fmt_time,
    plain,
    page_header,
    pager,
    show_flash,
    show_violation,
    statement_checkbox,
    upload_box,
)

user = current_user("pages/disclosure_tracking.py")
page_header("许可与公开跟踪", "本辖区企业的排污许可证写入审核要求情况（区县确认）和审核信息公开情况；"
            "“公开截止”为清审任务通知中“企业登录系统填报并公布审核信息”的日期。")
show_flash()

with unit_of_work() as session:
    notices = stats.campaigns(session, user)
if not notices:
    st.info("本辖区还没有清审任务通知下发的企业。", icon=":material/verified:")
    st.stop()

ANY = "全部"
f1, f2, f3 = st.columns([3, 2, 1], vertical_alignment="bottom")
names = {f"{n.name}（{n.batch}）": n.id for n in notices}
campaign = f1.selectbox("清审批次", list(names), key="track_campaign")
statuses = {ANY: None, **{label: key for key, label in PERMIT_STATUS_LABELS.items()}}
status = f2.selectbox("排污许可证状态", list(statuses), key="track_status")
overdue_only = f3.toggle("只看逾期未公开", key="track_overdue")

PAGE_SIZE = 50
with unit_of_work() as session:
    flt = StatsFilter(notice_id=names[campaign])
    areas = {ANY: None, **{name: code for code, name in stats.counties(session, user, flt)}}
county = st.selectbox("区县", list(areas), key="track_county") if len(areas) > 2 else ANY
selection = dict(status=statuses[status], overdue_only=overdue_only, county_code=areas.get(county))
with unit_of_work() as session:
    counts = disclosure_tracking.tracking_counts(session, user, flt, **selection)
    page = current_page(counts.total, PAGE_SIZE, "track_page")
    rows = disclosure_tracking.tracking(session, user, flt, **selection, offset=(page - 1) * PAGE_SIZE,
                                        limit=PAGE_SIZE)

cols = st.columns(5)
cols[0].metric("企业数", counts.total)
cols[1].metric("许可证已确认", counts.confirmed)
cols[2].metric("已填报待确认", counts.pending)
cols[3].metric("未填报 / 未写入", counts.missing_or_not_written)
cols[4].metric("逾期未公开", counts.overdue)

if not rows:
    st.info("没有符合条件的企业。", icon=":material/inbox:")
    st.stop()


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def as_table(found: list[disclosure_tracking.TrackingRow]) -> list[dict]:
    return [{
        "项目编号": r.project_number or "（未接受任务）", "企业名称": r.enterprise, "区县": r.county,
        "排污许可证": r.status_label, "许可证编号": r.permit_number or "",
        "管理类别": PERMIT_CLASS_LABELS[r.management_class] if r.management_class else "",
        "写入日期": day(r.written_on), "填报方": r.recorded_by_label, "信息公开次数": r.disclosures,
        "最近公开日期": day(r.latest_disclosure), "公开截止": day(r.register_due),
        "逾期": f"逾期 {r.days_overdue} 天" if r.overdue else ""} for r in found]


def everything() -> list[dict]:
    with unit_of_work() as s:
        return as_table(disclosure_tracking.tracking(s, user, flt, **selection))


st.dataframe(pd.DataFrame(as_table(rows)), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 520))
pager(counts.total, PAGE_SIZE, "track_page")
export_buttons(everything, "许可与公开跟踪", "track_export")

# --- one enterprise ------------------------------------------------------------------------------
st.divider()
openable = {r.project_id: f"{r.enterprise}（{r.project_number}）" for r in rows if r.project_id}
if not openable:
    st.caption("本页企业尚未接受清审任务，暂无排污许可与信息公开信息。")
    st.stop()
pid = st.selectbox("查看企业（本页）", list(openable), format_func=openable.get, index=None, placeholder="请选择企业",
                   key="track_pick")
if pid is None:
    st.stop()

try:
    with unit_of_work() as session:
        permit = permits.permit_of(session, user, pid)
        published = disclosure.disclosures_of(session, user, pid)
        may_record = disclosure.may_record_permit(session, user, pid)
        may_confirm = disclosure.may_confirm(session, user, pid)
except RuleViolation as exc:
    show_violation(exc)
    st.stop()

seen = SeenVersions(f"track_seen_{pid}")
version = seen.see(("permit", pid), permit.version)
seen.remember()
record = permit.record


st.subheader(f"{plain(openable[pid])} · 排污许可证")
permit_status(permit)
if record is None:
    st.info("企业尚未填报排污许可证信息。", icon=":material/pending:")
else:
    with st.container(border=True):
        permit_facts(record)
        st.caption(f"首次填报：{plain(permit.created_by.display_name)}（{permit.created_by.tier.label}） · "
                   f"{fmt_time(record.created_at)}；最近填报：{plain(permit.recorded_by.display_name)}"
                   f"（{permit.recorded_by.tier.label}） · {fmt_time(record.recorded_at)}")
        if record.confirmed_at:
            st.caption(f"确认：{plain(permit.confirmed_by.display_name)} · {fmt_time(record.confirmed_at)}")
        elif record.revoked_at:
            st.caption(f"最近一次撤销确认：{fmt_time(record.revoked_at)}，原因：{plain(record.revoke_reason)}")
        st.markdown("**排污许可证扫描件**")
        file_list(permit.files, f"track_permit_files_{pid}")

if may_confirm and permit.status == disclosure.PENDING:
    with st.container(border=True):
        st.markdown("**确认排污许可证信息**：请核对扫描件与填报内容一致，且许可证已载明清洁生产审核要求。")
        agreed = statement_checkbox(f"track_confirm_agree_{pid}")
        if st.button("确认", type="primary", key=f"track_confirm_{pid}"):
            act(lambda s, u: permits.confirm_permit(s, u, pid, version, agreed=agreed), "已确认排污许可证信息", user)
if may_confirm and permit.status == disclosure.CONFIRMED:
    with st.container(border=True):
        reason = st.text_area("撤销确认的原因 *", key=f"track_revoke_reason_{pid}", height=80, max_chars=REASON_HIGH,
                              placeholder="如：许可证编号与扫描件不一致（4 至 500 个字）")
        if st.button("撤销确认", key=f"track_revoke_{pid}"):
            act(lambda s, u: permits.revoke_confirmation(s, u, pid, version, reason), "已撤销确认，企业可重新修改",
                user)
if may_record and permit.status != disclosure.CONFIRMED:
    with st.expander("代企业填报或修改排污许可证信息", expanded=record is None):
        generation = st.session_state.get(f"track_permit_gen_{pid}", 0)
        classes = list(PERMIT_CLASS_LABELS)
        with st.form(f"track_permit_form_{pid}_{generation}", enter_to_submit=False):
            c1, c2 = st.columns(2)
            number = c1.text_input("排污许可证编号 *", value=record.permit_number if record else "", max_chars=NUMBER_HIGH)
            management = c2.selectbox("管理类别 *", classes, format_func=lambda c: c.label,
                                      index=classes.index(record.management_class) if record else None,
                                      placeholder="请选择")
            c3, c4 = st.columns(2)
            written = c3.radio("是否已写入清洁生产审核要求 *", ["是", "否"], horizontal=True,
                               index=(0 if record.requirement_written else 1) if record else None)
            written_on = c4.date_input("写入日期（已写入时必填）", value=record.written_on if record else None,
                                       min_value=date(1990, 1, 1), format="YYYY-MM-DD")
            scans = upload_box("上传排污许可证扫描件" + ("（必传）" if record is None else "（可补充）"),
                               f"track_permit_upload_{pid}_{generation}", multiple=True)
            saved = st.form_submit_button("保存排污许可证信息", type="primary")
        if saved:
            form = permits.PermitForm(number, management, written, written_on)
            uploads = [(f.name, f.getvalue()) for f in scans or []]
            act(lambda s, u: permits.save_permit(s, u, pid, form, uploads, version), "排污许可证信息已保存", user,
                then=lambda: st.session_state.__setitem__(f"track_permit_gen_{pid}", generation + 1))

st.subheader("信息公开")
if not published:
    st.info("企业尚未登记信息公开。", icon=":material/campaign:")
for item in published:
    d = item.record
    with st.container(border=True):
        st.markdown(f"**{d.channel.label}** · 公开日期 {d.published_on.isoformat()} · 登记 {fmt_time(d.recorded_at)}")
        st.text(d.location)  # as text: a copied URL must not carry the word joiners plain() puts into links
        if d.channel.needs_url:
            st.link_button("打开网址", d.location)
        file_list(item.files, f"track_disclosure_files_{d.id}")

st.subheader("清洁生产审核合同")
with unit_of_work() as session:
    department_contract(session, user, pid, f"track_contract_{pid}")
