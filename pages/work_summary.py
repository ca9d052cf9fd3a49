"""工作总结 (placeholder until the screen lands)."""

from ui.session import current_user
from ui.widgets import page_header

user = current_user("pages/work_summary.py")
page_header("工作总结")
