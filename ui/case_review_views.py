"""The department's acting parts of 业务办理详情: intake, expert draw, document review, site review,
return for rectification and the result. Each shows its form only to the department holding the case
at that step (core.cases.may_act); core re-checks every action."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cases, expert_draw, full_review
from core.attachments import Batch
from core.cases import StageVerdict
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.project_models import Case
from core.review_models import Conclusion, PanelStatus
from core.stages import BY_KEY, stages_of
from core.startup_fields import today
from ui.case_views import stage_records_view
from ui.widgets import act, file_list, fmt_time, plain, show_violation, statement_checkbox, upload_box

VERDICTS = ["通过", "不通过"]


def intake_section(user: User, case: Case, version: int) -> None:
    """受理审核: an opinion on every stage; any 不通过 returns the case to the enterprise. A round after a
    return starts from the opinions this level gave before (core.cases.carried_over), marked as such."""
    acting = _may(user, case, "intake")
    stages = stages_of(case.kind.value)
    verdicts: dict[str, StageVerdict] = {}
    texts: dict[str, str] = {}
    with unit_of_work() as session:
        past = cases.intake_opinions(session, case)
        carried = cases.carried_over(session, case) if acting else None
        if carried:
            st.info(f"本轮受理意见已沿用第 {carried.round} 轮（{fmt_time(carried.at)}）本环节的意见，标有“沿用”。"
                    "请核对企业的整改情况，只修改有变化的步骤。", icon=":material/history:")
        for i, stage in enumerate(stages, start=1):
            before = carried.verdicts.get(stage.key) if carried else None
            mark = f" · 沿用第 {carried.round} 轮：{_verdict(before.passed)}" if before else ""
            # A stage that did not pass before is where the rework is: open it.
            with st.expander(f"{i}. {stage.label}{mark}", expanded=before is not None and not before.passed):
                stage_records_view(session, case, stage.key, f"intake_{case.id}_{stage.key}")
                if acting:
                    key = f"intake_{case.id}_{case.round}_{case.step.value}_{stage.key}"
                    choice = st.radio("受理意见", VERDICTS, horizontal=True, key=f"{key}_verdict",
                                      index=None if before is None else VERDICTS.index(_verdict(before.passed)))
                    texts[stage.key] = st.text_area("意见说明（不通过时必填，写明具体问题）", key=f"{key}_text",
                                                    height=80, max_chars=cases.MAX_OPINION,
                                                    value=before.opinion if before else "")
                    if before:
                        st.caption(f"以上结论和说明沿用第 {carried.round} 轮，如有变化请直接修改。")
                    if choice is not None:
                        verdicts[stage.key] = StageVerdict(choice == "通过", texts[stage.key])
    if past:
        st.markdown("**受理意见记录**")
        st.dataframe(pd.DataFrame([{"轮次": o.round, "环节": o.step.label, "步骤": BY_KEY[o.stage].label,
                                    "结论": _verdict(o.passed), "意见": o.opinion,
                                    "时间": fmt_time(o.at)} for o in past]), hide_index=True, width="stretch")
    if not acting:
        return
    failed = sum(not v.passed for v in verdicts.values())
    st.markdown(f"已给出意见 **{len(verdicts)}/{len(stages)}** 个步骤" + (f"，其中不通过 **{failed}** 个" if failed else ""))
    if failed:
        st.warning("有步骤不通过：提交后申请将退回企业，按意见整改后重新提交。", icon=":material/undo:")
    agreed = statement_checkbox(f"intake_agree_{case.id}_{case.round}")
    left, right = st.columns(2)
    label = "退回企业整改" if failed else "受理通过"
    if left.button(label, type="primary", key=f"intake_submit_{case.id}"):
        act(lambda s, u: cases.intake(s, u, case.id, version, verdicts, agreed=agreed),
            "已退回企业整改。" if failed else "受理通过，已提交下一环节。", user)
    _pass_all(right, user, case, version, verdicts, texts, agreed)


def _verdict(passed: bool) -> str:
    return VERDICTS[0] if passed else VERDICTS[1]


def _pass_all(column, user: User, case: Case, version: int, verdicts: dict[str, StageVerdict],
              texts: dict[str, str], agreed: bool) -> None:
    """全部通过: every stage passed in one step, after a confirmation that names what it overrides."""
    stages = stages_of(case.kind.value)
    asking = f"intake_all_ask_{case.id}_{case.round}"
    if column.button(f"全部通过（{len(stages)} 个步骤）", key=f"intake_all_{case.id}", icon=":material/done_all:"):
        st.session_state[asking] = True
    if not st.session_state.get(asking):
        return
    following = cases.next_step(case.managing_tier, case.step).label
    overridden = [s.label for s in stages if s.key in verdicts and not verdicts[s.key].passed]
    with st.container(border=True):
        st.markdown(f"确认全部 **{len(stages)}** 个步骤受理通过，并提交“{following}”？")
        if overridden:
            st.warning(f"以下步骤当前选择“不通过”，确认后将改为通过：{'、'.join(overridden)}", icon=":material/warning:")
        # A note written for a stage goes with its 通过; a text written as a 不通过 problem does not.
        notes = {k: text for k, text in texts.items() if k not in verdicts or verdicts[k].passed}
        yes, no = st.columns(2)
        if yes.button("确认全部通过", type="primary", key=f"intake_all_yes_{case.id}"):
            act(lambda s, u: cases.pass_all(s, u, case.id, version, agreed=agreed, notes=notes),
                f"全部 {len(stages)} 个步骤受理通过，已提交“{following}”。", user,
                then=lambda: st.session_state.pop(asking, None))
        if no.button("取消", key=f"intake_all_no_{case.id}"):
            st.session_state.pop(asking, None)
            st.rerun()


def draw_section(user: User, case: Case, version: int) -> None:
    """专家抽取: preview who is eligible, draw at random, redraw for a decline, confirm the panel."""
    with unit_of_work() as session:
        panel = expert_draw.panel_of(session, case.id)
        draws = expert_draw.draws_of(session, case.id)
    _panel_table(panel)
    if draws:
        st.markdown("**抽取记录**（随机种子与候选名单已记录，可复核抽取结果）")
        st.dataframe(pd.DataFrame([{"时间": fmt_time(d.at), "类型": "补抽" if d.replaces_expert_id else "抽取",
                                    "抽取人数": d.requested, "候选人数": len(d.candidate_ids),
                                    "回避本区县": "是" if d.avoid_same_county else "否", "随机种子": d.seed,
                                    "复核": "一致" if expert_draw.replay(d) == d.selected_ids else "不一致"}
                                   for d in draws]), hide_index=True, width="stretch")
    if _may(user, case, "draw") and not [m for m in panel if m.status is PanelStatus.ACTIVE]:
        _draw_form(user, case, version)
    if _may(user, case, "redraw") and panel:
        _redraw_form(user, case, version, panel)
    if _may(user, case, "confirm_panel") and panel:
        st.caption("专家确认参加后，确认专家组。确认后如有专家不能参加，仍可在本页登记谢绝并补抽（该专家提交意见之前）。")
        if st.button("确认专家组，进入线上文审", type="primary", key=f"panel_confirm_{case.id}"):
            act(lambda s, u: expert_draw.confirm_panel(s, u, case.id, version), "专家组已确认，进入线上文审。", user)


def _panel_table(panel) -> None:
    if not panel:
        st.caption("尚未抽取专家。")
        return
    st.markdown("**专家组**")
    st.dataframe(pd.DataFrame([{"姓名": m.expert.name, "工作单位": m.expert.organisation, "职称": m.expert.title,
                                "联系电话": m.expert.phone, "状态": m.status.label,
                                "谢绝原因": m.decline_reason or ""} for m in panel]), hide_index=True, width="stretch")


def _draw_form(user: User, case: Case, version: int) -> None:
    left, right = st.columns(2)
    count = left.number_input("抽取人数", min_value=1, max_value=15, value=expert_draw.DEFAULT_PANEL_SIZE,
                              key=f"draw_count_{case.id}")
    avoid = right.checkbox("回避企业所在区县的专家", key=f"draw_avoid_{case.id}")
    try:
        with unit_of_work() as session:
            pool = expert_draw.eligibility(session, session.get(Case, case.id), user.division_code,
                                           avoid_same_county=avoid)
    except RuleViolation as exc:  # e.g. the enterprise has no industry to match experts by
        show_violation(exc)
        return
    st.markdown(f"符合条件的专家 **{len(pool.candidates)}** 名（按企业行业匹配专业，并执行回避规则）")
    # The avoidances (回避) are what a reviewer checks; dozens of 专业不匹配 rows used to bury them.
    avoided = [(e, reason) for e, reason in pool.excluded if reason != expert_draw.MISMATCH]
    mismatched = [e for e, reason in pool.excluded if reason == expert_draw.MISMATCH]
    if avoided:
        with st.expander(f"回避的专家 {len(avoided)} 名", expanded=True):
            st.dataframe(pd.DataFrame([{"姓名": e.name, "工作单位": e.organisation, "回避原因": reason}
                                       for e, reason in avoided]), hide_index=True, width="stretch")
    if mismatched:
        with st.expander(f"专业与企业行业不匹配的专家 {len(mismatched)} 名"):
            st.dataframe(pd.DataFrame([{"姓名": e.name, "工作单位": e.organisation} for e in mismatched]),
                         hide_index=True, width="stretch")
    if st.button("随机抽取", type="primary", key=f"draw_go_{case.id}", icon=":material/casino:"):
        act(lambda s, u: expert_draw.draw(s, u, case.id, version, count=int(count), avoid_same_county=avoid),
            f"已随机抽取 {int(count)} 名专家。", user)


def _redraw_form(user: User, case: Case, version: int, panel) -> None:
    active = {m.expert_id: m.expert.name for m in panel if m.status is PanelStatus.ACTIVE}
    if not active:
        return
    with st.expander("专家不能参加：登记谢绝并补抽", icon=":material/person_remove:"):
        expert_id = st.selectbox("谢绝参加的专家", list(active), format_func=active.get, key=f"redraw_who_{case.id}")
        reason = st.text_input("谢绝原因", key=f"redraw_reason_{case.id}", placeholder="例如：时间冲突",
                               max_chars=expert_draw.MAX_REASON)
        if st.button("登记谢绝并补抽", key=f"redraw_go_{case.id}"):
            act(lambda s, u: expert_draw.decline_and_redraw(s, u, case.id, version, expert_id, reason),
                f"已登记“{active[expert_id]}”谢绝参加，并补抽 1 名专家。", user)


def document_review_section(user: User, case: Case, version: int) -> None:
    """线上文审: each panel expert's score, conclusion and opinion, entered by the department."""
    with unit_of_work() as session:
        panel = expert_draw.active_panel(session, case.id)
        given = {o.expert_id: o for o in full_review.opinions_of(session, case.id, case.round)}
    acting = _may(user, case, "record_opinion")
    if acting:
        st.caption("专家不登录本系统：由本部门按专家签字的审核意见逐一录入（签字原件存档备查）。")
        for member in panel:
            old = given.get(member.expert_id)
            done = f"（已录入：{old.score:g} 分，{old.conclusion.label}）" if old else "（待录入）"
            with st.expander(f"{plain(member.expert.name)} · {plain(member.expert.organisation)} {done}",
                             expanded=old is None):
                with st.form(f"opinion_{case.id}_{case.round}_{member.expert_id}", enter_to_submit=False):
                    score = st.number_input("评分（0–100）", min_value=None, max_value=None,
                                            value=old.score if old else None, step=1.0)
                    labels = {c.label: c for c in Conclusion}
                    conclusion = st.radio("专家结论", list(labels), horizontal=True,
                                          index=list(Conclusion).index(old.conclusion) if old else None)
                    opinion = st.text_area("专家意见", value=old.opinion if old else "", height=100,
                                           max_chars=full_review.MAX_TEXT)
                    sent = st.form_submit_button("保存专家意见")
                if sent:
                    form = full_review.OpinionForm(score, labels.get(conclusion), opinion)
                    act(lambda s, u, e=member.expert_id, f=form: full_review.record_opinion(s, u, case.id, e, f),
                        f"已保存{member.expert.name}的意见", user)
        agreed = statement_checkbox(f"docreview_agree_{case.id}_{case.round}")
        if st.button("完成线上文审，进入现场审核", type="primary", key=f"docreview_done_{case.id}"):
            act(lambda s, u: full_review.finish_document_review(s, u, case.id, version, agreed=agreed),
                "线上文审已完成，进入现场审核。", user)


