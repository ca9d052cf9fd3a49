"""业务办理: the enterprise records each audit stage's work (photos, documents, data) and marks it complete."""

import streamlit as st

from core import stage_records
from core.attachments import Batch
from core.db import unit_of_work
from core.stages import PHASES, STAGES, UPLOAD_KINDS, ItemKind
from ui.project_views import choose_project, startup_gate
from ui.session import current_user
from ui.widgets import act, file_list, page_header, plain, show_flash, upload_box

user = current_user("pages/audit_work.py")
page_header("工作过程填报", "按系统指引逐个阶段填报工作过程痕迹：照片、文档和数据。评估阶段为前六个阶段，验收阶段为后三个阶段。")
show_flash()
project = choose_project(user)
startup_gate(project)

with unit_of_work() as session:
    done = stage_records.completed(session, project.id)
    remarks = {phase: stage_records.open_remarks(session, stage_records.latest_case(session, project.id, phase))
               for phase in PHASES}
    cases = {phase: stage_records.latest_case(session, project.id, phase) for phase in PHASES}

# Labels stay the same whatever is complete: a radio whose labels change is a new radio and would
# jump back to its first option.
labels = {s.key: f"{i}. {s.label}" for i, s in enumerate(STAGES, start=1)}
left, right = st.columns([1, 3])
with left:
    stage_key = st.radio("审核阶段（1–6 评估阶段，7–9 验收阶段）", list(labels), format_func=labels.get,
                         key=f"work_stage_{project.id}")
    finished = [labels[s.key].split(" ")[0].rstrip(".") for s in STAGES if s.key in done]
    st.caption(f"已完成：{'、'.join(finished) if finished else '无'}（共 {len(STAGES)} 个阶段）")
    for phase, phase_label in PHASES.items():
        if case := cases[phase]:
            st.caption(f"{phase_label}：{case.kind.label}申请{case.status.label}")
stage = next(s for s in STAGES if s.key == stage_key)

with unit_of_work() as session:
    current = stage_records.state(session, project.id, stage.key)


def seen_version(field_key: str, item_key: str) -> int:
    """The item's version when its field was filled from the database: what the user is editing. A save
    carries it, so that another tab's save in between is refused with a message, not overwritten. (The
    version of the last run would not do: a field keeps the user's text, not what the rerun read.)"""
    seen_key = f"{field_key}_seen"
    if field_key not in st.session_state or seen_key not in st.session_state:
        st.session_state[seen_key] = current.versions[item_key]
    return st.session_state[seen_key]


def saved(field_key: str) -> None:
    st.session_state.pop(f"{field_key}_seen", None)  # the field now shows what was saved: see it afresh


def after_refusal(field_key: str, item_key: str, seen: int) -> None:
    """Still on the page after 保存: the save was refused. When another save came in between, show what is
    saved now (the field keeps the user's text); having seen it, a second click saves over it."""
    if seen != current.versions[item_key]:
        shown = current.values[item_key]
        st.info(f"现已保存的内容：{plain('（空）' if shown is None else shown)}  \n"
                "如确认以本页填写的内容为准，请再次点击【保存】。", icon=":material/history:")
        st.session_state[f"{field_key}_seen"] = current.versions[item_key]


with right:
    st.subheader(stage.label)
    for remark in remarks[stage.phase].get(stage.key, []):
        st.warning(f"审核意见：{plain(remark.remark)}（请按意见修改后重新标记完成）", icon=":material/rate_review:")
    if current.completed_at:
        st.success("本阶段已标记完成。修改任何内容后需要重新标记完成。", icon=":material/task_alt:")
    for item in stage.items:
        with st.container(border=True):
            mark = ":green[已填]" if current.filled[item.key] else (":red[待填]" if item.required else "")
            st.markdown(f"**{item.label}**{' *' if item.required else '（选填）'} {mark}  \n"
                        f":small[{item.kind.label}{'，单位：' + plain(item.unit) if item.unit else ''}]")
            key = f"{project.id}_{stage.key}_{item.key}"
            if item.kind in UPLOAD_KINDS:
                file_list(current.files.get(item.key, []), f"work_{key}",
                          lambda a: act(lambda s, u: stage_records.remove_file(s, u, project.id, a.id),
                                        f"已删除“{a.original_name}”", user))
                generation = st.session_state.get(f"work_gen_{key}", 0)
                kinds = "document" if item.kind is ItemKind.DOCUMENT else "photo"
                chosen = upload_box(f"上传{item.kind.label}", f"work_upload_{key}_{generation}", kinds, multiple=True)
                if st.button("上传", key=f"work_upload_btn_{key}"):
                    uploads = [(f.name, f.getvalue()) for f in chosen or []]
                    act(lambda s, u: stage_records.add_files(s, u, project.id, stage.key, item.key, uploads),
                        lambda batch: f"已上传 {batch.added} 个文件", user, warning=Batch.refusal,
                        then=lambda k=key, g=generation: st.session_state.__setitem__(f"work_gen_{k}", g + 1))
            elif item.kind is ItemKind.FIGURE:
                seen = seen_version(f"work_value_{key}", item.key)
                value = st.number_input(f"{item.label}（{item.unit}）", value=current.values[item.key], min_value=None,
                                        step=1.0, key=f"work_value_{key}", label_visibility="collapsed")
                if st.button("保存", key=f"work_save_{key}"):
                    act(lambda s, u, v=value, i=item, n=seen: stage_records.save_value(
                        s, u, project.id, stage.key, i.key, v, seen=n), f"已保存{item.label}", user,
                        then=lambda k=f"work_value_{key}": saved(k))
                    after_refusal(f"work_value_{key}", item.key, seen)
            else:
                seen = seen_version(f"work_text_{key}", item.key)
                text = st.text_area(item.label, value=current.values[item.key] or "", key=f"work_text_{key}",
                                    label_visibility="collapsed", height=100, max_chars=stage_records.MAX_TEXT)
                if st.button("保存", key=f"work_save_{key}"):
                    act(lambda s, u, v=text, i=item, n=seen: stage_records.save_value(
                        s, u, project.id, stage.key, i.key, v, seen=n), f"已保存{item.label}", user,
                        then=lambda k=f"work_text_{key}": saved(k))
                    after_refusal(f"work_text_{key}", item.key, seen)
    if stage.min_options:
        st.info(f"本阶段还需在“方案台账”中登记至少 {stage.min_options} 项清洁生产方案。", icon=":material/list_alt:")
    if st.button("标记本阶段完成", type="primary", key=f"work_complete_{project.id}_{stage.key}"):
        act(lambda s, u: stage_records.complete_stage(s, u, project.id, stage.key), f"“{stage.label}”已标记完成", user)
