"""排污许可与信息公开 (placeholder until the screen lands)."""

from ui.session import current_user
from ui.widgets import page_header

user = current_user("pages/disclosure.py")
page_header("排污许可与信息公开")
