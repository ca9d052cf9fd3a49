"""Free text as users type it: one rule for control characters and one table of length limits.

Every free-text field goes through `clean` (or `problem`, for validators that collect one message per
field) before it is stored or used in a query, and the screens give each input `max_chars` from
`Limit`, so that the browser stops the typing where core would refuse it. NUL crashes PostgreSQL
("text fields cannot contain NUL") and other control characters have no business in a name or an
opinion; db.py adds a safety net that refuses NUL and unencodable surrogates in any statement's
parameters, should a path ever skip `clean`.
"""

from __future__ import annotations

import unicodedata

from core.errors import ValidationError

# What a multi-line input (a text area) may contain besides printable characters.
MULTILINE_WHITESPACE = frozenset("\n\t")


class Limit:
    """Longest accepted length (in characters) of the common kinds of free-text field; a module with a
    field of its own keeps that field's limit beside its rule (e.g. roster_list.MAX_REASON)."""

    NAME = 128  # enterprise, task, notice and option names (the columns are String(128))
    SHORT = 64  # batch, document numbers, legal representative, other short single-line facts
    PERSON = 32  # a contact person, a project leader
    PHONE = 24
    ADDRESS = 256
    CREDIT_CODE = 18
    BASIS = 500  # 工作依据, quoted in the first sentence of every letter
    COMMENT = 2000  # a review comment
    LONG = 5000  # requirements, summaries
    SEARCH = 64  # a search box


def forbidden(value: str, *, multiline: bool = False) -> str | None:
    """The first character that may not be stored, or None.

    Control characters (C0, DEL, C1) are refused, except newline and tab in a multi-line field; so are
    lone surrogates, which no database encoding accepts. Carriage returns are dropped by `clean` first.
    """
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs" or (category == "Cc" and not (multiline and char in MULTILINE_WHITESPACE)):
            return char
    return None


def problem(value: str, label: str, limit: int, *, multiline: bool = False) -> str | None:
    """Why `value` (already stripped) cannot be stored as `label`, in Chinese; None when it can."""
    if forbidden(value, multiline=multiline) is not None:
        return f"{label}含有不可见的控制字符，请删除后重新输入"
    if len(value) > limit:
        return f"{label}最多 {limit} 个字"
    return None


def normalized(value, *, multiline: bool = False) -> str:
    """The text stripped of surrounding whitespace, line ends as "\\n" (None becomes "")."""
    text = "" if value is None else str(value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def clean(value, label: str, limit: int, *, field: str | None = None, multiline: bool = False) -> str:
    """The stripped text, or ValidationError (naming `field`) when it holds control characters or is
    longer than `limit`. Whether it may be empty is the caller's rule."""
    text = normalized(value, multiline=multiline)
    if message := problem(text, label, limit, multiline=multiline):
        raise ValidationError(message, field=field)
    return text


def search_term(value, limit: int = Limit.SEARCH) -> str:
    """A search box's text, checked like any field before it reaches a query."""
    return clean(value, "查找内容", limit, field="search")
