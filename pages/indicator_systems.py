"""指标体系: the 清洁生产评价指标体系 the portal grades audits with, their versions and sources; the province imports a
new system or version from a YAML file with a row-by-row preview, all or nothing (core.indicator_systems)."""

import pandas as pd
import streamlit as st
from sqlalchemy import select

from core import grading, indicator_systems
from core.db import unit_of_work
from core.indicator_file import COLUMNS
from core.models import Industry, User
from ui.session import current_user
from ui.widgets import act, fmt_time, plain, page_header, show_flash

user = current_user("pages/indicator_systems.py")
page_header("指标体系", "对标所用的行业清洁生产评价指标体系：适用行业、版本、来源、一级和二级指标、权重及Ⅰ、Ⅱ、Ⅲ级基准值。"
                      "企业按所属行业小类适用最新导入的版本；已开始对标的审核继续使用其开始时的版本。")
show_flash()

with unit_of_work() as session:
    stored = indicator_systems.systems(session)
    codes = {c for s in stored for c in s.industry_codes or []}
    names = dict(session.execute(select(Industry.code, Industry.name).where(Industry.code.in_(codes))).all())
    listing = [{"体系名称": s.name, "版本": s.version, "适用行业": "、".join(f"{c} {names.get(c, '')}" for c in s.industry_codes),
                "来源": indicator_systems.source_line(s), "一级指标": len(s.groups),
                "二级指标": sum(len(g.indicators) for g in s.groups),
                "已录入一级权重": round(sum(g.weight for g in s.groups), 4),
                "导入时间": fmt_time(s.imported_at)} for s in stored]

st.markdown(f"共 **{len(stored)}** 个指标体系")
if listing:
    st.dataframe(pd.DataFrame(listing), hide_index=True, width="stretch")
else:
    st.info("还没有导入指标体系。", icon=":material/info:")


def bench(indicator, level: str) -> str:
    value = (indicator.benchmarks or {}).get(level)
    if value is None:
        return ""
    if indicator.kind == grading.QUALITATIVE:
        return str(value)
    return f"{'≤' if indicator.direction == 'lower' else '≥'}{float(value):g}"


if stored:
    labels = {s.id: f"{s.name}（版本 {s.version}）" for s in stored}
    chosen = st.selectbox("查看体系", list(labels), format_func=labels.get, key="indicator_system_pick")
    system = next(s for s in stored if s.id == chosen)
    with st.container(border=True):
        st.markdown(f"**{plain(system.name)}** · 版本 {plain(system.version)}  \n"
                    f"来源：{plain(indicator_systems.source_line(system))}")
        st.text(f"转录出处：{(system.source or {}).get('transcribed_from', '')}")
        if system.notes:
            st.text(system.notes)
        for line in system.untranscribed or []:
            st.text(f"未录入：{line}")
        rows = [{"一级指标": g.name, "一级权重": g.weight, "出处": g.source, "二级指标": i.name,
                 "类型": "定量" if i.kind == grading.QUANTITATIVE else "定性", "单位": i.unit,
                 "二级权重": f"{i.weight:g}/n" if i.shared else f"{i.weight:g}",
                 **{grading.SHORT_LABELS[k]: bench(i, k) for k in grading.LEVELS},
                 "限定性": "是" if i.limiting else "", "涉水": "是" if i.water else ""}
                for g in system.groups for i in g.indicators]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def import_panel() -> None:
    st.divider()
    st.markdown("#### 导入指标体系")
    st.caption("上传 YAML 文件（格式见示例文件）：体系代码和版本、适用行业小类、发布文件（名称、发布单位、文号、年份）及转录出处，"
               "一级指标及权重，二级指标的类型、单位、方向、权重、限定性和Ⅰ、Ⅱ、Ⅲ级基准值。原文查不到的数值不要录入，"
               "在 untranscribed 中说明。系统逐行检查，全部无误后才能导入；同一体系的修订请使用新的版本号。")
    st.download_button("下载示例文件（电镀 2015）", indicator_systems.example_file(), file_name="electroplating_2015.yaml",
                       mime="application/x-yaml", key="indicator_example", icon=":material/download:",
                       on_click="ignore")
    generation = st.session_state.get("indicator_import_generation", 0)
    upload = st.file_uploader("选择指标体系文件", type=["yaml", "yml"], key=f"indicator_file_{generation}")
    if upload is None:
        return
    data = upload.getvalue()
    with unit_of_work() as session:
        checked, _ = indicator_systems.import_preview(session, session.get(User, user.id), upload.name, data)
    if checked.file_error:
        st.error(checked.file_error, icon=":material/error:")
        return
    bad = checked.error_count
    if bad:
        st.warning(f"共 {len(checked.rows)} 行，其中 {bad} 行有问题。请修正文件后重新上传；全部无误后才能导入。",
                   icon=":material/warning:")
    else:
        st.success(f"共 {len(checked.rows)} 行，全部检查通过。", icon=":material/check_circle:")
    st.dataframe(pd.DataFrame([{**{c: r.values.get(c, "") for c in COLUMNS}, "检查结果": "；".join(r.errors) or "通过"}
                               for r in sorted(checked.rows, key=lambda r: r.ok)]),
                 hide_index=True, width="stretch", column_config={"检查结果": st.column_config.TextColumn(width="large")})
    if bad:
        st.caption("有问题的行排在前面。")
    if st.button("确认导入", type="primary", disabled=not checked.ok, key="indicator_import_confirm"):
        act(lambda s, u: indicator_systems.import_system(s, u, upload.name, data),
            f"已导入指标体系“{plain(checked.spec.name)}”（版本 {plain(checked.spec.version)}）", user,
            then=lambda: st.session_state.__setitem__("indicator_import_generation", generation + 1))


if indicator_systems.can_import(user):
    import_panel()
else:
    st.caption("指标体系由省级生态环境部门导入，本部门可查看。")
