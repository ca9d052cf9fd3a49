"""评估 / 验收申请: apply once a phase's stages are complete; after a return, see the remarks and resubmit."""

import streamlit as st

from core import applications, stage_records
from core.audit import STATEMENT
from core.db import unit_of_work
from core.project_models import CaseKind, CaseStatus
from core.stages import BY_KEY
from core.text import Limit
from ui.case_views import opinions_for_enterprise, remarks_view, result_view
from ui.project_views import choose_project, startup_gate
from ui.session import current_user
from ui.widgets import act, fmt_time, page_header, plain, show_flash, statement_checkbox

user = current_user("pages/applications.py")
page_header("评估验收申请", "完成评估阶段（前六个阶段）的填报后提交评估申请；评估通过并完成验收阶段填报后提交验收申请。")
show_flash()
project = choose_project(user)
startup_gate(project)

for kind in CaseKind:
    with unit_of_work() as session:
        case = stage_records.latest_case(session, project.id, kind.value)
        missing = applications.missing_for(session, project.id, kind)
        remarks = stage_records.open_remarks(session, case)
        all_remarks = stage_records.remarks_of(session, case)
    with st.container(border=True):
        st.subheader(f"{kind.label}申请")
        if case is not None:
            where = f" · 当前环节：{case.step.label}" if case.status in (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW) else ""
            st.markdown(f"当前状态：**{case.status.label}**{where} · 提交时间：{fmt_time(case.submitted_at)}"
                        + (f" · 重新提交：{fmt_time(case.resubmitted_at)}" if case.resubmitted_at else ""))
        if case is not None:
            with unit_of_work() as session:
                opinions_for_enterprise(session, user, case)
                if case.status in (CaseStatus.PASSED, CaseStatus.FAILED):
                    result_view(session, user, case)
        if case is not None and case.status is not CaseStatus.FAILED:
            if case.status is CaseStatus.RETURNED:
                st.warning(f"申请在“{case.step.label}”环节被退回。请按以下审核意见修改相应步骤并重新标记完成，"
                           "然后重新提交；重新提交后申请回到该环节继续审核。", icon=":material/undo:")
                for remark in all_remarks:
                    if remark.round != case.round:
                        continue
                    done = "（已整改）" if remark.resolved_at else ""
                    st.markdown(f"- **{BY_KEY[remark.stage].label}**：{plain(remark.remark)}{done}")
                st.page_link("pages/audit_work.py", label="去修改", icon=":material/edit:")
                agreed = statement_checkbox(f"resubmit_agree_{case.id}")
                if remarks:
                    st.caption(f"还有 {len(remarks)} 个步骤的审核意见未整改（修改后重新标记完成），整改完成后才能重新提交。")
                if st.button("重新提交", type="primary", key=f"resubmit_{case.id}", disabled=bool(remarks)):
                    act(lambda s, u, c=case.id, a=agreed: applications.resubmit(s, u, c, agreed=a),
                        f"{kind.label}申请已重新提交", user)
            if len(all_remarks) and case.status is not CaseStatus.RETURNED:
                with st.expander("历次审核意见"), unit_of_work() as session:
                    remarks_view(session, case)
            continue
        if case is not None and case.status is CaseStatus.FAILED:
            st.info(f"上次{kind.label}未通过。请按审核意见整改后重新提交{kind.label}申请。", icon=":material/replay:")
        if missing:
            st.info("还不能提交：\n" + "\n".join(f"- {m}" for m in missing), icon=":material/pending:")
            continue
        with st.form(f"apply_{kind.value}", enter_to_submit=False):
            left, right = st.columns(2)
            contact = left.text_input("申请联系人 *", max_chars=Limit.PERSON)
            phone = right.text_input("联系电话 *", max_chars=Limit.PHONE)
            summary = st.text_area("审核工作概述 *", height=140, max_chars=Limit.LONG,
                                   placeholder="概述本轮清洁生产审核的开展情况、方案实施和取得的效果（不少于 20 字）")
            agreed = st.checkbox(f"我已阅读并同意：{STATEMENT}")
            sent = st.form_submit_button(f"提交{kind.label}申请", type="primary")
        if sent:
            form = {"contact": contact, "phone": phone, "summary": summary}
            act(lambda s, u, k=kind, f=form, a=agreed: applications.submit(s, u, project.id, k, f, agreed=a),
                f"{kind.label}申请已提交，请等待生态环境部门受理。", user)
