"""insider-kit: event studies of SEC insider trades."""

from __future__ import annotations

from .errors import ConfigError, DataError, InsiderKitError, NetworkError

__all__ = ["ConfigError", "DataError", "InsiderKitError", "NetworkError"]
__version__ = "0.1.0"
