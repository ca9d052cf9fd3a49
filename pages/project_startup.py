"""项目启动: the enterprise's six-step startup wizard (seed 000/001 §4.2), over core.startup.

What the user types lives in this page's own draft (st.session_state[DRAFTS]), copied from the widgets on
every run: a widget's value leaves session state on a run where it is not drawn, the draft does not.
A draft starts from what was last saved, so leaving and coming back restores everything; a refused save
keeps every typed value and shows each field's message under the field.
"""

from datetime import date

import streamlit as st

from core import startup
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import OWNERSHIP_TYPES, User
from core.project_models import AuditMode
from core.startup import LABELS, STEPS, StepErrors
from core.startup_fields import (
    ACCEPTANCE_STATES,
    EARLIEST,
    PRODUCT_UNITS,
    RESULT_UNITS,
    today,
)
from ui.contract_view import enterprise_contract
from ui.project_views import choose_project
from ui.session import current_user
from ui.widgets import (
    SeenVersions,
    act,
    fmt_time,
    go_to_step,
    page_header,
    plain,
    show_flash,
    show_violation,
    statement_checkbox,
    step_selector,
)

# Each list step: where its rows are kept, its add-row button, and a row's inputs as (field, widget, label, options).
ROWS = {
    "products": ("products", "添加产品", (
        ("name", "text_input", "产品名称 *", {"max_chars": 64}),
        ("output", "number_input", "年产量 *", {"format": "%.3f", "step": 1.0}),
        ("unit", "selectbox", "计量单位 *", {"options": list(PRODUCT_UNITS)}),
    )),
    "monitoring": ("points", "添加监测信息", (
        ("outlet", "text_input", "排放口名称 *", {"max_chars": 64, "placeholder": "如 DW001 废水总排口"}),
        ("pollutant", "text_input", "污染物 *", {"max_chars": 32, "placeholder": "如 COD、氨氮"}),
        ("standard", "text_input", "执行标准 *", {"max_chars": 128, "placeholder": "如 GB 8978-1996 表4 一级"}),
        ("result", "number_input", "最近一次监测结果 *", {"format": "%.4f", "step": 0.1}),
        ("unit", "selectbox", "单位 *", {"options": list(RESULT_UNITS)}),
        ("date", "date_input", "监测日期 *", {"min_value": EARLIEST, "max_value": today()}),
    )),
}
DATE_FIELDS = ("approval_date", "date")
TEXT_WIDGETS = ("text_input", "text_area")

user = current_user("pages/project_startup.py")
page_header("项目启动", "填报企业基本信息、审核方式和咨询服务机构、产品、环评、监测和环保工程验收信息。"
            "“保存”和“下一步”都会保存本步内容；全部保存后在“提交”中确认提交，提交后不能再修改。")
show_flash()
project = choose_project(user)
pid = project.id
locked = project.startup_submitted_at is not None
seen = SeenVersions(f"startup_seen_{pid}")
version = seen.see(("audit_project", pid), project.version)
DRAFTS, ERRORS, FAILED = f"startup_draft_{pid}", f"startup_errors_{pid}", f"startup_failed_{pid}"
PREFIX = f"suro_{pid}" if locked else f"su_{pid}"  # read-only widgets always show what was submitted
STEP_KEY = f"startup_step_{pid}"


@st.cache_data(ttl=3600, show_spinner=False)
def reference() -> dict:
    with unit_of_work() as session:
        return startup.reference_choices(session)


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) and value else value


def as_form(step: str, stored: dict | None) -> dict:
    """Saved data as the inputs take it: dates as dates, rows with an id that keys their widgets."""
    data = dict(stored or (startup.initial_basic(project) if step == "basic" else {}))
    for field in DATE_FIELDS:
        if field in data:
            data[field] = _day(data[field])
    if step in ROWS:
        key, _, fields = ROWS[step]
        rows = data.get(key) or [{}]
        data[key] = [{**{f: None for f, *_ in fields}, **row, "_id": i} for i, row in enumerate(rows)]
        for row in data[key]:
            if "date" in row:
                row["date"] = _day(row["date"])
        data["_next"] = len(rows)
    return data


def draft(step: str) -> dict:
    if locked:
        return as_form(step, project.startup.get(step))
    drafts = st.session_state.setdefault(DRAFTS, {})
    if step not in drafts:
        drafts[step] = as_form(step, project.startup.get(step))
    return drafts[step]


def payload(values: dict) -> dict:
    """The draft without the page's own bookkeeping (keys starting with "_")."""
    clean = {}
    for key, value in values.items():
        if not key.startswith("_"):
            clean[key] = [payload(v) for v in value] if isinstance(value, list) else value
    return clean


def errors(step: str) -> dict:
    return st.session_state.get(ERRORS, {}).get(step, {})


