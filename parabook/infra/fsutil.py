"""Atomic writes: a reader never sees a half-written file, a crash leaves the old one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEXT_LIMIT = 64 * 1024 * 1024
"""Bytes: far beyond any article or translation file, far below the machine's memory."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, fsync it, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); outputs are shared like any saved file.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: Path, what: str, limit: int = TEXT_LIMIT) -> bytes:
    """The bytes of an input file, refusing what is not a regular file (a FIFO or a
    device would block or never end) and what is too large to be what it claims."""
    from parabook.errors import InputError

    try:
        info = path.stat()
    except FileNotFoundError:
        raise
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
        raise InputError(f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}",
                         path=path, fix="check the file name and any links to it") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"the {what} is not a regular file (a folder, pipe or device)",
                         path=path, fix="put the file itself there")
    if info.st_size > limit:
        raise InputError(f"the {what} is {info.st_size / 2**20:,.0f} MB, over the limit of "
                         f"{limit / 2**20:,.0f} MB", path=path,
                         fix="check that it is the right file")
    with path.open("rb") as handle:
        return handle.read(limit + 1)[:limit]
