"""工作总结: what the jurisdiction's enterprises achieved in a campaign — options carried out, their
investment and benefits, evaluation and acceptance results — in figures, sentences and a table per area,
with the Excel workbook and the PDF a county or city reports in writing (seed 001). Numbers: core.summary."""

from datetime import datetime

import pandas as pd
import streamlit as st

from core import grading_stats, stats, summary
from core.db import unit_of_work
from core.exports import XLSX_MIME, xlsx_bytes
from core.models import Division, Tier
from core.startup_fields import today
from core.stats import StatsFilter
from core.summary import fmt
from core.summary_pdf import render_summary
from ui.session import current_user
from ui.stats_filters import ANY, campaign_filter
from ui.widgets import page_header


user = current_user("pages/work_summary.py")
page_header("工作总结", "本辖区企业实施的清洁生产方案、经济与环境效益、评估验收结果；可导出 Excel 和 PDF 用于书面报送。")

with unit_of_work() as session:
    notices = stats.campaigns(session, user)
    scope = session.get(Division, user.division_code).short_name
if not notices:
    st.info("本辖区还没有清审任务通知下发的企业，暂无工作总结。", icon=":material/summarize:")
    st.stop()

base, campaign_label = campaign_filter(notices, "sum")

# The province sees its cities and may pick one to see its counties; a city or county sees its counties.
with unit_of_work() as session:
    rows = summary.work_summary(session, user, base, by="city" if user.tier is Tier.PROVINCE else "county")
area_label = "地市" if user.tier is Tier.PROVINCE else "区县"
if user.tier is Tier.PROVINCE and rows:
    cities = {ANY: None, **{r.name: r.key for r in rows}}
    city = st.selectbox("地市", list(cities), key="sum_city", help="选择地市后按区县列出")
    if cities[city]:
        with unit_of_work() as session:
            rows = summary.work_summary(session, user, StatsFilter(base.notice_id, base.batch, city_code=cities[city]),
                                        by="county")
        area_label, scope = "区县", city
total = summary.total_of(rows)  # the areas partition the letters: no second query
with unit_of_work() as session:  # audits that reached the campaign's target level (对标), keyed like the rows
    targets = grading_stats.target_counts(session, user, base, by="city" if area_label == "地市" else "county")
target_total = grading_stats.total({r.key: targets[r.key] for r in rows if r.key in targets})

cols = st.columns(4)
cols[0].metric("企业数", total.enterprises)
cols[1].metric("评估通过", total.evaluation_passed)
cols[2].metric("验收通过", total.acceptance_passed)
cols[3].metric("已实施方案（项）", total.implemented, help=f"共 {total.options} 项，计划实施 {total.planned} 项")
cols = st.columns(4)
cols[0].metric("已实施投资（万元）", fmt(total.investment, "investment"))
cols[1].metric("经济效益（万元/年）", fmt(total.economic_benefit, "economic_benefit"))
cols[2].metric("节水（t/a）", fmt(total.water_saved, "water_saved"))
cols[3].metric("节能（tce/a）", fmt(total.energy_saved, "energy_saved"))

st.markdown(f"清洁生产水平对标：审核前已对标 **{target_total.graded_before}** 家、达到审核目标 **{target_total.met_before}** 家；"
            f"实施后已对标 **{target_total.graded_after}** 家、达到审核目标 **{target_total.met_after}** 家",
            help="审核目标：整体达到Ⅱ级及以上，涉水指标在园区内达到Ⅱ级、园区外或废水未进入集中处理设施达到Ⅰ级")

st.subheader("总结")
for heading, sentence in summary.narrative(total, scope).items():
    st.markdown(f"**{heading}**　{sentence}")

st.subheader(f"按{area_label}")
table = pd.DataFrame(summary.table_records(rows, total, area_label))
reached = [targets.get(r.key, grading_stats.TargetCounts()) for r in rows] + [target_total]
table["实施后对标达到目标"] = [t.met_after for t in reached]
table["审核前对标达到目标"] = [t.met_before for t in reached]
st.dataframe(table, hide_index=True, width="stretch")
st.caption(summary.TABLE_NOTE)


def workbook() -> bytes:
    return xlsx_bytes({"汇总": pd.DataFrame(summary.summary_items(total)), "分地区": table})


stamp = datetime.now().strftime("%Y%m%d")
issued = today()
left, right = st.columns(2)
# Both files are made only when asked for (on the click, off the page's run), and a download does not
# rerun the page (on_click="ignore"): a rerun dropped the other button's file, so the PDF clicked after
# the Excel downloaded nothing (issue 14).
left.download_button("下载工作总结（Excel）", workbook, file_name=f"工作总结_{scope}_{stamp}.xlsx", mime=XLSX_MIME,
                     key="sum_xlsx", icon=":material/download:", width="stretch", on_click="ignore")
right.download_button("下载工作总结（PDF）",
                      lambda: render_summary(scope, campaign_label, rows, total, user.display_name, issued, area_label),
                      file_name=f"工作总结_{scope}_{stamp}.pdf", mime="application/pdf", key="sum_pdf",
                      icon=":material/picture_as_pdf:", width="stretch", on_click="ignore")
