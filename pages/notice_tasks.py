"""清审任务管理: the department's audit notices (待派发 / 已派发); the province creates them."""

from datetime import date, timedelta

import streamlit as st

from core import notice, notice_lists
from core.db import unit_of_work
from core.models import Tier
from core.notice_models import MILESTONES, NoticeStatus
from core.text import Limit
from ui.session import current_user
from ui.widgets import act, export_buttons, page_header, plain, show_flash

user = current_user("pages/notice_tasks.py")
page_header("清审任务管理", "关于开展强制性清洁生产审核任务的通知，由省、市、县三级逐级下发，最后由企业接受。"
            "状态为“待派发”的任务需要本部门办理。")
show_flash()


def open_notice(part_id: int) -> None:
    st.session_state["notice_part_id"] = part_id
    st.switch_page("pages/notice_task.py", query_params={"id": str(part_id)})


if user.tier is Tier.PROVINCE:
    with unit_of_work() as session:
        rosters = {t.id: f"{t.name}（{t.batch}）" for t in notice.approved_rosters(session, user)}
    with st.expander("新建清审任务通知", icon=":material/campaign:", expanded=False):
        if not rosters:
            st.info("没有可用的最终名单：名单核定任务确定最终名单后，才能据此创建清审任务通知。")
        else:
            with st.form("new_notice", enter_to_submit=False):
                roster_id = st.selectbox("依据的最终名单 *", list(rosters), format_func=rosters.get)
                c1, c2 = st.columns(2)
                doc_number = c1.text_input("文号 *", max_chars=Limit.SHORT, placeholder="例如：冀环科〔2021〕12号")
                batch = c2.text_input("批次 *", max_chars=Limit.SHORT, placeholder="例如：第二批")
                name = st.text_input("任务名称 *", max_chars=Limit.NAME, placeholder="例如：2021年白洋淀流域第二批涉水企业清洁生产审核")
                basis = st.text_input("工作依据（告知书首句引用）", max_chars=Limit.BASIS,
                                      placeholder="例如：《白洋淀生态环境综合治理方案（2020—2022年）》……的工作要求")
                requirements = st.text_area("通知要求", height=120, max_chars=Limit.LONG)
                c3, c4, c5, c6 = st.columns(4)
                publish = c3.date_input("发布日期 *", value=date.today(), format="YYYY-MM-DD")
                deadline = c4.date_input("截止日期 *", value=date.today() + timedelta(days=270), format="YYYY-MM-DD")
                person = c5.text_input("联系人 *", max_chars=Limit.PERSON)
                phone = c6.text_input("联系电话 *", max_chars=Limit.PHONE, placeholder="0311-87908917")
                st.markdown("**时间节点**（按先后顺序，不能早于前一节点）")
                cols = st.columns(4)
                milestones = {key: cols[i % 4].date_input(label, value=date.today() + timedelta(days=15 + 30 * i),
                                                          format="YYYY-MM-DD", key=f"ms_{key}")
                              for i, (key, label) in enumerate(MILESTONES)}
                created = st.form_submit_button("创建通知", type="primary")
            if created:
                form = notice.NoticeForm(doc_number=doc_number, batch=batch, name=name, basis=basis,
                                         requirements=requirements, publish_date=publish, deadline=deadline,
                                         contact_person=person, contact_phone=phone, milestones=milestones)
                act(lambda s, a: notice.create_notice(s, a, roster_id, form),
                    "清审任务通知已创建，请核对后下发至地市。", user)

STATUS_FILTER = {"全部": None, **{s.label: s for s in NoticeStatus}}
choice = st.radio("任务状态", list(STATUS_FILTER), horizontal=True, key="notice_status_filter")
with unit_of_work() as session:
    parts = notice.notice_list(session, user, STATUS_FILTER[choice])
    counts = notice_lists.counts_by_part(session, parts)

if not parts:
    st.info("没有符合条件的清审任务。")
    st.stop()

st.markdown(f"共 **{len(parts)}** 项任务")
for part in parts:
    color = "orange" if part.status is NoticeStatus.PENDING_DISPATCH else "green"
    with st.container(border=True):
        info, figures, action = st.columns([5, 3, 1], vertical_alignment="center")
        info.markdown(f"**{plain(part.notice.name)}**  \n:{color}-badge[{part.status.label}] · 文号：{plain(part.notice.doc_number)}"
                      f" · 批次：{plain(part.notice.batch)} · 告知书送达：{part.notice.letters_due:%Y-%m-%d}")
        figures.markdown(f"本级企业 **{counts[part.id]}** 家")
        if action.button("详情", key=f"notice_open_{part.id}", width="stretch"):
            open_notice(part.id)


def _rows():
    return [{"任务名称": p.notice.name, "文号": p.notice.doc_number, "批次": p.notice.batch,
             "状态": p.status.label, "本级企业数": counts[p.id],
             "告知书送达": p.notice.letters_due.isoformat(), "截止日期": p.notice.deadline.isoformat()}
            for p in parts]


export_buttons(_rows, "清审任务", key="notice_tasks")
