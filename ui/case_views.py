"""Read-only parts of a case, shared by the department's 业务办理详情 and the enterprise's 评估验收申请:
the application, a stage's records, the remarks, the expert opinions, the result and the 办理记录."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import case_history, cases, full_review, stage_records
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.options import options_of, totals
from core.project_models import Case
from core.stages import BY_KEY, UPLOAD_KINDS
from ui.widgets import file_list, fmt_time, plain, quoted


def application_info(session, case: Case) -> None:
    """申请信息: who applied, the route and the application form."""
    enterprise = cases.enterprise_of(session, case)
    form = case.application or {}
    st.markdown(f"**{plain(enterprise.name)}** · {case.kind.label}申请 · {case.managing_tier.label}  \n"
                f"所属区县：{enterprise.division.short_name} · 行业："
                f"{enterprise.industry.name if enterprise.industry else '未填写'} · "
                f"提交时间：{fmt_time(case.submitted_at)}"
                + (f" · 重新提交：{fmt_time(case.resubmitted_at)}" if case.resubmitted_at else ""))
    leader = cases.project_leader(session, case)
    st.markdown(f"项目负责人：{plain(leader.name) if leader else '未填写'} · 移动电话："
                f"{plain(leader.mobile) if leader else '未填写'}（接受清审任务时填报）  \n"
                f"申请联系人：{plain(form.get('contact', ''))} · 联系电话：{plain(form.get('phone', ''))}")
    quoted("审核工作概述", form.get("summary", ""))
    options = options_of(session, case.project_id)
    if options:
        sums = totals(options)
        st.markdown(f"方案台账：共 **{len(options)}** 项方案，投资 {sums.get('investment', 0):g} 万元，"
                    f"经济效益 {sums.get('economic_benefit', 0):g} 万元/年，节水 {sums.get('water_saved', 0):g} t/a，"
                    f"COD 削减 {sums.get('cod_reduced', 0):g} t/a，氨氮削减 {sums.get('ammonia_reduced', 0):g} t/a")


def stage_records_view(session, case: Case, stage_key: str, key: str) -> None:
    """One audit stage as the enterprise recorded it: texts, figures and file downloads."""
    current = stage_records.state(session, case.project_id, stage_key)
    for item in current.stage.items:
        value = current.values.get(item.key)
        if item.kind in UPLOAD_KINDS:
            st.markdown(f"**{item.label}**")
            file_list(current.files.get(item.key, []), f"{key}_{item.key}")
        elif value is None:
            st.markdown(f"**{item.label}**：:gray[未填写]")
        else:
            shown = f"{value:g} {item.unit}" if isinstance(value, float) else value
            st.markdown(f"**{item.label}**：{plain(shown)}")


def remarks_view(session, case: Case) -> None:
    """Every remark sent back to the enterprise, by round, with whether it was reworked."""
    remarks = stage_records.remarks_of(session, case)
    if not remarks:
        st.caption("暂无退回整改意见。")
        return
    st.dataframe(pd.DataFrame([{"轮次": r.round, "退回环节": r.step.label if r.step else "", "步骤": BY_KEY[r.stage].label,
                                "整改意见": r.remark, "退回时间": fmt_time(r.at),
                                "整改": "已整改" if r.resolved_at else "待整改"} for r in remarks]),
                 hide_index=True, width="stretch")


def opinions_view(session, case: Case) -> None:
    rows = full_review.opinions_of(session, case.id)
    if not rows:
        st.caption("暂无专家意见。")
        return
    st.dataframe(pd.DataFrame([{"轮次": o.round, "专家": o.expert.name, "工作单位": o.expert.organisation,
                                "评分": o.score, "结论": o.conclusion.label, "意见": o.opinion,
                                "录入时间": fmt_time(o.at)} for o in rows]), hide_index=True, width="stretch")


def opinions_for_enterprise(session, user: User, case: Case) -> None:
    """专家审核意见 as the enterprise receives them, by round; experts are numbered, not named (the issued
    评估意见 / 验收意见 names the panel), so that nobody is approached while the review runs."""
    rows = full_review.released_opinions(session, session.get(User, user.id), case.id)
    if not rows:
        return
    with st.expander(f"专家审核意见（{len(rows)} 条）", icon=":material/rate_review:"):
        numbers: dict[int, int] = {}
        for o in rows:
            n = numbers.setdefault(o.expert_id, len(numbers) + 1)
            st.markdown(f"**第 {o.round} 轮 · 专家 {n}** · {o.conclusion.label} · {o.score:g} 分")
            quoted("意见", o.opinion)


def result_view(session, user: User, case: Case) -> None:
    """The issued result with its PDF, or nothing yet."""
    result = full_review.result_of(session, case.id)
    if result is None:
        st.caption("审核结果尚未出具。")
        return
    verdict = ":green-badge[通过]" if result.passed else ":red-badge[不通过]"
    st.markdown(f"审核结论：{verdict} · 文号 {plain(result.document_number)} · 出具时间 {fmt_time(result.issued_at)}")
    quoted("综合审核意见", result.opinion)
    try:
        name, pdf = full_review.result_pdf(session, user, case.id)
    except (RuleViolation, OSError):
        st.error("审核意见文件缺失或已被篡改，请联系管理员。")
        return
    st.download_button(f"下载{case.kind.label}意见（PDF）", pdf, file_name=name, mime="application/pdf",
                       key=f"result_pdf_{case.id}", icon=":material/download:", type="primary", on_click="ignore")


def history_view(case_id: int) -> None:
    with unit_of_work() as session:
        entries = case_history.history(session, session.get(Case, case_id))
    st.dataframe(pd.DataFrame([{"时间": fmt_time(e.at), "办理人": e.who, "环节": e.step, "事项": e.what,
                                "轮次": e.round} for e in entries]), hide_index=True, width="stretch")
