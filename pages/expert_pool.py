"""专家库: the review experts the province and the cities keep; counties read the pool they draw from."""

import pandas as pd
import streamlit as st

from core import expert_import
from core import experts
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.text import Limit
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    act,
    current_page,
    export_buttons,
    page_header,
    pager,
    plain,
    show_flash,
    show_violation,
)

ANY = "全部"
STATUS_FILTER = {ANY: None, "在库": True, "停用": False}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

user = current_user("pages/expert_pool.py")
page_header("专家库", "评审企业清洁生产审核的专家。抽取专家时，从省级专家库和本市专家库中符合专业领域、"
                      "且无需回避的在库专家中随机抽取。")
show_flash()
maintainer = experts.can_maintain(user)
if not maintainer:
    st.info("专家库由省级和地市生态环境部门维护；区县生态环境部门可查看省级和本市专家库，不能修改。",
            icon=":material/info:")

with unit_of_work() as session:
    specialty_names = {code: f"{code} {name}" for code, name in experts.specialty_options(session)}
    region_names = dict(experts.region_options(session, user)) if maintainer else {}

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    search = c1.text_input("姓名 / 工作单位", key="expert_search", placeholder="输入姓名或单位中的任意文字",
                           max_chars=Limit.SEARCH)
    specialty = c2.selectbox("专业领域", ["", *specialty_names], key="expert_specialty",
                             format_func=lambda c: specialty_names.get(c, ANY))
    status = c3.selectbox("状态", list(STATUS_FILTER), key="expert_status")

PAGE_SIZE = 50
EDIT_CHOICES = 50
chosen = dict(search=search, specialty=specialty or None, active=STATUS_FILTER[status])
with unit_of_work() as session:
    total = experts.pool_count(session, user, **chosen)
    page = current_page(total, PAGE_SIZE, "expert_page")
    rows = experts.table_rows(session, experts.pool(session, user, **chosen, offset=(page - 1) * PAGE_SIZE,
                                                    limit=PAGE_SIZE))


def every_row() -> list[dict]:  # the export, built when asked for
    with unit_of_work() as s:
        return experts.table_rows(s, experts.pool(s, user, **chosen))


st.markdown(f"共 **{total}** 名专家")
if rows:
    st.dataframe(pd.DataFrame(rows, columns=experts.COLUMNS), hide_index=True, width="stretch",
                 height=720 if len(rows) > 18 else "auto",
                 column_config={c: st.column_config.TextColumn(c, width="small") for c in ("姓名", "状态")})
    pager(total, PAGE_SIZE, "expert_page")
else:
    st.info("没有符合条件的专家，请调整筛选条件。")
export_buttons(every_row, "专家库", key="experts")


def expert_fields(prefix: str, current=None, current_region: str = "") -> experts.ExpertForm:
    """The expert's inputs (drawn inside a form), prefilled from `current` when editing."""
    regions = dict(region_names)
    if current is not None and current.region_code not in regions:  # e.g. imported from another city
        regions[current.region_code] = current_region or current.region_code
    c1, c2, c3 = st.columns([1, 2, 1])
    name = c1.text_input("姓名 *", value=current.name if current else "", key=f"{prefix}_name",
                         max_chars=experts.NAME_LIMITS[1])
    organisation = c2.text_input("工作单位 *", value=current.organisation if current else "",
                                 key=f"{prefix}_organisation", max_chars=experts.ORGANISATION_LIMITS[1])
    title = c3.text_input("职称", value=current.title if current else "", key=f"{prefix}_title", max_chars=experts.MAX_TITLE,
                          placeholder="如 高级工程师")
    specialties = st.multiselect("专业领域（行业大类）*", list(specialty_names),
                                 default=list(current.specialties) if current else [], key=f"{prefix}_specialties",
                                 format_func=specialty_names.get, placeholder="输入代码或名称查找，可多选")
    c4, c5 = st.columns(2)
    codes = list(regions)
    region = c4.selectbox("所在地区 *", codes, index=codes.index(current.region_code) if current else None,
                          key=f"{prefix}_region", format_func=regions.get, placeholder="请选择地市或区县",
                          help="专家工作单位所在的地市或区县，抽取时可据此回避同一区县")
    phone = c5.text_input("联系电话 *", value=current.phone if current else "", key=f"{prefix}_phone", max_chars=Limit.PHONE,
                          placeholder="手机号码，或 0312-1234567")
    conflicts = st.text_area("申报回避单位", value="\n".join(current.conflicts or []) if current else "",
                             key=f"{prefix}_conflicts", height=100,
                             max_chars=experts.MAX_CONFLICTS * (experts.MAX_CONFLICT + 1),
                             help=f"每行一个单位名称或统一社会信用代码，最多 {experts.MAX_CONFLICTS} 个；"
                                  "抽取时这些单位的审核不会抽到该专家")
    return experts.ExpertForm(name=name, organisation=organisation, title=title, specialties=specialties,
                              region_code=region or "", phone=phone, active=current.active if current else True,
                              conflicts=conflicts.splitlines())


