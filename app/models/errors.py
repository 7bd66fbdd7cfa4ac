"""The one error type the domain raises: its message is Chinese and meant for the user."""


class DomainError(ValueError):
    """An input or an action the rules refuse; ``str(err)`` is a sentence a handler can read."""
