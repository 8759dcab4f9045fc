"""Errors raised for a user's mistake, as one line that names the key."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value the model cannot run with.

    The message is one line: the dotted key first, then what is allowed,
    e.g. ``policy.pay_floor.multiple: must be >= 0, got -1``.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")

    def __reduce__(self):
        return (type(self), (self.key, self.problem))


class DataFileError(ValueError):
    """A parameter or data file that breaks the provenance schema."""
