"""接受清审任务: the enterprise's audit tasks; it accepts one by naming its project leader (seed 000 §4.1)."""

import pandas as pd
import streamlit as st

from core import notice, notice_levels
from core.db import unit_of_work
from core.models import Tier
from core.notice_models import MILESTONES
from core.text import Limit
from ui.session import current_user
from ui.widgets import act, file_list, fmt_time, page_header, plain, show_flash

user = current_user("pages/enterprise_tasks.py")
page_header("接受清审任务", "查看生态环境部门下发的强制性清洁生产审核任务，填写项目负责人后确认接受。")
show_flash()

with unit_of_work() as session:
    letters = notice.enterprise_letters(session, user)
    notices = {x.id: x for x in letters}
    rows = {x.id: session.get(notice.AuditNotice, x.notice_id) for x in letters}

if not letters:
    st.info("暂无下发给本企业的清审任务。收到告知书后，所在区县生态环境部门下发任务即可在此查看。")
    st.stop()

st.dataframe(pd.DataFrame([{"任务名称": rows[i].name, "告知书编号": x.letter_number, "文号": rows[i].doc_number,
                            "状态": "已接受" if x.accepted_at else "待接受"} for i, x in notices.items()]),
             hide_index=True, width="stretch")
labels = {i: f"{rows[i].name}（告知书 {x.letter_number}）" for i, x in notices.items()}
chosen = st.selectbox("任务详情", list(labels), format_func=labels.get, key="enterprise_task_pick")
letter, row = notices[chosen], rows[chosen]
with unit_of_work() as session:
    levels = notice_levels.task_levels(session, user, letter.id)

with st.container(border=True):
    st.subheader(plain(row.name))
    c1, c2 = st.columns(2)
    c1.markdown(f"**文号**：{plain(row.doc_number)}")
    c2.markdown(f"**告知书编号**：{letter.letter_number}")
    st.markdown("**本企业的时间节点**")
    st.dataframe(pd.DataFrame([{"节点": label, "截止日期": getattr(row, key).isoformat()}
                               for key, label in MILESTONES if key not in ("letters_due", "summary_due")]),
                 hide_index=True, width="content")

# Each level's own requirements, files and contact: the city and the county add theirs to the province's.
for level in levels:
    with st.container(border=True):
        st.markdown(f"#### {level.label}任务要求 · {plain(level.department)}")
        default = "请按告知书要求开展强制性清洁生产审核工作。" if level.tier is Tier.PROVINCE else "（未填写）"
        st.markdown(plain(level.requirements) or default)
        contact = (f"{plain(level.contact_person)}（{plain(level.contact_phone)}）" if level.contact_person
                   else "（未填写）")
        st.markdown(f"**联系人**：{contact}")
        st.markdown("**通知文件**")
        file_list(level.files, f"task_files_{letter.id}_{level.tier.value}")

if letter.accepted_at:
    st.success(f"本企业已于 {fmt_time(letter.accepted_at)} 接受该任务。项目负责人：{plain(letter.project_leader)}，"
               f"移动电话：{plain(letter.leader_mobile)}")
    st.stop()

st.markdown("#### 接受任务")
with st.form(f"accept_{letter.id}", enter_to_submit=False):
    left, right = st.columns(2)
    leader = left.text_input("项目负责人 *", max_chars=Limit.PERSON)
    mobile = right.text_input("移动电话 *（可接收短信）", max_chars=13, placeholder="13812345678")
    confirmed = st.form_submit_button("确认接受", type="primary")
if confirmed:
    act(lambda s, a: notice.accept(s, a, letter.id, project_leader=leader, mobile=mobile),
        "已接受清审任务，请按时间节点开展清洁生产审核。", user)
