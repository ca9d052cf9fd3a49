"""帮助 (placeholder until the screen lands)."""

from ui.session import current_user
from ui.widgets import page_header

user = current_user("pages/help.py")
page_header("帮助")
