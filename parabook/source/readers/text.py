"""Plain text: one paragraph a line, blank lines between, extra blank lines where a photo was."""

from __future__ import annotations

from pathlib import Path

from parabook.errors import InputError
from parabook.lang.script import IDEOGRAPHIC_SPACE
from parabook.source.readers import Unit


def decode(data: bytes, path: Path, encoding: str | None) -> str:
    """UTF-8 (with or without BOM) by default; other encodings only when asked."""
    if encoding:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except (UnicodeError, LookupError) as exc:
            raise InputError(f"cannot decode as {encoding}: {exc}", path=path,
                             fix="check the --encoding value") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = "convert it to UTF-8"
        try:
            data.decode("gb18030")
            hint = ("it looks like GBK/GB18030: re-run with --encoding gb18030, "
                    f"or convert it first: iconv -f GB18030 -t UTF-8 {path} > out.txt")
        except UnicodeDecodeError:
            pass
        raise InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
                         path=path, line=line, fix=hint) from None


def read_text(text: str) -> list[Unit]:
    """Each non-blank line, with the number of blank lines before it."""
    units: list[Unit] = []
    blanks = 0
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        stripped = raw.strip().replace(IDEOGRAPHIC_SPACE, " ").strip()
        if not stripped:
            blanks += 1
            continue
        units.append(Unit(number, stripped, blanks))
        blanks = 0
    return units
