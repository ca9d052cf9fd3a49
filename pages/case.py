"""业务办理详情: one evaluation or acceptance case, step by step (seed 000 §2.3, §3.3; DOMAIN.md "Case")."""

import streamlit as st

from core import cases
from core.db import unit_of_work
from core.errors import RuleViolation
from core.project_models import CaseStatus, CaseStep
from ui import case_review_views as review
from ui.case_views import application_info, history_view, opinions_view, remarks_view, result_view
from ui.grading_views import reviewer_panel
from ui.session import current_user
from ui.widgets import SeenVersions, chosen_id, page_header, plain, show_flash, show_violation, step_selector

user = current_user("pages/case.py")
case_id = chosen_id("case_id", "pages/cases.py", "业务办理", "返回业务办理")

try:
    with unit_of_work() as session:
        case = cases.visible_case(session, user, case_id)
        holder = cases.holder_name(session, case)
        enterprise = cases.enterprise_of(session, case).name
except RuleViolation as exc:
    show_violation(exc)
    st.page_link("pages/cases.py", label="返回业务办理", icon=":material/arrow_back:")
    st.stop()

page_header(f"{case.kind.label}申请 · {plain(enterprise)}")
show_flash()
seen = SeenVersions(f"case_seen_{case.id}")
version = seen.see(("case", case.id), case.version)
state = f"**{case.status.label}**" + (f" · 当前环节：**{case.step.label}**（{holder}办理）" if holder else "")
if case.status is CaseStatus.RETURNED:
    state += f" · 已退回企业整改，重新提交后回到“{case.step.label}”"
st.markdown(f"状态：{state} · 第 {case.round} 轮")
st.page_link("pages/cases.py", label="返回业务办理", icon=":material/arrow_back:")

STEPS = {"申请信息": None, "受理审核": "intake", "专家抽取": CaseStep.EXPERT_DRAW,
         "线上文审": CaseStep.DOCUMENT_REVIEW, "现场审核": CaseStep.SITE_REVIEW, "审核结果": CaseStep.RESULT,
         "办理记录": None}
step_key = f"case_step_{case.id}"
if st.session_state.get(f"{step_key}_at") != case.step:  # opened, or the case moved on: show the step it is at
    at = "受理审核" if case.step.is_intake else next((k for k, v in STEPS.items() if v == case.step), "审核结果")
    st.session_state[step_key] = at
    st.session_state[f"{step_key}_at"] = case.step
step = step_selector(step_key, list(STEPS))

with st.container(border=True):
    if step == "申请信息":
        with unit_of_work() as session:
            application_info(session, case)
            st.markdown("**退回整改记录**")
            remarks_view(session, case)
    elif step == "受理审核":
        reviewer_panel(user, case)  # the audit's 对标 before / after and the plausibility findings
        review.intake_section(user, case, version)
    elif step == "专家抽取":
        review.draw_section(user, case, version)
    elif step == "线上文审":
        with unit_of_work() as session:
            opinions_view(session, case)
        review.document_review_section(user, case, version)
        review.return_section(user, case, version)
    elif step == "现场审核":
        review.site_review_section(user, case, version)
        review.return_section(user, case, version)
    elif step == "审核结果":
        with unit_of_work() as session:
            result_view(session, user, case)
        review.result_section(user, case, version)
    else:
        history_view(case.id)
seen.remember()