def site_review_section(user: User, case: Case, version: int) -> None:
    """现场审核: date, attendees, findings and photos of this round."""
    with unit_of_work() as session:
        review = full_review.site_review_of(session, session.get(Case, case.id))
        photos = full_review.site_photos(session, review)
    acting = _may(user, case, "record_site_review")
    if not acting:
        if review is None:
            st.caption("暂无本轮现场审核记录。")
            return
        st.markdown(f"现场审核日期：{review.visit_date:%Y-%m-%d}  \n参加人员：{plain(review.attendees)}  \n"
                    f"发现的问题及结论：{plain(review.findings)}")
        file_list(photos, f"site_photos_ro_{case.id}")
        return
    with st.form(f"site_{case.id}_{case.round}", enter_to_submit=False):
        visit = st.date_input("现场审核日期 *", value=review.visit_date if review else None, format="YYYY-MM-DD",
                              max_value=today())
        attendees = st.text_area("参加人员 *", value=review.attendees if review else "", height=70, max_chars=full_review.MAX_TEXT,
                                 placeholder="专家组成员、部门人员、企业及咨询机构人员")
        findings = st.text_area("现场审核发现的问题及结论 *", value=review.findings if review else "", height=120,
                                max_chars=full_review.MAX_TEXT)
        sent = st.form_submit_button("保存现场审核记录")
    if sent:
        form = full_review.SiteForm(visit, attendees, findings)
        act(lambda s, u: full_review.save_site_review(s, u, case.id, form), "现场审核记录已保存", user)
    if review is not None:
        st.markdown("**现场照片**")
        file_list(photos, f"site_photos_{case.id}", lambda a: act(
            lambda s, u: full_review.remove_site_photo(s, u, case.id, a.id), f"已删除“{a.original_name}”", user))
        generation = st.session_state.get(f"site_gen_{case.id}", 0)
        chosen = upload_box("上传现场照片", f"site_upload_{case.id}_{generation}", "photo", multiple=True)
        if st.button("上传照片", key=f"site_upload_btn_{case.id}"):
            uploads = [(f.name, f.getvalue()) for f in chosen or []]
            act(lambda s, u: full_review.add_site_photos(s, u, case.id, uploads),
                lambda batch: f"已上传 {batch.added} 张照片", user, warning=Batch.refusal,
                then=lambda: st.session_state.__setitem__(f"site_gen_{case.id}", generation + 1))
    agreed = statement_checkbox(f"site_agree_{case.id}_{case.round}")
    if st.button("完成现场审核，进入审核结果", type="primary", key=f"site_done_{case.id}"):
        act(lambda s, u: full_review.finish_site_review(s, u, case.id, version, agreed=agreed),
            "现场审核已完成，请出具审核结果。", user)


