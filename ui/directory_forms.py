"""新增企业: the province adds an enterprise to the directory (seed 000 §2.1 注)."""

from __future__ import annotations

import streamlit as st

from core.db import unit_of_work
from core.enterprises import county_options, create_enterprise, industry_class_options
from core.errors import ValidationError
from core.models import ManagingTier, User
from core.text import Limit
from ui.widgets import act

MANAGING = {"市直管": ManagingTier.CITY, "省直管": ManagingTier.PROVINCE}


def new_enterprise_form(user: User) -> None:
    st.divider()
    with st.expander("新增企业", icon=":material/add_business:"):
        st.caption("企业名录与河北省污染源环境管理数据平台保持一致：地市、区县发现名录缺少企业时，"
                   "由其联系平台负责人，省级核实后在此补录，之后即可在名单核定中增补。")
        with unit_of_work() as session:
            counties = county_options(session, user)
            classes = industry_class_options(session)
        county_names, class_names = dict(counties), dict(classes)
        generation = st.session_state.get("new_ent_generation", 0)
        with st.form(f"new_enterprise_{generation}", enter_to_submit=False):
            name = st.text_input("企业名称 *", max_chars=Limit.NAME)
            code = st.text_input("统一社会信用代码", max_chars=Limit.CREDIT_CODE, help="18 位，选填；填写时校验校验码")
            left, right = st.columns(2)
            county = left.selectbox("所属区县 *", list(county_names), index=None, placeholder="请选择区县",
                                    format_func=county_names.get)
            industry = right.selectbox("行业小类 *", list(class_names), index=None, placeholder="输入代码或名称查找",
                                       format_func=lambda c: f"{c} {class_names[c]}")
            address = st.text_input("地址", max_chars=Limit.ADDRESS)
            c1, c2, c3 = st.columns(3)
            managing = c1.selectbox("负责评估验收部门", list(MANAGING))
            exceed = c2.checkbox("双超企业")
            toxic = c3.checkbox("双有企业")
            saved = st.form_submit_button("保存到企业名录", type="primary")
        if saved:
            def create(s, actor):
                if county is None or industry is None:
                    raise ValidationError("请选择所属区县和行业小类")
                create_enterprise(s, actor, name=name, county_code=county, industry_code=industry,
                                  managing_tier=MANAGING[managing], credit_code=code, address=address,
                                  double_exceed=exceed, double_toxic=toxic)

            act(create, f"已将“{name.strip()}”加入企业名录", user,
                then=lambda: st.session_state.__setitem__("new_ent_generation", generation + 1))
