"""Findings as data: where, how bad, which kind, what, and how to fix it.

A stage that can find several problems in one input (a `book.yaml` with three bad
keys, a book with five missing photos) adds each to a `Diagnostics` collector
instead of stopping at the first, and the caller decides: `raise_errors()` turns
the errors into one `InputError` that lists them all, as MkDocs' config check does;
warnings travel in the build's report. Code that reacts to a finding tests its
`code`, never its wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from parabook.errors import InputError, display_path

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding about an input."""

    path: Path | None
    """The file it is about; None when it is about no one file."""
    line: int | None
    """1-based line in `path`; None when the finding has no line."""
    severity: Severity
    """`error` stops the command; `warning` is reported and the work goes on."""
    code: str
    """Stable kind, e.g. `config.unknown-key` or `photo.missing`: what code tests."""
    message: str
    """The problem, for a person."""
    fix: str | None = None
    """What to do about it."""

    def located(self) -> str:
        """`path:line: message`, without the fix."""
        if self.path is None:
            return self.message
        shown = display_path(self.path)
        return f"{shown}:{self.line}: {self.message}" if self.line else f"{shown}: {self.message}"

    def __str__(self) -> str:
        return self.located() + (f"\n  fix: {self.fix}" if self.fix else "")


@dataclass
class Diagnostics:
    """A collector: add findings as they are found, then report or raise them together."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, *, path: Path | None = None,
              line: int | None = None, fix: str | None = None) -> None:
        self.items.append(Diagnostic(path, line, "error", code, message, fix))

    def warning(self, code: str, message: str, *, path: Path | None = None,
                line: int | None = None, fix: str | None = None) -> None:
        self.items.append(Diagnostic(path, line, "warning", code, message, fix))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.items if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.items if d.severity == "warning")

    def raise_errors(self) -> None:
        """Raise one `InputError` naming every error, if there is any."""
        errors = self.errors
        if errors:
            raise errors_as_exception(errors)


def errors_as_exception(errors: tuple[Diagnostic, ...]) -> InputError:
    """One error as it is; several as a list under one heading, each with its fix."""
    first = errors[0]
    if len(errors) == 1:
        error = InputError(first.message, path=first.path, line=first.line, fix=first.fix)
    else:
        listed = "\n".join(
            "  " + str(d).replace("\n", "\n  ") for d in errors)
        paths = {d.path for d in errors}
        error = InputError(f"{len(errors)} problems:\n{listed}",
                           path=first.path if len(paths) == 1 else None,
                           fix="fix each one above, then run the command again")
    error.diagnostics = errors
    return error
