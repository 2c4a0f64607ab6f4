"""Errors a user can act on.

Every expected failure (bad config, missing file, unknown name, shapes that do
not fit) is a ``DlxError``: the command line prints its message as one line and
exits 1. Anything else is a bug and keeps its traceback.
"""


class DlxError(Exception):
    """A failure caused by the user's input; the message says what to do."""


class UnknownNameError(DlxError, KeyError):
    """A registry lookup for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigError(DlxError):
    """A config file or override that does not validate."""


class ShapeError(DlxError, ValueError):
    """Layers or tensors whose shapes do not fit together."""


class DataError(DlxError):
    """A data set that is missing or malformed."""


class CheckpointError(DlxError):
    """A checkpoint file that is not a valid dlx checkpoint."""


class DivergenceError(DlxError):
    """Training produced a NaN, infinite or exploding loss."""


class DlxWarning(UserWarning):
    """Something a user should know that does not stop the command (the CLI prints it as one line)."""
