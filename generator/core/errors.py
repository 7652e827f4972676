"""Diagnostics and the exceptions the command line reports as one line each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


def unreadable(error: OSError | UnicodeDecodeError) -> str:
    """Why a text file could not be read, in a few words."""
    return getattr(error, "strerror", None) or "not UTF-8 text"


def shorten(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters, for quoting input in a message."""
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True, slots=True, order=True)
class Source:
    """Where a value came from; printed as ``path:line``."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A problem found in the user's input, reported rather than raised so that
    every problem in every file is shown in one run."""

    source: Source
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class DigestError(Exception):
    """Base of every error the CLI prints as one line, without a traceback."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, source: Source | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}error: {self.message}"


class ConfigError(DigestError):
    """``digest.yaml`` is missing, unreadable or wrong; carries every problem found."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class InputError(DigestError):
    """The feeds hold errors that stop the build; the diagnostics were already reported."""


class UsageError(DigestError):
    """The command line itself is wrong."""

    exit_code: ClassVar[int] = 2
