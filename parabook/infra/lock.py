"""One writer per translation file: `update`, `translate` and `import-review` take a lock.

The lock is an OS file lock (flock) on a hidden file beside the PO, so a crash or
kill -9 releases it; nothing stale is ever left to clean up by hand: the temporary
files of a write killed before its rename are cleared by the next holder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from parabook.errors import BookError, display_path
from parabook.infra.fsutil import clear_tmp


class LockedError(BookError):
    """Another command is writing the same file; waiting is the fix, not editing."""

    exit_code = 75  # EX_TEMPFAIL: try again later


def lock_path(po: Path) -> Path:
    return po.with_name(f".{po.name}.lock")


@contextmanager
def po_lock(po: Path) -> Iterator[None]:
    """Hold the PO's lock for the block, or fail at once if someone else holds it."""
    po.parent.mkdir(parents=True, exist_ok=True)
    # A linked PO is locked where it lives, as that is where it is written.
    busy = LockedError(f"another parabook command (update, translate or import-review) is "
                       f"writing {display_path(po)} right now", path=po,
                       fix="wait for it to finish, then run this command again")
    with held(lock_path(po.resolve()), 0, busy):
        clear_tmp(po.resolve(), older_than=0)  # no writer of ours is half-way now
        yield


@contextmanager
def held(lock_file: Path, wait: float, busy: BookError) -> Iterator[None]:
    """Hold an OS lock on `lock_file` for the block, waiting up to `wait` seconds for
    another holder; raise `busy` if it is still held then."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(lock_file, timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise busy from None
    try:
        yield
    finally:
        lock.release()
