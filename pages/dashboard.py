"""统计分析: the progress of the jurisdiction's enterprises by stage, by city, county and industry, with a
drill-down province → city → county → enterprise, filtered by campaign and batch."""

import pandas as pd
import streamlit as st

from core import deadlines, grading_stats, stats
from core.db import unit_of_work
from core.models import Tier
from core.notice_models import AuditNotice
from core.stats import STAGES, StatsFilter
from ui import charts
from ui.session import current_user
from ui.stats_filters import ANY, campaign_filter
from ui.widgets import current_page, excel_download, export_buttons, page_header, pager

DETAIL_PAGE_SIZE = 50

user = current_user("pages/dashboard.py")
page_header("统计分析", "本辖区企业清洁生产审核进度：按阶段、地区和行业统计，可逐级查看到企业。")

with unit_of_work() as session:
    notices = stats.campaigns(session, user)
if not notices:
    st.info("本辖区还没有清审任务通知下发的企业，暂无统计。", icon=":material/monitoring:")
    st.stop()

base, _ = campaign_filter(notices, "dash")

# Drill-down: the province picks a city, then a county; a city picks a county.
with unit_of_work() as session:
    cities = stats.funnel(session, user, base, by="city") if user.tier is Tier.PROVINCE else []
city_code = None
if cities:
    city_names = {ANY: None, **{r["name"]: r["key"] for r in cities}}
    city_code = city_names[st.selectbox("地市", list(city_names), key="dash_city")]
flt = StatsFilter(base.notice_id, base.batch, city_code=city_code)
# Counties are counted only when they are offered (a city, or the province inside a chosen city).
with unit_of_work() as session:
    counties = stats.funnel(session, user, flt, by="county") if user.tier is Tier.CITY or city_code else []
county_code = None
if counties:
    county_names = {ANY: None, **{r["name"]: r["key"] for r in counties}}
    county_code = county_names[st.selectbox("区县", list(county_names), key="dash_county")]
flt = StatsFilter(base.notice_id, base.batch, city_code=city_code, county_code=county_code)

with unit_of_work() as session:
    if cities and not city_code:  # the province's cities, counted above for the selector
        by_area = cities
    elif counties and not county_code:
        by_area = counties
    else:
        by_area = stats.funnel(session, user, flt, by="county")
total = stats.total_of(by_area)  # the areas partition the selection: no separate count needed

cols = st.columns(4)
cols[0].metric("企业总数", total["total"])
cols[1].metric("已接受任务", total["accepted"])
cols[2].metric("评估通过", total["evaluation_passed"])
cols[3].metric("验收通过", total["acceptance_passed"])
with unit_of_work() as session:  # 对标: audits whose level reached the campaign's target
    reached = grading_stats.total(grading_stats.target_counts(session, user, flt))
st.markdown(f"清洁生产水平对标：审核前已对标 **{reached.graded_before}** 家、达到审核目标 **{reached.met_before}** 家；"
            f"实施后已对标 **{reached.graded_after}** 家、达到审核目标 **{reached.met_after}** 家")

if base.notice_id is not None:
    with unit_of_work() as session:
        states = deadlines.milestones(session, user, session.get(AuditNotice, base.notice_id))
    st.markdown("**时间节点**")
    st.dataframe(pd.DataFrame([{"时间节点": m.label, "截止日期": m.due.isoformat(),
                                "剩余": f"{m.days_left} 天" if m.days_left >= 0 else f"已过 {-m.days_left} 天",
                                "已完成企业": "—（部门工作）" if m.met is None else f"{m.met}/{m.total}",
                                "逾期未完成": str(m.total - m.met if m.days_left < 0 else 0) if m.met is not None else "—"}
                               for m in states]), hide_index=True, width="stretch")

labels = [label for _, label in STAGES]
st.plotly_chart(charts.stage_chart([total[k] for k, _ in STAGES], labels), width="stretch", key="dash_stages")


def table(rows: list[dict], key_label: str) -> pd.DataFrame:
    return pd.DataFrame([{key_label: r["name"], "企业总数": r["total"], **{label: r[k] for k, label in STAGES}}
                         for r in rows])


area_label = "区县" if city_code or user.tier is not Tier.PROVINCE else "地市"
# One breakdown at a time (a control like tabs): what is not shown is neither counted nor drawn.
views = {f"按{area_label}": area_label, "按行业大类": "行业大类"}
view = st.segmented_control("统计维度", list(views), default=next(iter(views)), required=True, key="dash_view",
                            label_visibility="collapsed")
label = views[view]
if label == "行业大类":
    with unit_of_work() as session:
        rows = stats.funnel(session, user, flt, by="industry")
else:
    rows = by_area
df = table(rows, label)
if df.empty:
    st.caption("暂无数据。")
else:
    shown = ("已接受任务", "评估通过", "验收通过")
    fig = charts.grouped_chart(df[label].tolist(), {stage: df[stage].tolist() for stage in shown}, f"按{label}统计")
    st.plotly_chart(fig, width="stretch", key="dash_breakdown_chart")
    st.dataframe(df, hide_index=True, width="stretch")
    excel_download(df, f"统计_按{label}", "dash_breakdown_xlsx", label=f"导出按{label}统计（Excel）")

if county_code or user.tier is Tier.COUNTY:
    st.subheader("企业明细")
    with unit_of_work() as session:
        found = stats.enterprise_count(session, user, flt)
        page = current_page(found, DETAIL_PAGE_SIZE, "dash_detail_page")
        rows = stats.enterprise_rows(session, user, flt, offset=(page - 1) * DETAIL_PAGE_SIZE, limit=DETAIL_PAGE_SIZE)
    st.caption(f"共 {found} 家企业（每个清审批次一行）")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    pager(found, DETAIL_PAGE_SIZE, "dash_detail_page")

    def all_rows() -> list[dict]:
        with unit_of_work() as s:
            return stats.enterprise_rows(s, user, flt, limit=None)

    if found:
        export_buttons(all_rows, "统计_企业明细", "dash_enterprises")
else:
    st.caption("选择区县后可查看到每家企业的进度。")
