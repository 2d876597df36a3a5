"""One exception hierarchy for the kit.

Everything the kit raises on purpose derives from :class:`InsiderKitError`, so a
notebook or script can catch the kit's own failures with one ``except`` clause
while genuine bugs still surface with a traceback.  Each error carries an
optional *hint*: one line telling the user what to do next.  The CLI prints the
message and the hint and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "InsiderKitError",
    "NetworkError",
    "NotFoundError",
    "TooMuchDataLossError",
]


class InsiderKitError(Exception):
    """Base class of every error the kit raises on purpose.

    Parameters
    ----------
    message
        What went wrong, naming the file, ticker or setting concerned.
    hint
        Optional one-line advice on how to fix it.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class ConfigError(InsiderKitError):
    """A setting is missing or invalid (data directory, SEC identity, spec file...)."""


class DataError(InsiderKitError):
    """An input file or table is malformed, incomplete or unsafe.

    Attributes
    ----------
    path
        The offending file, when there is one.
    """

    def __init__(self, message: str, *, path: object | None = None, hint: str | None = None) -> None:
        if path is not None:
            message = f"{path}: {message}"
        super().__init__(message, hint=hint)
        self.path = path


class NotFoundError(DataError):
    """Something the user asked for does not exist (ticker, file, notebook...)."""


class NetworkError(InsiderKitError):
    """A download failed after all retries, or answered with something unusable."""


class TooMuchDataLossError(DataError):
    """More events were dropped than the caller's ``max_loss`` allows."""
