"""The one rule for dates a department sets now (a task's deadline, a notice's time milestones): they
cannot already have passed. A date picker with a lower bound would silently keep its default when a
past date is typed (issue 14); the rule lives here, with a message that names the date."""

from __future__ import annotations

from datetime import date

from core.errors import ValidationError
from core.startup_fields import today as beijing_today


def not_past(day: date, label: str, field: str, *, today: date | None = None) -> None:
    """Refuse a date before today (Beijing time), naming it."""
    today = today or beijing_today()
    if day < today:
        raise ValidationError(f"{label}（{day:%Y-%m-%d}）早于今天（{today:%Y-%m-%d}），请选择今天或以后的日期",
                              field=field)


def changed_not_past(day: date, before: date | None, label: str, field: str, *, today: date | None = None) -> None:
    """On an edit, only a date the user changed must not be past: a milestone that passed while the
    task ran stays as it was."""
    if day != before:
        not_past(day, label, field, today=today)