def bind(where, widget: str, step: str, field: str, label: str, values: dict, /, *, error_key: str | None = None,
         widget_id: str | None = None, **kwargs):
    """Draw one input keyed by step and field, started from `values`, and copy what it holds back into them."""
    key = f"{PREFIX}_{step}_{widget_id or field}"
    options = kwargs.pop("options", None)
    if widget == "selectbox":
        kwargs.setdefault("placeholder", "请选择")
    value = values.get(field)
    if widget in TEXT_WIDGETS and value is None:
        value = ""
    if options is not None and value not in options:
        value = None
    if locked or key not in st.session_state:
        st.session_state[key] = value
    elif options is not None and st.session_state[key] not in options:
        st.session_state[key] = None  # a cascading choice whose parent changed
    args = (label, options) if options is not None else (label,)
    values[field] = getattr(where, widget)(*args, key=key, disabled=locked, **kwargs)
    if message := errors(step).get(error_key or field):
        where.error(plain(message), icon=":material/error:")
    return values[field]


def coded(pairs: list[tuple[str, str]]) -> dict:
    return {"options": [code for code, _ in pairs], "format_func": dict(pairs).get}


def with_code(pairs: list[tuple[str, str]]) -> dict:
    names = dict(pairs)
    return {"options": list(names), "format_func": lambda code: f"{code} {names.get(code, '')}"}


def save(step: str, then_next: bool) -> None:
    """保存 / 下一步: save this step; a refusal reruns so each message shows under its field."""
    try:
        cleaned = run_write(lambda session: startup.save_step(session, session.get(User, user.id), pid, step,
                                                              payload(draft(step)), version))
    except StepErrors as exc:
        st.session_state.setdefault(ERRORS, {})[step] = exc.errors
        st.session_state[FAILED] = exc.message
        st.rerun()
    except RuleViolation as exc:
        show_violation(exc)
        return
    st.session_state.setdefault(ERRORS, {}).pop(step, None)
    st.session_state[DRAFTS][step] = as_form(step, cleaned)
    for key in [k for k in st.session_state if str(k).startswith(f"{PREFIX}_{step}_")]:
        del st.session_state[key]  # the inputs start again from the cleaned values
    st.session_state["flash"] = f"“{LABELS[step]}”已保存"
    if then_next:
        go_to_step(STEP_KEY, STEPS[[k for k, _ in STEPS].index(step) + 1][1])
    st.rerun()


def basic_step(d: dict) -> None:
    ref = reference()
    places, industries = ref["places"], ref["industries"]
    st.markdown("##### 企业信息")
    a, b, c = st.columns([2, 1, 1])
    bind(a, "text_input", "basic", "name", "企业名称 *", d, max_chars=128)
    bind(b, "text_input", "basic", "credit_code", "统一社会信用代码 *", d, max_chars=18, placeholder="18 位，见营业执照")
    bind(c, "text_input", "basic", "legal_representative", "法定代表人 *", d, max_chars=32)
    a, b, c = st.columns(3)
    a.selectbox("行政区划（省）", ["河北省"], disabled=True, key=f"{PREFIX}_basic_province")
    city = bind(b, "selectbox", "basic", "city_code", "地市 *", d, placeholder="请选择地市", **coded(places[""]))
    bind(c, "selectbox", "basic", "county_code", "区县 *", d, placeholder="请先选择地市" if not city else "请选择区县",
         **coded(places.get(city or "", [])))
    bind(st, "text_input", "basic", "address", "地址 *", d, max_chars=256)
    a, b, c = st.columns(3)
    big = bind(a, "selectbox", "basic", "industry_division", "所属行业：大类 *", d, placeholder="请选择大类",
               **with_code(industries[""]))
    mid = bind(b, "selectbox", "basic", "industry_group", "中类 *", d, placeholder="请选择中类",
               **with_code(industries.get(big or "", [])))
    bind(c, "selectbox", "basic", "industry_code", "小类 *", d, placeholder="请选择小类",
         **with_code(industries.get(mid or "", [])))
    a, b, c = st.columns(3)
    bind(a, "selectbox", "basic", "ownership_type", "企业性质 *", d, options=list(OWNERSHIP_TYPES),
         placeholder="请选择企业性质")
    bind(b, "number_input", "basic", "employees", "从业人数（人）*", d, step=1)
    bind(c, "number_input", "basic", "working_days", "年工作日（天）*", d, step=1)
    st.markdown("##### 审核方式与咨询服务机构")
    mode = bind(st, "radio", "basic", "audit_mode", "审核方式 *", d, options=[m.value for m in AuditMode],
                format_func=lambda v: AuditMode(v).label, horizontal=True)
    if mode == AuditMode.CONSULTANCY.value:
        a, b = st.columns(2)
        bind(a, "text_input", "basic", "consultancy_name", "咨询服务机构名称 *", d, max_chars=128)
        bind(b, "text_input", "basic", "consultancy_credit_code", "统一社会信用代码 *", d, max_chars=18)
        bind(a, "text_input", "basic", "consultancy_contact", "联系人 *", d, max_chars=32)
        bind(b, "text_input", "basic", "consultancy_phone", "联系电话 *", d, max_chars=24,
             placeholder="手机号码或固定电话，如 0311-87908917")


