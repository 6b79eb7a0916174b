"""One exception root; the command line is the only place that prints and exits."""

from __future__ import annotations

from pathlib import Path


class BookError(Exception):
    """Something a person must fix. Carries where, what, and how to fix it."""

    exit_code = 1

    def __init__(self, problem: str, *, path: Path | str | None = None,
                 line: int | None = None, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.line = line
        self.fix = fix
        self.diagnostics: tuple = ()
        """Every finding, when the error stands for several (`parabook.diagnostics`)."""

    def located(self) -> str:
        """`path:line: problem`, without the fix."""
        where = ""
        if self.path is not None:
            shown = display_path(self.path)
            where = f"{shown}:{self.line}: " if self.line else f"{shown}: "
        return f"{where}{self.problem}"

    def __str__(self) -> str:
        text = self.located()
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class InputError(BookError):
    """Bad input: a manuscript, config, translation or text file that cannot be used."""

    exit_code = 2


class SetupError(BookError):
    """The machine lacks something the build needs (a font, a library)."""

    exit_code = 3


def not_utf8(path: Path, data: bytes, error: UnicodeDecodeError) -> InputError:
    """The error for a text file that is not UTF-8, at the line of the first bad byte."""
    line = data[:error.start].count(b"\n") + 1
    fix = "save the file as UTF-8"
    try:
        data.decode("gb18030")
        fix += (" (it looks like GBK/GB18030; convert it with: iconv -f GB18030 -t UTF-8 "
                f"{display_path(path)} > converted, then put converted in its place)")
    except UnicodeDecodeError:
        pass
    return InputError(f"not UTF-8 (byte 0x{data[error.start]:02x} cannot be decoded)",
                      path=path, line=line, fix=fix)


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when they are inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
