"""企业名录: the enterprises of the department's jurisdiction, with filters and export."""

import pandas as pd
import streamlit as st

from core.db import unit_of_work
from core.enterprises import (
    COLUMNS,
    DirectoryFilter,
    county_options,
    export,
    industry_division_options,
    search,
)
from core.models import ManagingTier, Tier
from core.text import Limit
from ui.directory_forms import new_enterprise_form
from ui.session import current_user
from ui.widgets import current_page, export_buttons, page_header, pager, show_flash

PAGE_SIZE = 50
ANY = "全部"
YES_NO_FILTER = {ANY: None, "是": True, "否": False}
MANAGING = {ANY: None, "省直管": ManagingTier.PROVINCE, "市直管": ManagingTier.CITY}

user = current_user("pages/enterprise_directory.py")
page_header("企业名录", "本部门管辖范围内的企业")
show_flash()

with unit_of_work() as session:
    counties = county_options(session, user)
    industries = industry_division_options(session, user)

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 2])
    name = c1.text_input("企业名称", key="dir_name", placeholder="输入名称中的任意文字", max_chars=Limit.SEARCH)
    county_names = {"": ANY, **dict(counties)}
    county = c2.selectbox("所属区县", list(county_names), key="dir_county",
                          format_func=county_names.get, disabled=len(counties) <= 1)
    industry_names = {"": ANY, **{code: f"{code} {name}" for code, name in industries}}
    industry = c3.selectbox("行业大类", list(industry_names), key="dir_industry",
                            format_func=industry_names.get)
    c4, c5, c6 = st.columns(3)
    managing = c4.selectbox("负责评估验收", list(MANAGING), key="dir_managing")
    exceed = c5.selectbox("是否双超", list(YES_NO_FILTER), key="dir_exceed")
    toxic = c6.selectbox("是否双有", list(YES_NO_FILTER), key="dir_toxic")

flt = DirectoryFilter(name=name, county_code=county or None, industry_division=industry or None,
                      managing_tier=MANAGING[managing], double_exceed=YES_NO_FILTER[exceed],
                      double_toxic=YES_NO_FILTER[toxic])

with unit_of_work() as session:
    requested = st.session_state.get("dir_page", 1)
    rows, total = search(session, user, flt, page=requested, page_size=PAGE_SIZE)
    page = current_page(total, PAGE_SIZE, key="dir_page")
    if page != requested:  # the filters shrank the result below the page asked for
        rows, total = search(session, user, flt, page=page, page_size=PAGE_SIZE)

st.markdown(f"共检索到 **{total}** 条记录")
if rows:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.index = range((page - 1) * PAGE_SIZE + 1, (page - 1) * PAGE_SIZE + 1 + len(df))
    narrow = {c: st.column_config.TextColumn(c, width="small")
              for c in ("所属地市", "所属区县", "行业代码", "负责评估验收", "是否双超", "是否双有")}
    st.dataframe(df, width="stretch", height=720 if len(df) > 18 else "auto",
                 column_config=narrow)
    pager(total, PAGE_SIZE, key="dir_page")
else:
    st.info("没有符合条件的企业，请调整筛选条件。")


def _all_rows():
    with unit_of_work() as s:
        return export(s, user, flt)


export_buttons(_all_rows, "企业名录", key="dir")

if user.tier is Tier.PROVINCE:
    new_enterprise_form(user)