def rows_step(step: str, d: dict) -> None:
    """A list of rows, each a bordered box of inputs; rows can be added and removed."""
    list_key, add_label, fields = ROWS[step]
    rows = d[list_key]
    for i, row in enumerate(rows):
        with st.container(border=True):
            st.caption(f"第 {i + 1} 条")
            for start in range(0, len(fields), 3):
                columns = st.columns(3)
                for column, (field, widget, label, kwargs) in zip(columns, fields[start:start + 3], strict=False):
                    bind(column, widget, step, field, label, row, error_key=f"{list_key}.{i}.{field}",
                         widget_id=f"{row['_id']}_{field}", **kwargs)
            if not locked and len(rows) > 1 and st.button("删除此条", key=f"{PREFIX}_{step}_{row['_id']}_remove",
                                                          icon=":material/delete:"):
                rows.pop(i)
                st.session_state.setdefault(ERRORS, {}).pop(step, None)  # the row numbers have moved
                st.rerun()
    if message := errors(step).get(list_key):
        st.error(plain(message), icon=":material/error:")
    if not locked and st.button(add_label, key=f"{PREFIX}_{step}_add", icon=":material/add:"):
        rows.append({**{f: None for f, *_ in fields}, "_id": d["_next"]})
        d["_next"] += 1
        st.rerun()


def eia_step(d: dict) -> None:
    a, b, c = st.columns(3)
    bind(a, "text_input", "eia", "approval_number", "环评批复文号 *", d, max_chars=64,
         placeholder="如 冀环评〔2015〕18号")
    bind(b, "date_input", "eia", "approval_date", "批复日期 *", d, min_value=EARLIEST, max_value=today())
    bind(c, "text_input", "eia", "authority", "审批部门 *", d, max_chars=64, placeholder="如 保定市环境保护局")


def acceptance_step(d: dict) -> None:
    status = bind(st, "radio", "acceptance", "status", "环保工程验收情况 *", d, options=list(ACCEPTANCE_STATES),
                  format_func=ACCEPTANCE_STATES.get, horizontal=True)
    if status == "accepted":
        a, b, c = st.columns(3)
        bind(a, "text_input", "acceptance", "document_number", "验收文号 *", d, max_chars=64)
        bind(b, "date_input", "acceptance", "date", "验收日期 *", d, min_value=EARLIEST, max_value=today())
        bind(c, "text_input", "acceptance", "authority", "验收部门 *", d, max_chars=64)
    elif status == "not_accepted":
        bind(st, "text_area", "acceptance", "reason", "尚未验收的原因 *", d, max_chars=500,
             placeholder="如 项目处于试生产阶段，计划于 2027 年 3 月前完成验收")


def submit_step() -> None:
    done = startup.progress(project)
    st.markdown("\n".join(f"- {label}：" + (":green[已保存]" if done[key] else ":red[未保存]")
                          for key, label in STEPS if key != "submit"))
    if locked:
        return
    missing = [label for key, label in STEPS if key != "submit" and not done[key]]
    if missing:
        st.warning(f"请先填写并保存：{'、'.join(missing)}", icon=":material/block:")
    st.caption("提交的是各步骤最近一次保存的内容；提交后项目启动信息不能再修改。")
    agreed = statement_checkbox(f"startup_agree_{pid}")
    if st.button("提交", type="primary", key=f"startup_submit_{pid}"):
        act(lambda s, a: startup.submit(s, a, pid, version, agreed), "项目启动信息已提交。", user)


if locked:
    st.success(f"项目启动信息已于 {fmt_time(project.startup_submitted_at)} 提交（审核方式："
               f"{project.audit_mode.label}），以下内容只读，不能再修改。", icon=":material/lock:")
    enterprise_contract(user, pid)
step_label = step_selector(STEP_KEY, [label for _, label in STEPS])
step = next(key for key, label in STEPS if label == step_label)
st.divider()
if message := st.session_state.pop(FAILED, None):
    st.error(plain(message), icon=":material/error:")
if step == "submit":
    submit_step()
else:
    values = draft(step)
    {"basic": basic_step, "eia": eia_step, "acceptance": acceptance_step}.get(
        step, lambda d: rows_step(step, d))(values)
    if not locked:
        left, right, _ = st.columns([1, 1, 4])
        if left.button("保存", key=f"startup_save_{pid}", width="stretch"):
            save(step, then_next=False)
        if right.button("下一步", type="primary", key=f"startup_next_{pid}", width="stretch"):
            save(step, then_next=True)
seen.remember()
