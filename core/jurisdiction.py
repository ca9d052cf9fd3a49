"""Who may do what to which object: the one place that answers it.

Province ⊃ its cities ⊃ their counties ⊃ their enterprises; an enterprise sees only itself.
A user who still has to replace an initial password may do nothing until they have.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, false

from core.errors import PermissionDenied
from core.models import Division, Enterprise, Tier, User


class Action(str, enum.Enum):
    VIEW = "view"
    EDIT = "edit"
    RESET_PASSWORD = "reset_password"


ACTION_LABELS = {Action.VIEW: "查看", Action.EDIT: "修改", Action.RESET_PASSWORD: "重置密码"}


def covers(department: Division, target: Division) -> bool:
    """Whether `target` lies inside (or is) the division governed by `department`."""
    if department.level is Tier.PROVINCE:
        return target.province_code == department.code
    if department.level is Tier.CITY:
        return target.code == department.code or target.city_code == department.code
    return target.code == department.code


def _is_operational(user: User) -> bool:
    return user.is_active and not user.must_change_password


def can(user: User, action: Action, obj: object) -> bool:
    if not _is_operational(user):
        return False
    if isinstance(obj, Enterprise):
        return _can_enterprise(user, action, obj)
    if isinstance(obj, Division):
        return _can_division(user, action, obj)
    if isinstance(obj, User):
        return _can_user(user, action, obj)
    return False


def _can_enterprise(user: User, action: Action, enterprise: Enterprise) -> bool:
    if action not in (Action.VIEW, Action.EDIT):
        return False
    if user.tier is Tier.ENTERPRISE:
        return enterprise.id == user.enterprise_id
    return covers(user.division, enterprise.division)


def _can_division(user: User, action: Action, division: Division) -> bool:
    if action is not Action.VIEW:
        return False
    if user.tier is Tier.ENTERPRISE:
        return division.code == user.division_code
    return covers(user.division, division)


def _can_user(user: User, action: Action, target: User) -> bool:
    if target.id == user.id:
        # One's own password is changed with the current one, never reset.
        return action is Action.VIEW
    if user.tier is Tier.ENTERPRISE or action not in (Action.VIEW, Action.RESET_PASSWORD):
        return False
    if not covers(user.division, target.division):
        return False
    # A department manages the accounts below it, not a peer sharing its division code.
    return target.tier is Tier.ENTERPRISE or target.division_code != user.division_code


def require_operational(user: User) -> None:
    """PermissionDenied unless the account may act at all (active, initial password replaced)."""
    if not user.is_active:
        raise PermissionDenied("账户已停用")
    if user.must_change_password:
        raise PermissionDenied("请先修改初始密码，再进行其他操作")


def require_department(user: User, what: str) -> None:
    """PermissionDenied unless an operational department account; `what` names the work refused."""
    require_operational(user)
    if not user.tier.is_department:
        raise PermissionDenied(f"{what}只能由生态环境部门办理")


def require_enterprise(user: User, what: str) -> None:
    """PermissionDenied unless an operational enterprise account."""
    require_operational(user)
    if user.tier is not Tier.ENTERPRISE:
        raise PermissionDenied(f"只有企业用户可以{what}")


def require(user: User, action: Action, obj: object, what: str = "该对象") -> None:
    """Raise PermissionDenied with a clear message unless `can` allows it."""
    require_operational(user)
    if not can(user, action, obj):
        raise PermissionDenied(f"您无权{ACTION_LABELS[action]}{what}：不在本部门管辖范围内")


def division_scope(user: User) -> ColumnElement[bool]:
    """SQL predicate on Division selecting the divisions this user may see."""
    if not _is_operational(user):
        return false()
    if user.tier is Tier.ENTERPRISE:
        return Division.code == user.division_code
    level = user.division.level
    if level is Tier.PROVINCE:
        return Division.province_code == user.division_code
    if level is Tier.CITY:
        return (Division.city_code == user.division_code) | (Division.code == user.division_code)
    return Division.code == user.division_code


def area_scope(user: User, *, province, city, county, enterprise) -> ColumnElement[bool]:
    """The user's jurisdiction over a table that stores each row's county, city and province code (and
    enterprise id): the same rows division_scope/enterprise_scope select, without joining Division."""
    if not _is_operational(user):
        return false()
    if user.tier is Tier.ENTERPRISE:
        return enterprise == user.enterprise_id if user.enterprise_id and enterprise is not None else false()
    column = {Tier.PROVINCE: province, Tier.CITY: city, Tier.COUNTY: county}[user.division.level]
    return column == user.division_code


def enterprise_scope(user: User) -> ColumnElement[bool]:
    """SQL predicate on Enterprise (joined to Division) selecting what this user may see."""
    if not _is_operational(user):
        return false()
    if user.tier is Tier.ENTERPRISE:
        return Enterprise.id == user.enterprise_id if user.enterprise_id else false()
    return division_scope(user)