def bump(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def new_expert_form() -> None:
    with st.expander("新增专家", icon=":material/person_add:"):
        generation = st.session_state.get("expert_new_generation", 0)
        with st.form(f"expert_new_{generation}", enter_to_submit=False):
            form = expert_fields(f"expert_new_{generation}")
            saved = st.form_submit_button("保存到专家库", type="primary")
        if saved:
            act(lambda s, u: experts.add_expert(s, u, form), f"已将专家“{form.name.strip()}”加入专家库", user,
                then=lambda: bump("expert_new_generation"))


def edit_expert_form(seen: SeenVersions) -> None:
    with st.expander("修改专家信息 / 停用、启用", icon=":material/edit:"):
        wanted = st.text_input("查找本部门专家库中的专家", key="expert_edit_search", max_chars=Limit.SEARCH,
                               placeholder="输入姓名或单位中的任意文字")
        with unit_of_work() as session:
            mine = {e.id: e for e in experts.own_experts(session, session.get(User, user.id), search=wanted,
                                                          limit=EDIT_CHOICES + 1)}
            listed = experts.table_rows(session, list(mine.values()))
            region_of = {e.id: row["所在地区"] for e, row in zip(mine.values(), listed, strict=True)}
        if not mine:
            st.caption("没有找到符合条件的专家。" if wanted else "本部门专家库中还没有专家。")
            return
        if len(mine) > EDIT_CHOICES:  # a registry of thousands: the choice lists the first matches only
            mine = dict(list(mine.items())[:EDIT_CHOICES])
            st.caption(f"仅列出前 {EDIT_CHOICES} 名，请输入更多文字缩小范围。")
        pick = st.selectbox("选择本部门专家库中的专家", list(mine), index=None, key="expert_edit_pick",
                            format_func=lambda i: f"{mine[i].name}（{mine[i].organisation}）"
                                                  + ("" if mine[i].active else "〔停用〕"),
                            placeholder="输入姓名查找")
        if pick is None:
            return
        current = mine[pick]
        version = seen.see(("expert", current.id), current.version)
        generation = st.session_state.get("expert_edit_generation", 0)
        prefix = f"expert_edit_{current.id}_{generation}"
        with st.form(prefix, enter_to_submit=False):
            form = expert_fields(prefix, current, region_of[current.id])
            saved = st.form_submit_button("保存修改", type="primary")
        if saved:
            act(lambda s, u: experts.update_expert(s, u, current.id, version, form),
                f"已保存专家“{form.name.strip()}”的信息", user, then=lambda: bump("expert_edit_generation"))
        left, right = st.columns([3, 1], vertical_alignment="center")
        if current.active:
            left.caption("该专家在库，可被抽取。停用后仍保留在专家库中，但不再被抽取。")
        else:
            left.caption("该专家已停用，不会被抽取。")
        label = "停用该专家" if current.active else "启用该专家"
        if right.button(label, key=f"expert_toggle_{current.id}", width="stretch"):
            act(lambda s, u: experts.set_active(s, u, current.id, version, not current.active),
                f"已{'停用' if current.active else '启用'}专家“{current.name}”", user,
                then=lambda: bump("expert_edit_generation"))


def import_panel() -> None:
    with st.expander("批量导入", icon=":material/upload_file:"):
        st.caption(f"支持 Excel（.xlsx）或 CSV 文件，列为：{'、'.join(expert_import.IMPORT_COLUMNS)}；"
                   "职称、回避单位、状态可不填。专业领域填行业大类代码或名称（如“13 农副食品加工业”），"
                   "多个用顿号分隔；所在地区填区划代码或名称（如 清苑区、保定市）；状态填“在库”或“停用”。"
                   "上传后逐行检查，全部无误后才能导入。")
        st.download_button("下载导入模板", expert_import.template_xlsx(), file_name="专家导入模板.xlsx", mime=XLSX_MIME,
                           key="expert_template", on_click="ignore")
        generation = st.session_state.get("expert_import_generation", 0)  # a new key empties the uploader
        upload = st.file_uploader("选择专家名单文件", type=["xlsx", "csv"], key=f"expert_import_file_{generation}")
        if upload is None:
            st.session_state.pop("expert_import_preview", None)
            return
        held = st.session_state.get("expert_import_preview")
        if held is None or held[0] != upload.file_id:
            try:
                with unit_of_work() as session, st.spinner("正在检查专家名单…"):
                    checked = expert_import.import_preview(session, session.get(User, user.id), upload.name,
                                                     upload.getvalue())
            except RuleViolation as exc:
                show_violation(exc)
                return
            held = (upload.file_id, checked)
            st.session_state["expert_import_preview"] = held
        show_preview(held[1])


def show_preview(checked: expert_import.ExpertImportPreview) -> None:
    if checked.file_error:
        st.error(plain(checked.file_error), icon=":material/error:")
        return
    total, bad = len(checked.rows), checked.error_count
    if bad:
        st.warning(f"共 {total} 行，其中 {bad} 行有问题。请修正文件后重新上传；全部无误后才能导入。",
                   icon=":material/warning:")
    else:
        st.success(f"共 {total} 行，全部检查通过。", icon=":material/check_circle:")
    st.dataframe(pd.DataFrame([{
        "行号": r.line, "检查结果": "；".join(r.errors) or "通过", **{c: r.values.get(c, "") for c in
                                                                expert_import.IMPORT_COLUMNS}}
        for r in sorted(checked.rows, key=lambda r: (r.ok, r.line))]),
        hide_index=True, width="stretch", height=min(38 + 35 * total, 420),
        column_config={"检查结果": st.column_config.TextColumn("检查结果", width="large"),
                       "行号": st.column_config.NumberColumn("行号", width="small")})
    if bad:
        st.caption("有问题的行排在前面。")
    if st.button("确认导入", type="primary", disabled=not checked.ok, key="expert_import_confirm"):
        outcome = {}

        def run(s, actor):
            outcome["count"] = expert_import.import_experts(s, actor, checked)

        def done():
            st.session_state.pop("expert_import_preview", None)
            bump("expert_import_generation")
            st.session_state["flash"] = f"已导入 {outcome['count']} 名专家"

        act(run, "专家已导入", user, then=done)


if maintainer:
    st.divider()
    st.markdown("#### 维护本部门专家库")
    seen = SeenVersions("expert_seen")
    new_expert_form()
    edit_expert_form(seen)
    import_panel()
    seen.remember()
