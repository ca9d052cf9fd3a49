"""清洁生产审核合同 on screen: the enterprise uploads it after its startup (audit by a consultancy);
its departments see and preview it on 许可与公开跟踪."""

from __future__ import annotations

import streamlit as st

from core import contracts
from core.db import unit_of_work
from core.models import User
from ui.widgets import act, file_list, upload_box


def enterprise_contract(user: User, project_id: int) -> None:
    with unit_of_work() as session:
        if not contracts.needs_contract(session, user, project_id):
            return
        found = contracts.contract_files(session, user, project_id)
    with st.container(border=True):
        st.markdown("**清洁生产审核合同**（委托咨询服务机构开展审核的，上传与咨询服务机构签订的合同扫描件；"
                    "合同原件按清审任务通知的要求报送生态环境部门）")
        if not found:
            st.warning("尚未上传审核合同。", icon=":material/description:")
        file_list(found, f"contract_files_{project_id}",
                  lambda a: act(lambda s, u: contracts.remove_contract_file(s, u, project_id, a.id),
                                "已删除该合同文件", user))
        generation = st.session_state.get(f"contract_gen_{project_id}", 0)
        chosen = upload_box("选择合同扫描件", f"contract_upload_{project_id}_{generation}", multiple=True)
        if st.button("上传合同", key=f"contract_send_{project_id}", disabled=not chosen):
            uploads = [(f.name, f.getvalue()) for f in chosen]

            def next_box() -> None:  # a fresh uploader: what was sent does not stay selected
                st.session_state[f"contract_gen_{project_id}"] = generation + 1

            act(lambda s, u: contracts.upload_contract(s, u, project_id, uploads),
                lambda batch: f"已上传 {batch.added} 个合同文件", user,
                warning=lambda batch: batch.refusal(), then=next_box)


def department_contract(session, user: User, project_id: int, key: str) -> None:
    if not contracts.needs_contract(session, user, project_id):
        st.caption("该企业自行开展清洁生产审核，无咨询服务合同。")
        return
    found = contracts.contract_files(session, user, project_id)
    if not found:
        st.info("企业尚未上传审核合同。", icon=":material/description:")
    file_list(found, key)
