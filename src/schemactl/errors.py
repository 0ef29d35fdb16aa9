"""The one error type the tool raises for problems a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in the project a problem comes from (1-based line and column)."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class SchemactlError(Exception):
    """A user-facing error: one line, where it comes from, and what to do next.

    ``exit_code`` is 2 for bad usage or bad input (the default) and 1 for a check
    that ran and failed.
    """

    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class CheckFailed(SchemactlError):
    """A check that ran and found a problem (exit code 1)."""

    exit_code = 1
