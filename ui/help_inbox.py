"""帮助 section of 站内消息, kept apart from ui.help_content (already long) next to its screen's kind.
Nothing here imports streamlit."""

from __future__ import annotations

from core.models import Tier
from ui import navigation as nav
from ui.help_content import Section


def inbox_section(tier: Tier) -> Section:
    if tier is Tier.ENTERPRISE:
        what = "清审任务下发、告知书签发、评估验收申请被退回（含退回原因）、审核结果，以及时间节点即将到期和已逾期的提醒"
        sms = "退回、审核结果和时间节点提醒同时以短信发送到接受任务时填写的项目负责人手机。"
    else:
        what = "上级下发的名单核定任务和清审任务、下级提交待审核的名单、名单被通过或退回（含审核意见）、待本部门受理或办理的评估验收申请"
        what += "，以及辖区企业告知书送达即将到期和已逾期的提醒" if tier is Tier.COUNTY else ""
        sms = "部门账户没有登记手机号码和电子邮箱，消息只在站内显示。"
    return Section(nav.INBOX, f"接收与本账户有关的系统消息：{what}。", (
        "点击左侧菜单栏“站内消息”；有未读消息时，左侧菜单栏下方显示未读条数。",
        "打开“只看未读”只显示未读消息；消息较多时在页面底部翻页。",
        "点击【打开】将该消息标为已读并进入相关页面；点击【标为已读】只标记不跳转。",
        "点击【全部标为已读】并确认，将当前显示时已收到的全部消息标为已读（之后新到的消息仍为未读）。",
    ), (
        sms,
        "同一时间节点的到期提醒和逾期提醒各只发送一次。",
    ))
