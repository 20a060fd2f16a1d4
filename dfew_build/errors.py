"""The one exception type that reaches a user as a single line instead of a traceback."""


class UserError(Exception):
    """A mistake the user can fix: the message names the problem and what to do.

    The CLI prints ``error: <message>`` and exits with status 2.
    """