def return_section(user: User, case: Case, version: int) -> None:
    """退回整改 during 线上文审 / 现场审核, with the stages to rework and what to change."""
    if not _may(user, case, "return"):
        return
    with st.expander("退回企业整改（按专家意见）", icon=":material/undo:"):
        st.caption("只填写需要整改的步骤；企业整改并重新提交后，申请回到当前环节继续审核。")
        remarks = {stage.key: st.text_area(stage.label, key=f"return_{case.id}_{case.round}_{stage.key}", height=68,
                                           max_chars=cases.MAX_OPINION)
                   for stage in stages_of(case.kind.value)}
        agreed = st.checkbox("我同意上述内容（退回后由企业整改，不可撤回）", key=f"return_agree_{case.id}")
        if st.button("退回整改", key=f"return_go_{case.id}"):
            act(lambda s, u: cases.return_for_rectification(s, u, case.id, version, remarks, agreed=agreed),
                "已退回企业整改。", user)


def result_section(user: User, case: Case, version: int) -> None:
    """审核结果: 通过 / 不通过 and the consolidated opinion; issuing it renders the PDF and closes the case."""
    if not _may(user, case, "issue_result"):
        return
    with st.form(f"result_{case.id}", enter_to_submit=False):
        verdict = st.radio("审核结论 *", ["通过", "不通过"], horizontal=True, index=None)
        opinion = st.text_area("综合审核意见 *", height=160, max_chars=full_review.MAX_TEXT,
                               placeholder="汇总专家组意见和现场审核情况，写明审核结论和后续要求（不少于 20 字）")
        agreed = st.checkbox("我同意上述内容：审核结果出具后即通知企业，不可撤回")
        sent = st.form_submit_button(f"出具{case.kind.label}意见", type="primary")
    if sent:
        passed = None if verdict is None else verdict == "通过"
        act(lambda s, u: full_review.issue_result(s, u, case.id, version, passed=passed, opinion=opinion,
                                                  agreed=agreed),
            f"{case.kind.label}意见已出具，企业可在“评估验收申请”中下载。", user)


def _may(user: User, case: Case, action: str) -> bool:
    with unit_of_work() as session:
        return cases.may_act(session, session.get(User, user.id), session.get(Case, case.id), action)

