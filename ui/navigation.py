"""Which screens each kind of user gets. Home.py turns this into st.navigation; pages re-check it."""

from __future__ import annotations

from core.models import Tier, User

LOGIN = ("pages/login.py", "登录", ":material/login:")
FORCED_CHANGE = ("pages/change_initial_password.py", "修改初始密码", ":material/key:")
HOME = ("pages/home.py", "首页", ":material/home:")
INBOX = ("pages/inbox.py", "站内消息", ":material/mail:")
ACCOUNT = ("pages/account.py", "账户", ":material/person:")
DIRECTORY = ("pages/enterprise_directory.py", "企业名录", ":material/factory:")
ACCOUNT_ADMIN = ("pages/account_admin.py", "账户管理", ":material/manage_accounts:")
ROSTER_TASKS = ("pages/roster_tasks.py", "名单核定任务", ":material/fact_check:")
ROSTER_TASK = ("pages/roster_task.py", "名单核定任务详情", ":material/assignment:")

NOTICE_TASKS = ("pages/notice_tasks.py", "清审任务管理", ":material/campaign:")
NOTICE_TASK = ("pages/notice_task.py", "清审任务详情", ":material/assignment:")
ENTERPRISE_TASKS = ("pages/enterprise_tasks.py", "接受清审任务", ":material/task_alt:")
PROJECT_STARTUP = ("pages/project_startup.py", "项目启动", ":material/rocket_launch:")
AUDIT_WORK = ("pages/audit_work.py", "工作过程填报", ":material/edit_note:")
OPTIONS_LEDGER = ("pages/options_ledger.py", "方案台账", ":material/list_alt:")
APPLICATIONS = ("pages/applications.py", "评估验收申请", ":material/send:")
CASES = ("pages/cases.py", "业务办理", ":material/gavel:")
CASE = ("pages/case.py", "业务办理详情", ":material/assignment:")
EXPERT_POOL = ("pages/expert_pool.py", "专家库", ":material/groups:")
DASHBOARD = ("pages/dashboard.py", "统计分析", ":material/monitoring:")
WORK_SUMMARY = ("pages/work_summary.py", "工作总结", ":material/summarize:")
DISCLOSURE_TRACKING = ("pages/disclosure_tracking.py", "许可与公开跟踪", ":material/verified:")
DISCLOSURE = ("pages/disclosure.py", "排污许可与信息公开", ":material/public:")
HELP = ("pages/help.py", "帮助", ":material/help:")
GRADING = ("pages/grading.py", "清洁生产水平对标", ":material/leaderboard:")
INDICATOR_SYSTEMS = ("pages/indicator_systems.py", "指标体系", ":material/rule:")

# Screens reached from another screen (a task's 详情), not from the menu.
HIDDEN = {ROSTER_TASK[0], NOTICE_TASK[0], CASE[0]}

DEPARTMENTS = (Tier.PROVINCE, Tier.CITY, Tier.COUNTY)


def sections_for(user: User | None) -> dict[str, list[tuple[str, str, str]]]:
    """Navigation sections ("" = no heading) of (path, title, icon) for this user."""
    if user is None:
        return {"": [LOGIN]}
    if user.must_change_password:
        return {"": [FORCED_CHANGE]}
    if user.tier is Tier.ENTERPRISE:
        return {"": [HOME, INBOX], "清审任务": [ENTERPRISE_TASKS, PROJECT_STARTUP],
                "业务办理": [AUDIT_WORK, OPTIONS_LEDGER, GRADING, APPLICATIONS, DISCLOSURE], "系统": [ACCOUNT, HELP]}
    return {"": [HOME, INBOX], "任务管理": [ROSTER_TASKS, ROSTER_TASK, NOTICE_TASKS, NOTICE_TASK],
            "业务办理": [CASES, CASE, EXPERT_POOL, INDICATOR_SYSTEMS],
            "统计与总结": [DASHBOARD, WORK_SUMMARY, DISCLOSURE_TRACKING],
            "企业管理": [DIRECTORY], "系统": [ACCOUNT, ACCOUNT_ADMIN, HELP]}


def allowed_paths(user: User | None) -> set[str]:
    return {path for pages in sections_for(user).values() for path, _, _ in pages}
