"""The one error type the domain raises: its message is Chinese and meant for the user."""


class DomainError(ValueError):
    """An input or an action the rules refuse; ``str(err)`` is a sentence a handler can read."""


class Cancelled(Exception):  # noqa: N818 - what happened, said plainly
    """The user pressed 取消 during a long job. Raised from the job's progress report, so it unwinds through the
    job's own transaction (rolled back) and output file (removed): nothing half-written stays."""
