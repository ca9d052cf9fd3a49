"""Exceptions whose message is shown to the user as it is (Simplified Chinese)."""


class RuleViolation(Exception):
    """A request that a rule refuses; nothing was changed."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "操作不被允许"


class PermissionDenied(RuleViolation):
    """The actor's tier or jurisdiction does not allow the action."""


class ValidationError(RuleViolation):
    """Input that does not satisfy a rule; `field` names the input at fault when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Conflict(RuleViolation):
    """Another request changed the same data first (a stale version, a duplicate, a lock that timed out).

    Raised by core.db at the unit-of-work boundary in place of the database's error, so that a screen
    shows a sentence instead of a traceback. Nothing was changed; running the request again re-reads
    the state and either applies or is refused by the rule that now holds.
    """


class KeptRefusal(ValidationError):
    """A refusal whose bookkeeping must stay: the unit of work commits what the request recorded before
    refusing (a failed password's count and log entry), instead of rolling it back."""
