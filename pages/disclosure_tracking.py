"""许可与公开跟踪 (placeholder until the screen lands)."""

from ui.session import current_user
from ui.widgets import page_header

user = current_user("pages/disclosure_tracking.py")
page_header("许可与公开跟踪")
