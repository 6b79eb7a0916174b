"""Atomic writes: a reader never sees a half-written file, a crash leaves the old one."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEXT_LIMIT = 64 * 1024 * 1024
"""Bytes: far beyond any article or translation file, far below the machine's memory."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, data: bytes | str,
                 unchanged: Callable[[], bool] | None = None) -> bool:
    """Write to a temporary file beside `path`, fsync it, then rename over `path`.

    `unchanged` is asked last, with the data on disk and only the rename to go: False
    leaves `path` as it is and returns False (the caller merges and tries again).
    """
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
        if unchanged is not None and not unchanged():
            Path(tmp).unlink()
            return False
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def clear_tmp(path: Path, older_than: float) -> None:
    """Delete the temporary files of `write_atomic(path)`s killed before their rename
    (kill -9 runs no cleanup) that are older than `older_than` seconds: a younger one may
    still be another process's write, unless the caller holds the file's lock."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    limit = time.time() - older_than
    try:
        names = [n for n in os.listdir(path.parent) if pattern.fullmatch(n)]
    except OSError:
        return
    for name in names:
        leftover = path.parent / name
        try:
            if leftover.lstat().st_mtime <= limit and not leftover.is_dir():
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: the write goes on


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
